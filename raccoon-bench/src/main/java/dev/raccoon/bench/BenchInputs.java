package dev.raccoon.bench;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;

import java.util.SplittableRandom;

/** What the benchmarks share: a backend from its {@code device:threads} parameter, and uniform inputs. */
final class BenchInputs {
    private BenchInputs() {}

    /** The backend a {@code device:threads} parameter names, e.g. {@code cpu:2}; a bare device name has all cores. */
    static Backend backend(String deviceAndThreads) {
        String[] dev = deviceAndThreads.split(":", -1);
        int threads = Runtime.getRuntime().availableProcessors();
        if (dev.length > 2 || dev.length == 2 && !dev[1].matches("[1-9][0-9]{0,3}"))
            throw new IllegalArgumentException("-p backend takes device:threads (e.g. cpu:2) or a device alone (all cores),"
                    + " not '" + deviceAndThreads + "'");
        if (dev.length == 2) threads = Integer.parseInt(dev[1]);
        return Backends.create(dev[0], threads);
    }

    /** n values uniform in [−1, 1). */
    static float[] uniform(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextDouble(-1, 1);
        return x;
    }
}
