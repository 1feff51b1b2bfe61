package dev.raccoon.engine;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Test helpers: seeded random data and a closeness assertion that names the worst element. */
final class Rand {
    private Rand() {}

    static float[] floats(SplittableRandom rnd, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextDouble(-1, 1) * scale);
        return x;
    }

    /** Every |got − want| ≤ tol · (1 + |want|). */
    static void assertClose(String what, float[] got, float[] want, double tol) {
        assertThat(got).as(what).hasSameSizeAs(want);
        int worst = -1;
        double worstErr = 0;
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs((double) got[i] - want[i]) / (1 + Math.abs(want[i]));
            if (!(err <= worstErr)) {
                worst = i;
                worstErr = err;
            }
        }
        if (worst >= 0)
            assertThat(worstErr).as("%s: element %d is %s, want %s", what, worst, got[worst], want[worst])
                    .isLessThanOrEqualTo(tol);
    }
}
