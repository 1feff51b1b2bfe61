package dev.raccoon.engine;

import java.util.SplittableRandom;

/** The matrix product the CLI's bench command times (JMH lives in raccoon-bench). */
public final class GemmBench {
    private GemmBench() {}

    /** Shapes worth watching (m, k, n): the classic 512×768×768 and ELECTRA-small's layers at 32×64 and 1×64 tokens. */
    public static final int[][] SHAPES = {
            {512, 768, 768}, {2048, 256, 256}, {2048, 256, 768}, {2048, 256, 1024}, {2048, 1024, 256},
            {64, 256, 256}, {64, 256, 1024}, {64, 1024, 256}};

    /** One call computes {@code C = A·B} (m×k times k×n) on the backend, from fixed uniform inputs. */
    public static Runnable product(Backend backend, int m, int k, int n) {
        SplittableRandom rnd = new SplittableRandom(42);
        Tensor a = backend.of(random(rnd, m * k), m, k), b = backend.of(random(rnd, k * n), k, n);
        Tensor c = backend.zeros(m, n);
        return () -> backend.matmul(a, false, b, false, c, 1, 0);
    }

    /** FLOPs of one {@link #product}: a multiply and an add per term. */
    public static double flops(int m, int k, int n) { return 2.0 * m * k * n; }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextDouble(-1, 1);
        return x;
    }
}
