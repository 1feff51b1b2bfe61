package dev.raccoon.engine;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.raccoon.engine.Rand.assertClose;
import static dev.raccoon.engine.Rand.floats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every kernel of the Vector API backend against the scalar reference, on odd shapes and with 2 and 3 threads. */
class VectorBackendTest {
    private static final Backend ref = Backends.scalar();
    private static final Backend two = Backends.cpu(2), three = Backends.cpu(3);
    private static final int[] SIZES = {1, 7, 17, 33, 130};
    private final SplittableRandom rnd = new SplittableRandom(7);

    @AfterAll
    static void close() {
        two.close();
        three.close();
    }

    private Tensor t(Backend be, float[] x, int... shape) { return be.of(x, shape); }

    @Test
    void matmulAllTransposesOddShapesAndBeta() {
        for (int m : SIZES)
            for (int k : SIZES)
                for (int n : SIZES) {
                    if ((m * 31 + k * 7 + n) % 3 != 0 && m != 130) continue; // a third of the grid plus m = 130
                    for (int tr = 0; tr < 4; tr++) checkMatmul(two, m, k, n, (tr & 1) != 0, (tr & 2) != 0, 0.7f, tr == 3 ? 0 : -0.5f);
                }
    }

    @Test
    void matmulAcrossCacheBlocksAndThreads() {
        // k > KC, m > MC and n > one thread's share: every blocking loop runs more than once, on 2 and 3 threads.
        for (Backend be : new Backend[] {two, three}) {
            checkMatmul(be, 301, 530, 77, false, true, 1, 0);
            checkMatmul(be, 67, 300, 700, true, false, 1, 1);
            checkMatmul(be, 200, 260, 200, true, true, -2, 0.25f);
        }
    }

    private void checkMatmul(Backend be, int m, int k, int n, boolean ta, boolean tb, float alpha, float beta) {
        float[] a = floats(rnd, m * k, 1), b = floats(rnd, k * n, 1), c = floats(rnd, m * n, 1);
        Tensor ar = ref.of(a, ta ? new int[] {k, m} : new int[] {m, k}), br = ref.of(b, tb ? new int[] {n, k} : new int[] {k, n});
        Tensor cr = ref.of(c, m, n);
        ref.matmul(ar, ta, br, tb, cr, alpha, beta);
        if (beta == 0) Arrays.fill(c, Float.NaN); // beta 0 must ignore C entirely
        Tensor cv = be.of(c, m, n);
        be.matmul(be.of(a, ar.shape()), ta, be.of(b, br.shape()), tb, cv, alpha, beta);
        assertClose("matmul " + m + "×" + k + "×" + n + " ta=" + ta + " tb=" + tb + " β=" + beta,
                be.read(cv), ref.read(cr), 2e-5 * Math.sqrt(k));
    }

    @Test
    void matmulDoesNotDependOnThreadCount() {
        try (Backend one = Backends.cpu(1)) {
            float[] a = floats(rnd, 150 * 400, 1), b = floats(rnd, 400 * 260, 1);
            float[][] out = new float[3][];
            Backend[] bes = {one, two, three};
            for (int i = 0; i < 3; i++) {
                Tensor c = bes[i].zeros(150, 260);
                bes[i].matmul(bes[i].of(a, 150, 400), false, bes[i].of(b, 400, 260), false, c, 1, 0);
                out[i] = bes[i].read(c);
            }
            assertThat(out[1]).isEqualTo(out[0]);
            assertThat(out[2]).isEqualTo(out[0]);
        }
    }

