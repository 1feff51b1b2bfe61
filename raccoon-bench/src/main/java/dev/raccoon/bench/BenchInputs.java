package dev.raccoon.bench;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;

import java.util.SplittableRandom;

/** What the benchmarks share: a backend from its {@code device:threads} parameter, and uniform inputs. */
final class BenchInputs {
    private BenchInputs() {}

    /** The backend a {@code device:threads} parameter names, e.g. {@code cpu:2}. */
    static Backend backend(String deviceAndThreads) {
        String[] dev = deviceAndThreads.split(":");
        return Backends.create(dev[0], Integer.parseInt(dev[1]));
    }

    /** n values uniform in [−1, 1). */
    static float[] uniform(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextDouble(-1, 1);
        return x;
    }
}
