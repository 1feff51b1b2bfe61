package dev.raccoon.engine;

import dev.raccoon.engine.backends.Backends;
import dev.raccoon.engine.cpu.CpuMath;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The reference backend against values computed independently (Python's math.erf, hand arithmetic). */
class ScalarBackendTest {
    private final Backend be = Backends.scalar();

    @Test
    void erfMatchesKnownValues() {
        double[][] cases = {{0, 0}, {0.1, 0.1124629160182849}, {0.5, 0.5204998778130465}, {1, 0.8427007929497149},
                {2, 0.9953222650189527}, {2.9, 0.9999589021219005}, {3, 0.9999779095030014},
                {3.5, 0.9999992569016276}, {-1.5, -0.9661051464753108}, {-4, -0.9999999845827421}};
        for (double[] c : cases) assertThat(CpuMath.erf(c[0])).as("erf(%s)", c[0]).isCloseTo(c[1], within(1e-13));
        // erfc keeps relative accuracy far in the tail, where GELU of large negative inputs needs it.
        assertThat(CpuMath.erfc(5) / 1.5374597944280349e-12).isCloseTo(1, within(1e-10));
    }

    @Test
    void argmaxTakesTheFirstOfEqualMaximaWithinItsRange() {
        float[] x = {9, 1, 3, 3, -2, 9};
        assertThat(CpuMath.argmax(x)).isEqualTo(0);
        assertThat(CpuMath.argmax(x, 1, 4)).as("x[1..5): the first 3, at 2, is index 1").isEqualTo(1);
        assertThat(CpuMath.argmax(x, 4, 2)).isEqualTo(1);
        assertThat(CpuMath.argmax(new float[] {Float.NEGATIVE_INFINITY, -1})).isEqualTo(1);
        assertThatThrownBy(() -> CpuMath.argmax(new float[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("argmax of 0 values");
    }

    @Test
    void geluIsXTimesNormalCdf() {
        float[] x = {-5, -3, -1, -0.5f, 0, 0.5f, 1, 2, 10};
        double[] want = {-1.4332578593959731e-06, -0.0040496940948904, -0.15865525393145707, -0.15426876936299344, 0,
                0.34573123063700656, 0.8413447460685429, 1.9544997361036416, 10};
        Tensor t = be.of(x, x.length);
        be.gelu(t, t);
        float[] got = be.read(t);
        for (int i = 0; i < x.length; i++)
            assertThat((double) got[i]).as("gelu(%s)", x[i]).isCloseTo(want[i], within(1e-7 + 1e-6 * Math.abs(want[i])));
    }

    @Test
    void matmulHandComputed() {
        Tensor a = be.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = be.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2);
        Tensor c = be.of(new float[] {Float.NaN, Float.NaN, Float.NaN, Float.NaN}, 2, 2);
        be.matmul(a, false, b, false, c, 1, 0);
        assertThat(be.read(c)).containsExactly(4, 5, 10, 11);
        be.matmul(a, false, b, false, c, 2, -1); // 2·AB − C = AB
        assertThat(be.read(c)).containsExactly(4, 5, 10, 11);
        assertThatThrownBy(() -> be.matmul(a, false, a, false, c, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void devicesByName() {
        // "auto" depends on the machine (CUDA or not): CudaAvailabilityTest covers it.
        try (Backend two = Backends.create("cpu", 2); Backend cpu = Backends.create("CPU", 1)) {
            assertThat(two.name()).isEqualTo("cpu");
            assertThat(two.threads()).isEqualTo(2);
            assertThat(cpu.threads()).isEqualTo(1);
        }
        assertThat(Backends.create("scalar", 4).name()).isEqualTo("scalar");
    }

    @Test
    void unknownDeviceIsRejected() {
        assertThatThrownBy(() -> Backends.create("tpu", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tpu");
    }
}
