package dev.raccoon.engine;

import dev.raccoon.engine.backends.Backends;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Losses and AdamW on both CPU backends against values worked out by hand (or with Python's math module). */
class KnownValuesTest {
    private static final Backend cpu = Backends.cpu(2);
    private static final Backend[] BOTH = {Backends.scalar(), cpu};

    @AfterAll
    static void close() { cpu.close(); }

    @Test
    void adamwTwoStepsLikeTorch() {
        // p=1, g=0.5 then −0.25, lr 0.1, betas (0.9, 0.999), eps 1e-8, weight decay 0.01:
        // step 1: p = 1·(1 − 0.001) − 0.1 · 0.5/(0.5 + 1e-8) = 0.899000002, m = 0.05, v = 0.00025
        // step 2: m = 0.02, v = 0.00031225, p = 0.8714672987058463
        // (m and v carry the float rounding of 1 − β: 1 − 0.999f is 1.0000467e-3, hence their looser bounds)
        for (Backend be : BOTH) {
            Tensor p = be.of(new float[] {1}, 1), m = be.zeros(1), v = be.zeros(1);
            be.adamw(p, be.of(new float[] {0.5f}, 1), m, v, 0.1f, 0.9f, 0.999f, 1e-8f, 0.01f, 1);
            assertThat(be.read(p)[0]).as(be.name()).isCloseTo(0.899000002f, within(1e-6f));
            assertThat(be.read(m)[0]).isCloseTo(0.05f, within(1e-7f));
            assertThat(be.read(v)[0]).isCloseTo(0.00025f, within(2e-8f));
            be.adamw(p, be.of(new float[] {-0.25f}, 1), m, v, 0.1f, 0.9f, 0.999f, 1e-8f, 0.01f, 2);
            assertThat(be.read(p)[0]).as(be.name()).isCloseTo(0.8714672987f, within(1e-6f));
            assertThat(be.read(m)[0]).isCloseTo(0.02f, within(1e-7f));
            assertThat(be.read(v)[0]).isCloseTo(0.00031225f, within(2e-8f));
        }
    }

    @Test
    void lossesByHand() {
        for (Backend be : BOTH) {
            // Uniform logits over 4 classes: loss ln 4; the ignored row neither counts nor gets a gradient.
            Tensor d = be.zeros(2, 4);
            float ce = be.crossEntropy(be.zeros(2, 4), new int[] {1, -100}, -100, d);
            assertThat(ce).as(be.name()).isCloseTo((float) Math.log(4), within(1e-6f));
            assertThat(be.read(d)).containsExactly(0.25f, -0.75f, 0.25f, 0.25f, 0, 0, 0, 0);
            // BCE at logit 0 is ln 2 whatever the target; weight 0 excludes a row.
            float bce = be.binaryCrossEntropy(be.of(new float[] {0, 0, 50}, 3), new float[] {1, 0, 0},
                    new float[] {1, 1, 0}, null);
            assertThat(bce).isCloseTo((float) Math.log(2), within(1e-6f));
            assertThat(be.meanSquaredError(be.of(new float[] {1, 2}, 2), new float[] {0, 4}, null)).isEqualTo(2.5f);
        }
    }
}
