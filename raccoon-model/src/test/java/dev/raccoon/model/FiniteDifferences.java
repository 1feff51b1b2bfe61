package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Central finite differences against analytic gradients. The engine is float32, so the loss is evaluated in
 * double from the float outputs and the step is large (1e-2): the truncation error (h²·f'''/6) and the float
 * rounding of the outputs (~1e-7 relative, divided by 2h) are then both near 1e-5. Each tensor is compared as a
 * whole: ‖analytic − numeric‖ ≤ rtol·‖numeric‖ + atol·√n, which a wrong term (off by a factor, a transposed
 * index, a missing path) fails by orders of magnitude.
 */
public final class FiniteDifferences {
    static final double STEP = 1e-2;
    static final double RTOL = 2e-3;
    static final double ATOL = 5e-5;

    private FiniteDifferences() {}

    /** One tensor to check: its values, its analytic gradient, and element indices to leave out. */
    public record Target(String name, Tensor value, float[] analytic, int[] skip) {}

    /** The worst relative error seen, for the test's message. */
    public static double check(Backend backend, List<Target> targets, DoubleSupplier loss) {
        double worst = 0;
        for (Target t : targets) {
            float[] x = backend.read(t.value());
            double[] numeric = new double[x.length];
            boolean[] skipped = new boolean[x.length];
            for (int i : t.skip()) skipped[i] = true;
            for (int i = 0; i < x.length; i++) {
                if (skipped[i]) continue;
                float saved = x[i];
                x[i] = (float) (saved + STEP);
                double hi = x[i];
                backend.write(t.value(), x);
                double up = loss.getAsDouble();
                x[i] = (float) (saved - STEP);
                double lo = x[i];
                backend.write(t.value(), x);
                double down = loss.getAsDouble();
                x[i] = saved;
                backend.write(t.value(), x);
                numeric[i] = (up - down) / (hi - lo);
            }
            double diff = 0, norm = 0;
            int n = 0;
            for (int i = 0; i < x.length; i++) {
                if (skipped[i]) continue;
                double d = t.analytic()[i] - numeric[i];
                diff += d * d;
                norm += numeric[i] * numeric[i];
                n++;
            }
            diff = Math.sqrt(diff);
            norm = Math.sqrt(norm);
            assertThat(diff).as("gradient of %s: |analytic - numeric| = %s, |numeric| = %s", t.name(), diff, norm)
                    .isLessThanOrEqualTo(RTOL * norm + ATOL * Math.sqrt(n));
            worst = Math.max(worst, diff / Math.max(norm, 1e-12));
        }
        return worst;
    }

    /** Every parameter of {@code params} that received a gradient, leaving out the word embeddings' padding row. */
    public static List<Target> paramTargets(Backend backend, Params params, int padTokenId) {
        List<Target> out = new ArrayList<>();
        for (Map.Entry<String, Param> e : params.owned().entrySet()) {
            Param p = e.getValue();
            assertThat(p.hasGrad()).as("%s received a gradient", e.getKey()).isTrue();
            int[] skip = new int[0];
            if (e.getKey().endsWith("embeddings.word_embeddings.weight")) {
                int cols = p.value().cols();
                skip = new int[cols];
                for (int c = 0; c < cols; c++) skip[c] = padTokenId * cols + c;
            }
            out.add(new Target(e.getKey(), p.value(), backend.read(p.grad(backend)), skip));
        }
        return out;
    }

    /** Overwrites every parameter with random values, LayerNorm weights near 1, so no gradient is trivially 0. */
    public static void randomize(Backend backend, Params params, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (Param p : params.owned().values()) {
            float[] v = new float[p.value().size()];
            for (int i = 0; i < v.length; i++) {
                double u = random.nextDouble(-1, 1);
                v[i] = (float) (p.kind() == Param.Kind.NORM_WEIGHT ? 1 + 0.3 * u : 0.5 * u);
            }
            backend.write(p.value(), v);
        }
    }

    static float[] random(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] r = new float[n];
        for (int i = 0; i < n; i++) r[i] = (float) random.nextDouble(-1, 1);
        return r;
    }

    /** Σ out·r in double. */
    static double dot(Backend backend, Tensor out, float[] r) {
        float[] o = backend.read(out);
        double s = 0;
        for (int i = 0; i < o.length; i++) s += (double) o[i] * r[i];
        return s;
    }
}
