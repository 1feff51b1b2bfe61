package dev.raccoon.engine;

import java.util.SplittableRandom;

/** A quick GEMM throughput probe for the CLI's bench command (JMH lives in raccoon-bench). */
public final class GemmBench {
    private GemmBench() {}

    /** Shapes worth watching (m, k, n): the classic 512×768×768 and ELECTRA-small's layers at 32×64 and 1×64 tokens. */
    public static final int[][] SHAPES = {
            {512, 768, 768}, {2048, 256, 256}, {2048, 256, 768}, {2048, 256, 1024}, {2048, 1024, 256},
            {64, 256, 256}, {64, 256, 1024}, {64, 1024, 256}};

    /**
     * GFLOP/s of {@code C = A·B} (m×k times k×n) on the backend: warms up for a third of {@code seconds}, then
     * times rounds of at least 50 ms for the rest and reports the best round, which is the figure least disturbed
     * by other work on the machine.
     */
    public static double gflops(Backend backend, int m, int k, int n, double seconds) {
        SplittableRandom rnd = new SplittableRandom(42);
        Tensor a = backend.of(random(rnd, m * k), m, k), b = backend.of(random(rnd, k * n), k, n);
        Tensor c = backend.zeros(m, n);
        double flops = 2.0 * m * n * k;
        long warmEnd = System.nanoTime() + (long) (seconds / 3 * 1e9);
        do backend.matmul(a, false, b, false, c, 1, 0); while (System.nanoTime() < warmEnd);
        long end = System.nanoTime() + (long) (seconds * 2 / 3 * 1e9);
        double best = 0;
        do {
            long t0 = System.nanoTime(), t;
            int reps = 0;
            do {
                backend.matmul(a, false, b, false, c, 1, 0);
                reps++;
            } while ((t = System.nanoTime()) - t0 < 50_000_000);
            best = Math.max(best, flops * reps / (t - t0));
        } while (System.nanoTime() < end);
        return best;
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextDouble(-1, 1);
        return x;
    }
}