    @Test
    void concurrentCallersOnOneBackend() throws Exception {
        // One caller gets the team, the others run inline: all must finish with the right answer.
        float[] a = floats(rnd, 200 * 300, 1), b = floats(rnd, 300 * 100, 1);
        Tensor want = ref.zeros(200, 100);
        ref.matmul(ref.of(a, 200, 300), false, ref.of(b, 300, 100), false, want, 1, 0);
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            var futures = new java.util.ArrayList<java.util.concurrent.Future<float[]>>();
            for (int i = 0; i < 8; i++)
                futures.add(pool.submit(() -> {
                    Tensor c = two.zeros(200, 100);
                    for (int rep = 0; rep < 5; rep++) two.matmul(two.of(a, 200, 300), false, two.of(b, 300, 100), false, c, 1, 0);
                    return two.read(c);
                }));
            for (var f : futures) assertClose("concurrent matmul", f.get(), ref.read(want), 1e-4);
        }
    }

    @Test
    void matmulRejectsMismatchedShapes() {
        assertThatThrownBy(() -> two.matmul(two.zeros(3, 4), false, two.zeros(5, 2), false, two.zeros(3, 2), 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3×4");
    }

    @Test
    void elementwiseAndRowKernels() {
        for (int rows : SIZES)
            for (int cols : new int[] {1, 17, 130}) {
                int n = rows * cols;
                float[] x = floats(rnd, n, 3), y = floats(rnd, n, 3), bias = floats(rnd, cols, 1), db = floats(rnd, cols, 1);
                // addBias, add (aliasing out = a), axpy, scale
                Tensor yr = ref.of(y, rows, cols), yv = two.of(y, rows, cols);
                ref.addBias(yr, ref.of(bias, cols));
                two.addBias(yv, two.of(bias, cols));
                assertClose("addBias", two.read(yv), ref.read(yr), 1e-6);
                ref.add(yr, ref.of(x, rows, cols), yr);
                two.add(yv, two.of(x, rows, cols), yv);
                assertClose("add", two.read(yv), ref.read(yr), 1e-6);
                ref.axpy(-1.5f, ref.of(x, rows, cols), yr);
                two.axpy(-1.5f, two.of(x, rows, cols), yv);
                assertClose("axpy", two.read(yv), ref.read(yr), 1e-6);
                ref.scale(yr, 0.3f);
                two.scale(yv, 0.3f);
                assertClose("scale", two.read(yv), ref.read(yr), 1e-6);
                assertThat(two.sumOfSquares(yv)).isCloseTo(ref.sumOfSquares(yr), org.assertj.core.data.Percentage.withPercentage(1e-4));
                for (float beta : new float[] {0, 0.5f}) {
                    Tensor dr = ref.of(db, cols), dv = two.of(db, cols);
                    ref.sumRows(ref.of(x, rows, cols), dr, beta);
                    two.sumRows(two.of(x, rows, cols), dv, beta);
                    assertClose("sumRows β=" + beta, two.read(dv), ref.read(dr), 1e-5 * Math.sqrt(rows));
                }
                checkUnary("gelu", x, rows, cols, (be, a, o) -> be.gelu(a, o), 1e-6);
                checkUnary("tanh", x, rows, cols, (be, a, o) -> be.tanh(a, o), 2e-7);
                checkUnary("softmax", x, rows, cols, (be, a, o) -> be.softmax(a, o), 1e-6);
                checkUnary("geluBackward", x, rows, cols, (be, a, o) -> be.geluBackward(a, be.of(y, rows, cols), o), 1e-6);
                checkUnary("tanhBackward", x, rows, cols, (be, a, o) -> be.tanhBackward(a, be.of(y, rows, cols), o), 1e-6);
                checkUnary("dropout", x, rows, cols, (be, a, o) -> be.dropout(a, 0.3f, 99, o), 0);
                checkUnary("dropoutBackward", x, rows, cols, (be, a, o) -> be.dropoutBackward(a, 0.3f, 99, o), 0);
            }
    }

    private interface Unary { void apply(Backend be, Tensor x, Tensor out); }

    private void checkUnary(String what, float[] x, int rows, int cols, Unary op, double tol) {
        Tensor outR = ref.zeros(rows, cols), outV = two.zeros(rows, cols);
        op.apply(ref, ref.of(x, rows, cols), outR);
        op.apply(two, two.of(x, rows, cols), outV);
        assertClose(what + " " + rows + "×" + cols, two.read(outV), ref.read(outR), tol);
    }

    @Test
    void geluCoversTheTailsWhereErfcMatters() {
        float[] x = new float[2001];
        for (int i = 0; i < x.length; i++) x[i] = -10 + i * 0.01f;
        checkUnary("gelu on [−10, 10]", x, 1, x.length, (be, a, o) -> be.gelu(a, o), 1e-6);
        checkUnary("geluBackward on [−10, 10]", x, 1, x.length,
                (be, a, o) -> be.geluBackward(a, be.of(filled(x.length, 1), x.length), o), 1e-6);
    }

    private static float[] filled(int n, float v) {
        float[] x = new float[n];
        Arrays.fill(x, v);
        return x;
    }

    @Test
    void dropoutDoesNotDependOnThreadCountAndKeepsAboutOneMinusP() {
        try (Backend one = Backends.cpu(1)) {
            float[] x = filled(300_001, 1);
            Tensor o1 = one.zeros(x.length), o3 = three.zeros(x.length);
            one.dropout(one.of(x, x.length), 0.1f, 5, o1);
            three.dropout(three.of(x, x.length), 0.1f, 5, o3);
            float[] r = one.read(o1);
            assertThat(three.read(o3)).isEqualTo(r);
            long kept = 0;
            for (float v : r) if (v != 0) kept++;
            assertThat(kept / (double) x.length).isBetween(0.895, 0.905);
            assertThat(r).contains(1 / 0.9f);
        }
    }

    @Test
    void layerNormAndBackward() {
        for (int rows : new int[] {1, 7, 33})
            for (int cols : new int[] {1, 17, 130, 256}) {
                float[] x = floats(rnd, rows * cols, 2), g = floats(rnd, cols, 1), b = floats(rnd, cols, 1);
                float[] dOut = floats(rnd, rows * cols, 1), acc = floats(rnd, cols, 1);
                float[][] res = new float[2][];
                Backend[] bes = {ref, two};
                for (int i = 0; i < 2; i++) {
                    Backend be = bes[i];
                    Tensor out = be.zeros(rows, cols), mean = be.zeros(rows), rstd = be.zeros(rows);
                    be.layerNorm(be.of(x, rows, cols), be.of(g, cols), be.of(b, cols), 1e-12f, out, mean, rstd);
                    Tensor dx = be.zeros(rows, cols), dg = be.of(acc, cols), dbeta = be.of(acc, cols);
                    be.layerNormBackward(be.of(dOut, rows, cols), be.of(x, rows, cols), be.of(g, cols), mean, rstd, dx, dg, dbeta);
                    res[i] = concat(be.read(out), be.read(mean), be.read(rstd), be.read(dx), be.read(dg), be.read(dbeta));
                }
                assertClose("layerNorm " + rows + "×" + cols, res[1], res[0], 2e-5);
            }
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) n += p.length;
        float[] r = new float[n];
        n = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, r, n, p.length);
            n += p.length;
        }
        return r;
    }

    @ParameterizedTest
    @ValueSource(floats = {0, 0.25f})
    void attentionForwardAndBackwardWithPadding(float dropout) {
        int[][] cases = {{2, 7, 3, 5}, {3, 17, 2, 16}, {1, 33, 4, 17}};
        for (int[] cs : cases) {
            int batch = cs[0], seq = cs[1], heads = cs[2], d = cs[3], width = heads * d, tokens = batch * seq;
            float[] q = floats(rnd, tokens * width, 1), k = floats(rnd, tokens * width, 1), v = floats(rnd, tokens * width, 1);
            float[] dOut = floats(rnd, tokens * width, 1);
            int[] mask = new int[tokens];
            for (int b = 0; b < batch; b++)
                for (int t = 0; t < seq; t++) mask[b * seq + t] = t < seq - b * 2 ? 1 : 0; // sequence b has 2b pads
            float[][] res = new float[2][];
            Backend[] bes = {ref, two};
            for (int i = 0; i < 2; i++) {
                Backend be = bes[i];
                Tensor Q = be.of(q, tokens, width), K = be.of(k, tokens, width), V = be.of(v, tokens, width);
                Tensor out = be.zeros(tokens, width), probs = be.zeros(batch, heads, seq, seq);
                be.attention(Q, K, V, mask, batch, seq, heads, dropout, 123, out, probs);
                Tensor dq = be.zeros(tokens, width), dk = be.zeros(tokens, width), dv = be.zeros(tokens, width);
                be.attentionBackward(be.of(dOut, tokens, width), Q, K, V, probs, mask, batch, seq, heads, dropout, 123, dq, dk, dv);
                res[i] = concat(be.read(out), be.read(probs), be.read(dq), be.read(dk), be.read(dv));
            }
            assertClose("attention " + Arrays.toString(cs) + " p=" + dropout, res[1], res[0], 1e-5);
            // padded keys get no probability (the sequence with the most padding, last row of its first head)
            int b = batch - 1, pads = 2 * b;
            if (pads > 0) {
                float[] probs = Arrays.copyOfRange(res[0], tokens * width, tokens * width + batch * heads * seq * seq);
                int row = ((b * heads) * seq + seq - 1) * seq;
                for (int j = seq - pads; j < seq; j++) assertThat(probs[row + j]).isZero();
            }
        }
    }

    @Test
    void crossEntropyWithIgnoredRows() {
        for (int classes : new int[] {2, 17, 1000}) {
            int rows = 9;
            float[] logits = floats(rnd, rows * classes, 4);
            int[] labels = new int[rows];
            for (int r = 0; r < rows; r++) labels[r] = r % 3 == 1 ? -100 : rnd.nextInt(classes);
            Tensor dr = ref.zeros(rows, classes), dv = two.of(filled(rows * classes, Float.NaN), rows, classes);
            float lr = ref.crossEntropy(ref.of(logits, rows, classes), labels, -100, dr);
            float lv = two.crossEntropy(two.of(logits, rows, classes), labels, -100, dv);
            assertThat(lv).isCloseTo(lr, org.assertj.core.data.Offset.offset(1e-5f * (1 + lr)));
            assertThat(two.crossEntropy(two.of(logits, rows, classes), labels, -100, null)).isEqualTo(lv);
            assertClose("dLogits", two.read(dv), ref.read(dr), 1e-6);
        }
        int[] allIgnored = {-1, -1};
        assertThat(two.crossEntropy(two.zeros(2, 3), allIgnored, -1, null)).isZero();
        assertThatThrownBy(() -> two.crossEntropy(two.zeros(1, 3), new int[] {3}, -100, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void adamwMatchesReference() {
        int n = 1001;
        float[] p = floats(rnd, n, 1), g = floats(rnd, n, 1), m = floats(rnd, n, 0.1), v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextDouble(0, 0.01);
        float[][] res = new float[2][];
        Backend[] bes = {ref, two};
        for (int i = 0; i < 2; i++) {
            Backend be = bes[i];
            Tensor P = be.of(p, n), M = be.of(m, n), V = be.of(v, n);
            for (int step = 3; step <= 5; step++) be.adamw(P, be.of(g, n), M, V, 1e-3f, 0.9f, 0.999f, 1e-6f, 0.01f, step);
            res[i] = concat(be.read(P), be.read(M), be.read(V));
        }
        assertClose("adamw", res[1], res[0], 1e-6);
    }

    @Test
    void gatherScatterAndViews() {
        float[] table = floats(rnd, 10 * 7, 1);
        int[] ids = {3, 0, 3, 9};
        Tensor out = two.zeros(4, 7);
        two.gather(two.of(table, 10, 7), ids, out);
        assertThat(Arrays.copyOfRange(two.read(out), 7, 14)).isEqualTo(Arrays.copyOfRange(table, 0, 7));
        Tensor dTable = two.zeros(10, 7);
        two.scatterAdd(two.of(filled(28, 1), 4, 7), ids, dTable);
        assertThat(two.read(dTable)[3 * 7]).isEqualTo(2); // id 3 appears twice
        assertThatThrownBy(() -> two.gather(two.of(table, 10, 7), new int[] {10}, two.zeros(1, 7)))
                .isInstanceOf(IllegalArgumentException.class);
        // kernels on a view touch only the view
        Tensor big = two.of(filled(20, 1), 4, 5);
        two.scale(big.rowRange(1, 2), 3);
        assertThat(two.read(big)).containsExactly(1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 1);
    }
}
