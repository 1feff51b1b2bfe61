package dev.raccoon.train;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class TemperatureScalingTest {
    /**
     * Labels drawn from softmax(z) while the model says 2.5·z: the model is overconfident by 2.5, and the fit
     * finds it.
     */
    @Test
    void recoversTheTemperatureOfAnOverconfidentModel() {
        SplittableRandom random = new SplittableRandom(11);
        int n = 60_000, k = 3;
        float[][] logits = new float[n][k];
        int[] gold = new int[n];
        for (int i = 0; i < n; i++) {
            float[] truth = new float[k];
            for (int c = 0; c < k; c++) truth[c] = (float) (1.5 * random.nextGaussian());
            float[] p = TemperatureScaling.probabilities(truth, 1);
            double u = random.nextDouble(), cumulative = 0;
            gold[i] = k - 1;
            for (int c = 0; c < k; c++) {
                cumulative += p[c];
                if (u < cumulative) {
                    gold[i] = c;
                    break;
                }
            }
            for (int c = 0; c < k; c++) logits[i][c] = 2.5f * truth[c];
        }
        double t = TemperatureScaling.fit(logits, gold);
        assertThat(t).isCloseTo(2.5, within(0.08));
        double best = TemperatureScaling.logLoss(logits, gold, t);
        assertThat(best).isLessThan(TemperatureScaling.logLoss(logits, gold, 1));
        assertThat(best).isLessThanOrEqualTo(TemperatureScaling.logLoss(logits, gold, t * 1.01));
        assertThat(best).isLessThanOrEqualTo(TemperatureScaling.logLoss(logits, gold, t / 1.01));
    }

    @Test
    void logLossAndProbabilitiesByHand() {
        float[] z = {1f, 3f};
        float[] p = TemperatureScaling.probabilities(z, 2);
        // softmax(0.5, 1.5) = (1, e) / (1 + e)
        assertThat(p[1]).isCloseTo((float) (Math.E / (1 + Math.E)), within(1e-6f));
        assertThat(p[0] + p[1]).isCloseTo(1f, within(1e-6f));
        assertThat(TemperatureScaling.logLoss(new float[][] {z}, new int[] {0}, 2)).isCloseTo(Math.log(1 + Math.E), within(1e-9));
        // large logits stay finite
        assertThat(TemperatureScaling.probabilities(new float[] {1000f, -1000f}, 0.5)).containsExactly(1f, 0f);
    }

    @Test
    void refusesDataWithoutABestTemperature() {
        float[][] right = {{2f, -1f}, {-3f, 1f}};
        assertThatThrownBy(() -> TemperatureScaling.fit(right, new int[] {0, 1}))
                .hasMessageContaining("every row is classified right with a margin");
        assertThatThrownBy(() -> TemperatureScaling.fit(right, new int[] {1, 0}))
                .hasMessageContaining("below the average class");
        assertThatThrownBy(() -> TemperatureScaling.fit(right, new int[] {0}))
                .hasMessageContaining("2 rows of logits but 1 labels");
        assertThatThrownBy(() -> TemperatureScaling.fit(new float[0][], new int[0])).hasMessageContaining("no rows");
    }
}
