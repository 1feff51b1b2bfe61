package dev.raccoon.train.optim;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.engine.HostTensor;
import dev.raccoon.model.LayerNorm;
import dev.raccoon.model.Linear;
import dev.raccoon.model.Param;
import dev.raccoon.model.Params;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class AdamWTest {
    private static Backend backend;

    @BeforeAll
    static void open() { backend = Backends.scalar(); }

    @AfterAll
    static void close() { backend.close(); }

    /** A Linear(3 → 2) and a LayerNorm(2) with values from {@code seed}. */
    private static Params params(long seed) {
        Params params = new Params(backend);
        new Linear(params, "dense", 3, 2);
        new LayerNorm(params, "norm", 2, 1e-12f);
        SplittableRandom random = new SplittableRandom(seed);
        for (Param p : params.owned().values()) backend.write(p.value(), values(random, p.value().size()));
        return params;
    }

    private static float[] values(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) random.nextDouble(-1, 1);
        return v;
    }

    private static void setGrads(Params params, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (Param p : params.owned().values()) backend.write(p.grad(backend), values(random, p.value().size()));
    }

    /** torch.optim.AdamW's update in double, weight decay only where Param::decayedByDefault says. */
    @Test
    void followsTorchAdamWWithDefaultDecay() {
        Params params = params(1);
        AdamW adamw = new AdamW(params, 0.9f, 0.999f, 1e-8f, 0.1f);
        Map<String, double[]> p = new HashMap<>(), m = new HashMap<>(), v = new HashMap<>();
        params.owned().forEach((name, param) -> {
            float[] x = backend.read(param.value());
            double[] d = new double[x.length];
            for (int i = 0; i < x.length; i++) d[i] = x[i];
            p.put(name, d);
            m.put(name, new double[x.length]);
            v.put(name, new double[x.length]);
        });
        double lr = 0.01;
        for (int step = 1; step <= 3; step++) {
            setGrads(params, 100 + step);
            adamw.step((float) lr);
            for (var e : params.owned().entrySet()) {
                String name = e.getKey();
                float[] g = backend.read(e.getValue().grad(backend));
                double wd = e.getValue().decayedByDefault() ? 0.1 : 0;
                double[] x = p.get(name), mm = m.get(name), vv = v.get(name);
                float[] actual = backend.read(e.getValue().value());
                for (int i = 0; i < x.length; i++) {
                    x[i] -= lr * wd * x[i];
                    mm[i] = 0.9 * mm[i] + 0.1 * g[i];
                    vv[i] = 0.999 * vv[i] + 0.001 * g[i] * g[i];
                    double mHat = mm[i] / (1 - Math.pow(0.9, step));
                    double vHat = vv[i] / (1 - Math.pow(0.999, step));
                    x[i] -= lr * mHat / (Math.sqrt(vHat) + 1e-8);
                    assertThat((double) actual[i]).as("%s[%d] after step %d", name, i, step).isCloseTo(x[i], within(1e-6));
                }
            }
        }
        assertThat(adamw.stepCount()).isEqualTo(3);
        assertThat(params.get("dense.weight").decayedByDefault()).isTrue();
        assertThat(params.get("dense.bias").decayedByDefault()).isFalse();
        assertThat(params.get("norm.weight").decayedByDefault()).isFalse();
    }

    @Test
    void skipsParametersWithoutGradients() {
        Params params = params(2);
        backend.write(params.get("dense.weight").grad(backend), new float[]{1, 2, 3, 4, 5, 6});
        float[] biasBefore = backend.read(params.get("dense.bias").value());
        AdamW adamw = new AdamW(params, 0.9f, 0.999f, 1e-8f, 0.01f, q -> true);
        adamw.step(0.1f);
        assertThat(backend.read(params.get("dense.bias").value())).containsExactly(biasBefore);
        assertThat(params.get("dense.bias").hasGrad()).isFalse();
        assertThat(adamw.state()).containsOnlyKeys("exp_avg/dense.weight", "exp_avg_sq/dense.weight");
    }

    @Test
    void clipsOnlyAboveTheMaximumAndReportsTheNormBefore() {
        Params params = params(3);
        for (Param p : params.owned().values()) backend.fill(p.grad(backend), 0f);
        backend.write(params.get("dense.bias").grad(backend), new float[]{3, 0});
        backend.write(params.get("norm.weight").grad(backend), new float[]{0, 4});
        AdamW adamw = new AdamW(params, 0.9f, 0.999f, 1e-8f, 0f);

        assertThat(adamw.clipGradNorm(10)).isCloseTo(5, within(1e-12));
        assertThat(backend.read(params.get("dense.bias").grad(backend))).containsExactly(3, 0);

        assertThat(adamw.clipGradNorm(1)).isCloseTo(5, within(1e-12));
        assertThat(adamw.clipGradNorm(100)).isCloseTo(1, within(1e-6));
        assertThat(backend.read(params.get("norm.weight").grad(backend))[1]).isCloseTo(0.8f, within(1e-6f));
    }

    @Test
    void zeroGradClearsEveryGradient() {
        Params params = params(4);
        setGrads(params, 5);
        new AdamW(params, 0.9f, 0.999f, 1e-8f, 0f).zeroGrad();
        for (Param p : params.owned().values())
            assertThat(backend.sumOfSquares(p.grad(backend))).as(p.name()).isZero();
    }

    /** Resuming from state() and stepCount() continues exactly as the uninterrupted optimizer does. */
    @Test
    void stateRoundTripResumesBitForBit() {
        Params a = params(6);
        AdamW first = new AdamW(a, 0.9f, 0.999f, 1e-8f, 0.01f);
        for (int step = 0; step < 2; step++) {
            setGrads(a, 10 + step);
            first.step(0.01f);
        }
        Map<String, HostTensor> state = first.state();
        assertThat(state).hasSize(2 * a.owned().size()).containsKey("exp_avg_sq/norm.bias");

        Params b = params(0);
        a.owned().forEach((name, p) -> backend.write(b.get(name).value(), backend.read(p.value())));
        AdamW resumed = new AdamW(b, 0.9f, 0.999f, 1e-8f, 0.01f);
        resumed.loadState(state, first.stepCount());
        setGrads(a, 20);
        setGrads(b, 20);
        first.step(0.01f);
        resumed.step(0.01f);
        assertThat(resumed.stepCount()).isEqualTo(3);
        a.owned().forEach((name, p) ->
                assertThat(backend.read(b.get(name).value())).as(name).containsExactly(backend.read(p.value())));
    }

    @Test
    void loadStateRejectsForeignKeysAndShapes() {
        AdamW adamw = new AdamW(params(7), 0.9f, 0.999f, 1e-8f, 0f);
        assertThatThrownBy(() -> adamw.loadState(Map.of("exp_avg/other.weight", new HostTensor(new int[]{1}, new float[1])), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("other.weight");
        assertThatThrownBy(() -> adamw.loadState(Map.of("exp_avg/dense.bias", new HostTensor(new int[]{3}, new float[3])), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shape");
        assertThatThrownBy(() -> adamw.loadState(Map.of("momentum/dense.bias", new HostTensor(new int[]{2}, new float[2])), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("momentum/dense.bias");
    }
}
