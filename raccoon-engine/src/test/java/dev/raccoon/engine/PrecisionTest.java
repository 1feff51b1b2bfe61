package dev.raccoon.engine;

import dev.raccoon.engine.backends.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static dev.raccoon.engine.Rand.assertClose;
import static dev.raccoon.engine.Rand.floats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** bf16 rounding, and the CPU backends' matrix products under each precision against fp32 on rounded operands. */
class PrecisionTest {
    private static final Backend fp32 = Backends.scalar();

    @Test
    void roundsToTheNearestBf16TiesToEven() {
        float ulp = 0x1p-7f; // bf16 keeps 7 mantissa bits: the spacing just above 1
        assertThat(Precision.roundToBf16(1f)).isEqualTo(1f);
        assertThat(Precision.roundToBf16(1f + ulp / 2)).as("a tie goes to the even 1").isEqualTo(1f);
        assertThat(Precision.roundToBf16(1f + 3 * ulp / 2)).as("a tie goes to the even 1 + 2 ulp").isEqualTo(1f + 2 * ulp);
        assertThat(Precision.roundToBf16(1f + ulp / 2 + 0x1p-20f)).as("just past a tie goes up").isEqualTo(1f + ulp);
        assertThat(Precision.roundToBf16(-1f - 0x1p-9f)).isEqualTo(-1f);
        assertThat(Precision.roundToBf16(3.14159265f)).isEqualTo(3.140625f);
        assertThat(Precision.roundToBf16(0f)).isEqualTo(0f);
        assertThat(Float.floatToRawIntBits(Precision.roundToBf16(-0f))).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(Precision.roundToBf16(Float.POSITIVE_INFINITY)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Precision.roundToBf16(Float.MAX_VALUE)).as("past bf16's largest").isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Precision.roundToBf16(-Float.MAX_VALUE)).isEqualTo(Float.NEGATIVE_INFINITY);
        float nan = Float.intBitsToFloat(0x7f80_0001); // a NaN whose payload lies only in the dropped bits
        assertThat(Precision.roundToBf16(nan)).isNaN();
        assertThat(Float.floatToRawIntBits(Precision.roundToBf16(nan)) & 0xFFFF).isZero();
        assertThat(Precision.roundToBf16(Float.MIN_VALUE)).as("the smallest subnormal rounds to zero").isEqualTo(0f);
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            float x = Float.intBitsToFloat(rnd.nextInt()), r = Precision.roundToBf16(x);
            if (Float.isNaN(x) || Float.isInfinite(r)) continue;
            assertThat(Float.floatToRawIntBits(r) & 0xFFFF).isZero();
            assertThat(Math.abs(r - x)).as("nearest for %s", x).isLessThanOrEqualTo(Math.ulp(x) * 0x1p15f); // half the bf16 spacing
        }
    }

    @Test
    void namesAreTheOptionSpellings() {
        assertThat(Precision.named("BF16")).isEqualTo(Precision.BF16);
        assertThat(Precision.NAMES).containsExactly("fp32", "tf32", "bf16");
        assertThatThrownBy(() -> Precision.named("fp16")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown precision 'fp16'").hasMessageContaining("fp32, tf32, bf16");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"scalar", "cpu"})
    void bf16ProductsAreFp32ProductsOfRoundedOperands(String device) {
        SplittableRandom rnd = new SplittableRandom(11);
        try (Backend bf16 = Backends.create(device, 2, Precision.BF16)) {
            assertThat(bf16.precision()).isEqualTo(Precision.BF16);
            for (boolean ta : new boolean[] {false, true})
                for (boolean tb : new boolean[] {false, true}) {
                    int m = 37, k = 300, n = 45;
                    float[] a = floats(rnd, m * k, 1), b = floats(rnd, k * n, 1), c = floats(rnd, m * n, 1);
                    int[] aShape = {ta ? k : m, ta ? m : k}, bShape = {tb ? n : k, tb ? k : n};
                    Tensor expected = fp32.of(c, m, n), plain = fp32.of(c, m, n), actual = bf16.of(c, m, n);
                    fp32.matmul(fp32.of(rounded(a), aShape), ta, fp32.of(rounded(b), bShape), tb, expected, 0.5f, 0.25f);
                    fp32.matmul(fp32.of(a, aShape), ta, fp32.of(b, bShape), tb, plain, 0.5f, 0.25f);
                    // A frozen weight too: the cpu backend keeps those packed, and must round them all the same.
                    bf16.matmul(bf16.of(a, aShape), ta, tb ? bf16.of(b, bShape) : bf16.constant(b, bShape), tb, actual,
                            0.5f, 0.25f);
                    String what = device + " bf16 matmul ta=" + ta + " tb=" + tb;
                    assertClose(what, bf16.read(actual), fp32.read(expected), 2e-6 * Math.sqrt(k));
                    assertThat(maxDifference(bf16.read(actual), fp32.read(plain))).as(what + " differs from fp32")
                            .isGreaterThan(1e-3);
                }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"scalar", "cpu"})
    void tf32IsExactFp32OnACpu(String device) {
        SplittableRandom rnd = new SplittableRandom(5);
        int m = 9, k = 70, n = 11;
        float[] a = floats(rnd, m * k, 1), b = floats(rnd, k * n, 1);
        try (Backend tf32 = Backends.create(device, 2, Precision.TF32); Backend plain = Backends.create(device, 2)) {
            Tensor ct = tf32.zeros(m, n), cp = plain.zeros(m, n);
            tf32.matmul(tf32.of(a, m, k), false, tf32.of(b, k, n), false, ct, 1, 0);
            plain.matmul(plain.of(a, m, k), false, plain.of(b, k, n), false, cp, 1, 0);
            assertThat(tf32.read(ct)).containsExactly(plain.read(cp));
        }
    }

    private static float[] rounded(float[] x) {
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) r[i] = Precision.roundToBf16(x[i]);
        return r;
    }

    private static double maxDifference(float[] x, float[] y) {
        double d = 0;
        for (int i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
        return d;
    }
}
