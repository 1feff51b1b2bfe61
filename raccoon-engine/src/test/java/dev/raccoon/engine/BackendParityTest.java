package dev.raccoon.engine;

import dev.raccoon.engine.backends.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.raccoon.engine.Rand.assertClose;
import static dev.raccoon.engine.Rand.floats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every kernel of a backend against the scalar reference, on odd shapes, padding masks and views. Subclasses
 * name the backend under test ({@link #be()}) and how much looser than the CPU's their tolerances are.
 */
abstract class BackendParityTest {
    protected static final Backend ref = Backends.scalar();
    protected static final int[] SIZES = {1, 7, 17, 33, 130};
    protected final SplittableRandom rnd = new SplittableRandom(7);

    /** The backend under test. */
    protected abstract Backend be();

    /** This backend's tolerance where the CPU backend is held to {@code cpu}; exact checks (0) stay exact. */
    protected double tol(double cpu) { return cpu; }

    @Test
    void matmulAllTransposesOddShapesAndBeta() {
        for (int m : SIZES)
            for (int k : SIZES)
                for (int n : SIZES) {
                    if ((m * 31 + k * 7 + n) % 3 != 0 && m != 130) continue; // a third of the grid plus m = 130
                    for (int tr = 0; tr < 4; tr++) checkMatmul(be(), m, k, n, (tr & 1) != 0, (tr & 2) != 0, 0.7f, tr == 3 ? 0 : -0.5f);
                }
    }

    @Test
    void matmulLargeShapes() {
        checkMatmul(be(), 301, 530, 77, false, true, 1, 0);
        checkMatmul(be(), 67, 300, 700, true, false, 1, 1);
        checkMatmul(be(), 200, 260, 200, true, true, -2, 0.25f);
    }

    protected void checkMatmul(Backend be, int m, int k, int n, boolean ta, boolean tb, float alpha, float beta) {
        float[] a = floats(rnd, m * k, 1), b = floats(rnd, k * n, 1), c = floats(rnd, m * n, 1);
        Tensor ar = ref.of(a, ta ? new int[] {k, m} : new int[] {m, k}), br = ref.of(b, tb ? new int[] {n, k} : new int[] {k, n});
        Tensor cr = ref.of(c, m, n);
        ref.matmul(ar, ta, br, tb, cr, alpha, beta);
        if (beta == 0) Arrays.fill(c, Float.NaN); // beta 0 must ignore C entirely
        Tensor cv = be.of(c, m, n);
        be.matmul(be.of(a, ar.shape()), ta, be.of(b, br.shape()), tb, cv, alpha, beta);
        assertClose("matmul " + m + "×" + k + "×" + n + " ta=" + ta + " tb=" + tb + " β=" + beta,
                be.read(cv), ref.read(cr), tol(2e-5 * Math.sqrt(k)));
    }

    @Test
    void matmulOnViewsAndEmptyInnerDimension() {
        // Operands that start inside a larger tensor: offsets must reach the kernel.
        float[] big = floats(rnd, 40 * 9, 1), b = floats(rnd, 9 * 5, 1);
        Tensor br = ref.of(b, 9, 5), bv = be().of(b, 9, 5);
        Tensor cr = ref.of(floats(rnd, 60, 1), 12, 5), cv = be().of(ref.read(cr), 12, 5);
        ref.matmul(ref.of(big, 40, 9).rowRange(13, 7), false, br, false, cr.rowRange(3, 7), 1, 0);
        be().matmul(be().of(big, 40, 9).rowRange(13, 7), false, bv, false, cv.rowRange(3, 7), 1, 0);
        assertClose("matmul on views", be().read(cv), ref.read(cr), tol(1e-5));
        // k = 0 (A is 0×1, transposed): C = beta·C, and beta 0 clears even NaN.
        Tensor c = be().of(new float[] {2, Float.NaN}, 1, 2);
        be().matmul(be().zeros(0, 1), true, be().zeros(0, 2), false, c, 1, 0);
        assertThat(be().read(c)).containsExactly(0, 0);
        be().write(c, new float[] {2, 4});
        be().matmul(be().zeros(0, 1), true, be().zeros(0, 2), false, c, 1, 0.5f);
        assertThat(be().read(c)).containsExactly(1, 2);
    }

    @Test
    void concurrentCallersOnOneBackend() throws Exception {
        // One caller gets the team, the others run inline: all must finish with the right answer.
        float[] a = floats(rnd, 200 * 300, 1), b = floats(rnd, 300 * 100, 1);
        Tensor want = ref.zeros(200, 100);
        ref.matmul(ref.of(a, 200, 300), false, ref.of(b, 300, 100), false, want, 1, 0);
        Backend be = be();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            var futures = new java.util.ArrayList<java.util.concurrent.Future<float[]>>();
            for (int i = 0; i < 8; i++)
                futures.add(pool.submit(() -> {
                    Tensor c = be.zeros(200, 100);
                    for (int rep = 0; rep < 5; rep++) be.matmul(be.of(a, 200, 300), false, be.of(b, 300, 100), false, c, 1, 0);
                    return be.read(c);
                }));
            for (var f : futures) assertClose("concurrent matmul", f.get(), ref.read(want), tol(1e-4));
        }
    }

    @Test
    void matmulRejectsMismatchedShapes() {
        assertThatThrownBy(() -> be().matmul(be().zeros(3, 4), false, be().zeros(5, 2), false, be().zeros(3, 2), 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3×4");
    }

    @Test
    void elementwiseAndRowKernels() {
        Backend be = be();
        for (int rows : SIZES)
            for (int cols : new int[] {1, 17, 130}) {
                int n = rows * cols;
                float[] x = floats(rnd, n, 3), y = floats(rnd, n, 3), bias = floats(rnd, cols, 1), db = floats(rnd, cols, 1);
                // addBias, add (aliasing out = a), axpy, scale
                Tensor yr = ref.of(y, rows, cols), yv = be.of(y, rows, cols);
                ref.addBias(yr, ref.of(bias, cols));
                be.addBias(yv, be.of(bias, cols));
                assertClose("addBias", be.read(yv), ref.read(yr), tol(1e-6));
                ref.add(yr, ref.of(x, rows, cols), yr);
                be.add(yv, be.of(x, rows, cols), yv);
                assertClose("add", be.read(yv), ref.read(yr), tol(1e-6));
                ref.axpy(-1.5f, ref.of(x, rows, cols), yr);
                be.axpy(-1.5f, be.of(x, rows, cols), yv);
                assertClose("axpy", be.read(yv), ref.read(yr), tol(1e-6));
                ref.scale(yr, 0.3f);
                be.scale(yv, 0.3f);
                assertClose("scale", be.read(yv), ref.read(yr), tol(1e-6));
                assertThat(be.sumOfSquares(yv)).isCloseTo(ref.sumOfSquares(yr),
                        org.assertj.core.data.Percentage.withPercentage(100 * tol(1e-6)));
                for (float beta : new float[] {0, 0.5f}) {
                    Tensor dr = ref.of(db, cols), dv = be.of(db, cols);
                    ref.sumRows(ref.of(x, rows, cols), dr, beta);
                    be.sumRows(be.of(x, rows, cols), dv, beta);
                    assertClose("sumRows β=" + beta, be.read(dv), ref.read(dr), tol(1e-5 * Math.sqrt(rows)));
                }
                checkUnary("gelu", x, rows, cols, (b, a, o) -> b.gelu(a, o), tol(1e-6));
                checkUnary("tanh", x, rows, cols, (b, a, o) -> b.tanh(a, o), tol(2e-7));
                checkUnary("softmax", x, rows, cols, (b, a, o) -> b.softmax(a, o), tol(1e-6));
                checkUnary("geluBackward", x, rows, cols, (b, a, o) -> b.geluBackward(a, b.of(y, rows, cols), o), tol(1e-6));
                checkUnary("tanhBackward", x, rows, cols, (b, a, o) -> b.tanhBackward(a, b.of(y, rows, cols), o), tol(1e-6));
                checkUnary("dropout", x, rows, cols, (b, a, o) -> b.dropout(a, 0.3f, 99, o), 0);
                checkUnary("dropoutBackward", x, rows, cols, (b, a, o) -> b.dropoutBackward(a, 0.3f, 99, o), 0);
            }
    }

    protected interface Unary { void apply(Backend be, Tensor x, Tensor out); }

    protected void checkUnary(String what, float[] x, int rows, int cols, Unary op, double tol) {
        Tensor outR = ref.zeros(rows, cols), outV = be().zeros(rows, cols);
        op.apply(ref, ref.of(x, rows, cols), outR);
        op.apply(be(), be().of(x, rows, cols), outV);
        assertClose(what + " " + rows + "×" + cols, be().read(outV), ref.read(outR), tol);
    }

    @Test
    void softmaxAndCrossEntropyOnVocabularyWideRows() {
        int rows = 3, cols = 32200;
        float[] x = floats(rnd, rows * cols, 8);
        checkUnary("softmax", x, rows, cols, (b, a, o) -> b.softmax(a, o), tol(1e-6));
        int[] labels = {5, -100, cols - 1};
        Tensor dr = ref.zeros(rows, cols), dv = be().zeros(rows, cols);
        float lr = ref.crossEntropy(ref.of(x, rows, cols), labels, -100, dr);
        float lv = be().crossEntropy(be().of(x, rows, cols), labels, -100, dv);
        assertThat(lv).isCloseTo(lr, org.assertj.core.data.Offset.offset((float) tol(1e-5) * (1 + lr)));
        assertClose("dLogits", be().read(dv), ref.read(dr), tol(1e-6));
    }

    @Test
    void geluCoversTheTailsWhereErfcMatters() {
        float[] x = new float[2001];
        for (int i = 0; i < x.length; i++) x[i] = -10 + i * 0.01f;
        checkUnary("gelu on [−10, 10]", x, 1, x.length, (b, a, o) -> b.gelu(a, o), tol(1e-6));
        checkUnary("geluBackward on [−10, 10]", x, 1, x.length,
                (b, a, o) -> b.geluBackward(a, b.of(filled(x.length, 1), x.length), o), tol(1e-6));
    }

    protected static float[] filled(int n, float v) {
        float[] x = new float[n];
        Arrays.fill(x, v);
        return x;
    }

    @Test
    void dropoutMatchesTheReferenceMaskAndKeepsAboutOneMinusP() {
        float[] x = filled(300_001, 1);
        Tensor o = be().zeros(x.length), r = ref.zeros(x.length);
        be().dropout(be().of(x, x.length), 0.1f, 5, o);
        ref.dropout(ref.of(x, x.length), 0.1f, 5, r);
        float[] got = be().read(o);
        assertThat(got).isEqualTo(ref.read(r));
        long kept = 0;
        for (float v : got) if (v != 0) kept++;
        assertThat(kept / (double) x.length).isBetween(0.895, 0.905);
        assertThat(got).contains(1 / 0.9f);
        // p = 0 copies, also in place
        Tensor same = be().of(x, x.length);
        be().dropout(same, 0, 5, same);
        assertThat(be().read(same)).isEqualTo(x);
    }

    @Test
    void layerNormAndBackward() {
        for (int rows : new int[] {1, 7, 33})
            for (int cols : new int[] {1, 17, 130, 256}) {
                float[] x = floats(rnd, rows * cols, 2), g = floats(rnd, cols, 1), b = floats(rnd, cols, 1);
                float[] dOut = floats(rnd, rows * cols, 1), acc = floats(rnd, cols, 1);
                float[][] res = new float[2][];
                Backend[] bes = {ref, be()};
                for (int i = 0; i < 2; i++) {
                    Backend be = bes[i];
                    Tensor out = be.zeros(rows, cols), mean = be.zeros(rows), rstd = be.zeros(rows);
                    be.layerNorm(be.of(x, rows, cols), be.of(g, cols), be.of(b, cols), 1e-12f, out, mean, rstd);
                    Tensor dx = be.zeros(rows, cols), dg = be.of(acc, cols), dbeta = be.of(acc, cols);
                    be.layerNormBackward(be.of(dOut, rows, cols), be.of(x, rows, cols), be.of(g, cols), mean, rstd, dx, dg, dbeta);
                    res[i] = concat(be.read(out), be.read(mean), be.read(rstd), be.read(dx), be.read(dg), be.read(dbeta));
                }
                assertClose("layerNorm " + rows + "×" + cols, res[1], res[0], tol(2e-5));
            }
    }

    @Test
    void fusedKernelsEqualTheOperationsTheyFuse() {
        Backend be = be();
        for (int rows : new int[] {1, 7, 33})
            for (int cols : new int[] {1, 17, 130, 256}) {
                int n = rows * cols;
                float[] x = floats(rnd, n, 3), res = floats(rnd, n, 2), bias = floats(rnd, cols, 1);
                float[] g = floats(rnd, cols, 1), b = floats(rnd, cols, 1);
                // The reference does the unfused steps; the backend under test its fused kernel.
                Tensor pre = ref.of(x, rows, cols), act = ref.zeros(rows, cols);
                ref.addBias(pre, ref.of(bias, cols));
                ref.gelu(pre, act);
                Tensor preV = be.of(x, rows, cols), actV = be.zeros(rows, cols);
                be.biasGelu(preV, be.of(bias, cols), actV);
                assertClose("biasGelu pre-activation " + rows + "×" + cols, be.read(preV), ref.read(pre), tol(1e-6));
                assertClose("biasGelu " + rows + "×" + cols, be.read(actV), ref.read(act), tol(1e-6));
                Tensor inPlace = be.of(x, rows, cols);
                be.biasGelu(inPlace, be.of(bias, cols), inPlace);
                assertClose("biasGelu in place " + rows + "×" + cols, be.read(inPlace), ref.read(act), tol(1e-6));

                Tensor sum = ref.of(x, rows, cols), out = ref.zeros(rows, cols), mean = ref.zeros(rows), rstd = ref.zeros(rows);
                ref.add(sum, ref.of(res, rows, cols), sum);
                ref.layerNorm(sum, ref.of(g, cols), ref.of(b, cols), 1e-12f, out, mean, rstd);
                Tensor sumV = be.of(x, rows, cols), outV = be.zeros(rows, cols), meanV = be.zeros(rows), rstdV = be.zeros(rows);
                be.residualLayerNorm(sumV, be.of(res, rows, cols), be.of(g, cols), be.of(b, cols), 1e-12f, outV, meanV, rstdV);
                assertClose("residualLayerNorm " + rows + "×" + cols,
                        concat(be.read(sumV), be.read(outV), be.read(meanV), be.read(rstdV)),
                        concat(ref.read(sum), ref.read(out), ref.read(mean), ref.read(rstd)), tol(2e-5));
                Tensor same = be.of(x, rows, cols);
                be.residualLayerNorm(same, be.of(res, rows, cols), be.of(g, cols), be.of(b, cols), 1e-12f, same, null, null);
                assertClose("residualLayerNorm in place " + rows + "×" + cols, be.read(same), ref.read(out), tol(2e-5));
            }
        assertThatThrownBy(() -> be.residualLayerNorm(be.zeros(2, 3), be.zeros(3, 2), be.zeros(3), be.zeros(3), 1e-12f,
                be.zeros(2, 3), null, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> be.biasGelu(be.zeros(2, 3), be.zeros(2), be.zeros(2, 3)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void layerNormInPlace() {
        // out = x and dx = dOut, as a residual block may call them.
        int rows = 5, cols = 48;
        float[] x = floats(rnd, rows * cols, 2), g = floats(rnd, cols, 1), b = floats(rnd, cols, 1), dOut = floats(rnd, rows * cols, 1);
        float[][] res = new float[2][];
        Backend[] bes = {ref, be()};
        for (int i = 0; i < 2; i++) {
            Backend be = bes[i];
            Tensor t = be.of(x, rows, cols), mean = be.zeros(rows), rstd = be.zeros(rows);
            be.layerNorm(t, be.of(g, cols), be.of(b, cols), 1e-12f, t, mean, rstd);
            Tensor d = be.of(dOut, rows, cols), dg = be.zeros(cols), dbeta = be.zeros(cols);
            be.layerNormBackward(d, be.of(x, rows, cols), be.of(g, cols), mean, rstd, d, dg, dbeta);
            res[i] = concat(be.read(t), be.read(d), be.read(dg), be.read(dbeta));
        }
        assertClose("layerNorm in place", res[1], res[0], tol(2e-5));
    }

    protected static float[] concat(float[]... parts) {
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
        int[][] cases = {{2, 7, 3, 5}, {3, 17, 2, 16}, {1, 33, 4, 17}, {2, 64, 2, 32}};
        for (int[] cs : cases) {
            int batch = cs[0], seq = cs[1], heads = cs[2], d = cs[3], width = heads * d, tokens = batch * seq;
            float[] q = floats(rnd, tokens * width, 1), k = floats(rnd, tokens * width, 1), v = floats(rnd, tokens * width, 1);
            float[] dOut = floats(rnd, tokens * width, 1);
            int[] mask = new int[tokens];
            for (int b = 0; b < batch; b++)
                for (int t = 0; t < seq; t++) mask[b * seq + t] = t < seq - b * 2 ? 1 : 0; // sequence b has 2b pads
            float[][] res = new float[2][];
            Backend[] bes = {ref, be()};
            for (int i = 0; i < 2; i++) {
                Backend be = bes[i];
                Tensor Q = be.of(q, tokens, width), K = be.of(k, tokens, width), V = be.of(v, tokens, width);
                Tensor out = be.zeros(tokens, width), probs = be.zeros(batch, heads, seq, seq);
                be.attention(Q, K, V, mask, batch, seq, heads, dropout, 123, out, probs);
                Tensor dq = be.zeros(tokens, width), dk = be.zeros(tokens, width), dv = be.zeros(tokens, width);
                be.attentionBackward(be.of(dOut, tokens, width), Q, K, V, probs, mask, batch, seq, heads, dropout, 123, dq, dk, dv);
                res[i] = concat(be.read(out), be.read(probs), be.read(dq), be.read(dk), be.read(dv));
            }
            assertClose("attention " + Arrays.toString(cs) + " p=" + dropout, res[1], res[0], tol(1e-5));
            // padded keys get no probability (the sequence with the most padding, last row of its first head)
            int b = batch - 1, pads = 2 * b;
            if (pads > 0) {
                float[] probs = Arrays.copyOfRange(res[1], tokens * width, tokens * width + batch * heads * seq * seq);
                int row = ((b * heads) * seq + seq - 1) * seq;
                for (int j = seq - pads; j < seq; j++) assertThat(probs[row + j]).isZero();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(floats = {0, 0.25f})
    void attentionWithoutSavedProbabilitiesAndAFullyPaddedSequence(float dropout) {
        // probs null: forward keeps none, backward recomputes them; sequence 1 is all padding (uniform weights).
        int batch = 2, seq = 9, heads = 2, d = 8, width = heads * d, tokens = batch * seq;
        float[] q = floats(rnd, tokens * width, 1), k = floats(rnd, tokens * width, 1), v = floats(rnd, tokens * width, 1);
        float[] dOut = floats(rnd, tokens * width, 1);
        int[] mask = new int[tokens];
        for (int t = 0; t < seq - 3; t++) mask[t] = 1;
        float[][] res = new float[2][];
        Backend[] bes = {ref, be()};
        for (int i = 0; i < 2; i++) {
            Backend be = bes[i];
            Tensor Q = be.of(q, tokens, width), K = be.of(k, tokens, width), V = be.of(v, tokens, width);
            Tensor out = be.zeros(tokens, width);
            be.attention(Q, K, V, mask, batch, seq, heads, dropout, 7, out, null);
            Tensor dq = be.zeros(tokens, width), dk = be.zeros(tokens, width), dv = be.zeros(tokens, width);
            be.attentionBackward(be.of(dOut, tokens, width), Q, K, V, null, mask, batch, seq, heads, dropout, 7, dq, dk, dv);
            res[i] = concat(be.read(out), be.read(dq), be.read(dk), be.read(dv));
        }
        assertClose("attention without probs p=" + dropout, res[1], res[0], tol(1e-5));
    }

    @Test
    void sumOfSquaresOverManyTensorsIsTheirTotal() {
        java.util.List<Tensor> onRef = new java.util.ArrayList<>(), onBe = new java.util.ArrayList<>();
        double want = 0;
        for (int n : new int[] {0, 1, 255, 256, 257, 70_000, 3}) {
            float[] x = floats(rnd, n, 2);
            onRef.add(ref.of(x, n));
            onBe.add(be().of(x, n));
            for (float v : x) want += (double) v * v;
        }
        Tensor big = be().of(floats(rnd, 1000, 1), 10, 100);
        onBe.add(big.view(300, 2, 100)); // a view counts its own elements only
        onRef.add(ref.of(be().read(big.view(300, 2, 100)), 2, 100));
        for (float v : be().read(big.view(300, 2, 100))) want += (double) v * v;
        // float partial sums on the vector backend: about 1e-9 relative
        assertThat(be().sumOfSquares(onBe)).isCloseTo(want, org.assertj.core.data.Offset.offset(want * tol(1e-7)));
        assertThat(ref.sumOfSquares(onRef)).isCloseTo(want, org.assertj.core.data.Offset.offset(want * 1e-12));
        assertThat(be().sumOfSquares(java.util.List.of())).isZero();
    }

    @Test
    void argmaxRowsTakesTheFirstLargestColumn() {
        int rows = 37, cols = 1000;
        float[] x = floats(rnd, rows * cols, 1);
        x[5 * cols + 10] = x[5 * cols + 700] = 9; // a tie: the first wins
        x[36 * cols + cols - 1] = 50;
        Arrays.fill(x, 7 * cols, 8 * cols, Float.NEGATIVE_INFINITY);
        x[9 * cols] = Float.NaN; // nothing is larger than a NaN in column 0
        x[11 * cols + 3] = Float.NaN; // a NaN later is passed over
        x[11 * cols + 4] = 60;
        int[] got = be().argmaxRows(be().of(x, rows, cols));
        assertThat(got).containsExactly(ref.argmaxRows(ref.of(x, rows, cols)));
        assertThat(got[9]).isZero();
        assertThat(got[11]).isEqualTo(4);
        assertThat(got[5]).isEqualTo(10);
        assertThat(got[7]).as("every value -inf").isZero();
        assertThat(got[36]).isEqualTo(cols - 1);
        float[] wide = floats(rnd, 3 * 32200, 8);
        assertThat(be().argmaxRows(be().of(wide, 3, 32200))).containsExactly(ref.argmaxRows(ref.of(wide, 3, 32200)));
        Tensor view = be().of(x, rows, cols).view(cols, 2, cols); // rows 1 and 2
        assertThat(be().argmaxRows(view)).containsExactly(got[1], got[2]);
        assertThat(be().argmaxRows(be().zeros(0, 5))).isEmpty();
        assertThat(be().argmaxRows(be().zeros(2, 0))).as("no columns, so no rows").isEmpty();
    }

    /** Rows of softmax(logits · scale) over {@code cols}, as a generator's distributions. */
    private float[] distributions(int rows, int cols, double scale) {
        float[] p = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            double[] e = new double[cols];
            double z = 0;
            for (int j = 0; j < cols; j++) z += e[j] = Math.exp(scale * rnd.nextGaussian());
            for (int j = 0; j < cols; j++) p[r * cols + j] = (float) (e[j] / z);
        }
        return p;
    }

    @Test
    void sampleRowsDrawsWhatTheReferenceDraws() {
        for (double scale : new double[] {1, 4}) { // flat and peaked rows at the generator's vocabulary
            int rows = 200, cols = 32200;
            float[] p = distributions(rows, cols, scale);
            int[] want = ref.sampleRows(ref.of(p, rows, cols), 11);
            int[] got = be().sampleRows(be().of(p, rows, cols), 11);
            assertThat(got).as("scale %s", scale).containsExactly(want);
            assertThat(be().sampleRows(be().of(p, rows, cols), 12)).as("another seed").isNotEqualTo(got);
        }
        float[] p = distributions(5, 300, 2);
        Tensor view = be().of(p, 5, 300).view(600, 3, 300); // rows 2..4 draw as rows 0..2 of their own tensor
        assertThat(be().sampleRows(view, 3))
                .containsExactly(ref.sampleRows(ref.of(Arrays.copyOfRange(p, 600, 1500), 3, 300), 3));
        assertThat(be().sampleRows(be().zeros(0, 5), 1)).isEmpty();
    }

    @Test
    void sampleRowsFollowsTheDistribution() {
        double[] logits = {2, 1, 0, -1, 0.5, -3};
        double z = 0;
        for (double l : logits) z += Math.exp(l);
        int cols = logits.length + 1; // the last column has probability 0 and must never be drawn
        int rows = 60_000;
        float[] probs = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < logits.length; i++) probs[r * cols + i] = (float) (Math.exp(logits[i]) / z);
        long[] counts = new long[cols];
        for (int s : be().sampleRows(be().of(probs, rows, cols), 4)) counts[s]++;
        assertThat(counts[cols - 1]).isZero();
        double chi2 = 0;
        for (int i = 0; i < logits.length; i++) {
            double expected = rows * Math.exp(logits[i]) / z;
            chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
        }
        assertThat(chi2).as("chi-square with 5 degrees of freedom (0.1 %% critical value 20.5)").isLessThan(20.5);

        float[] oneHot = new float[1000];
        oneHot[737] = 1;
        assertThat(be().sampleRows(be().of(oneHot, 1, 1000), 5)).containsExactly(737);
        // Uniform over 1000: each tenth of the columns gets a tenth of the draws.
        int uniformRows = 20_000;
        float[] uniform = new float[uniformRows * 1000];
        Arrays.fill(uniform, 1e-3f);
        long[] deciles = new long[10];
        for (int s : be().sampleRows(be().of(uniform, uniformRows, 1000), 6)) deciles[s / 100]++;
        double chi2u = 0;
        for (long c : deciles) chi2u += (c - uniformRows / 10.0) * (c - uniformRows / 10.0) / (uniformRows / 10.0);
        assertThat(chi2u).as("chi-square with 9 degrees of freedom (0.1 %% critical value 27.9)").isLessThan(27.9);
    }

    @Test
    void sampleRowsRefusesARowWithoutProbability() {
        float[] p = {0.5f, 0.5f, 0, 0, 1, 0};
        assertThatThrownBy(() -> be().sampleRows(be().of(p, 3, 2), 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("row 1 of the distribution has no positive probability");
    }

    @Test
    void crossEntropyWithIgnoredRows() {
        Backend be = be();
        for (int classes : new int[] {2, 17, 1000}) {
            int rows = 9;
            float[] logits = floats(rnd, rows * classes, 4);
            int[] labels = new int[rows];
            for (int r = 0; r < rows; r++) labels[r] = r % 3 == 1 ? -100 : rnd.nextInt(classes);
            Tensor dr = ref.zeros(rows, classes), dv = be.of(filled(rows * classes, Float.NaN), rows, classes);
            float lr = ref.crossEntropy(ref.of(logits, rows, classes), labels, -100, dr);
            float lv = be.crossEntropy(be.of(logits, rows, classes), labels, -100, dv);
            assertThat(lv).isCloseTo(lr, org.assertj.core.data.Offset.offset((float) tol(1e-5) * (1 + lr)));
            assertThat(be.crossEntropy(be.of(logits, rows, classes), labels, -100, null)).isEqualTo(lv);
            assertClose("dLogits", be.read(dv), ref.read(dr), tol(1e-6));
        }
        int[] allIgnored = {-1, -1};
        assertThat(be.crossEntropy(be.zeros(2, 3), allIgnored, -1, null)).isZero();
        assertThatThrownBy(() -> be.crossEntropy(be.zeros(1, 3), new int[] {3}, -100, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void softCrossEntropyIsCrossEntropyOnOneHotTargetsAndValidatesThem() {
        Backend be = be();
        int rows = 7, classes = 3;
        float[] logits = floats(rnd, rows * classes, 4), oneHot = new float[rows * classes], soft = new float[rows * classes];
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            labels[r] = rnd.nextInt(classes);
            oneHot[r * classes + labels[r]] = 1;
            float a = (float) rnd.nextDouble(), b = (float) rnd.nextDouble() * (1 - a);
            soft[r * classes] = a;
            soft[r * classes + 1] = b;
            soft[r * classes + 2] = Math.max(0f, 1 - a - b);
        }
        Tensor dHard = ref.zeros(rows, classes), dOneHot = be.of(filled(rows * classes, Float.NaN), rows, classes);
        float hard = ref.crossEntropy(ref.of(logits, rows, classes), labels, -100, dHard);
        float viaSoft = be.softCrossEntropy(be.of(logits, rows, classes), oneHot, dOneHot);
        assertThat(viaSoft).isCloseTo(hard, org.assertj.core.data.Offset.offset(1e-5f * (1 + hard)));
        assertClose("dLogits, one-hot", be.read(dOneHot), ref.read(dHard), tol(1e-6));

        // Soft targets: the loss is the targets' mixture of the per-class hard losses, the gradient softmax − t.
        Tensor dSoft = be.zeros(rows, classes);
        float loss = be.softCrossEntropy(be.of(logits, rows, classes), soft, dSoft);
        double want = 0;
        for (int c = 0; c < classes; c++) {
            for (int r = 0; r < rows; r++) {
                int[] all = new int[rows];
                java.util.Arrays.fill(all, -100);
                all[r] = c;
                want += soft[r * classes + c] * ref.crossEntropy(ref.of(logits, rows, classes), all, -100, null);
            }
        }
        assertThat((double) loss).isCloseTo(want / rows, org.assertj.core.data.Offset.offset(1e-5 * (1 + want)));
        float[] d = be.read(dSoft);
        for (int r = 0; r < rows; r++) {
            double rowSum = 0;
            for (int c = 0; c < classes; c++) rowSum += d[r * classes + c];
            assertThat(rowSum).as("gradient row %d sums to zero", r).isCloseTo(0, org.assertj.core.data.Offset.offset(1e-6));
        }

        assertThatThrownBy(() -> be.softCrossEntropy(be.zeros(2, 2), new float[] {0.5f, 0.5f, 0.9f, 0.2f}, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("row 1 sum to");
        assertThatThrownBy(() -> be.softCrossEntropy(be.zeros(1, 2), new float[] {1.5f, -0.5f}, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a probability");
        assertThatThrownBy(() -> be.softCrossEntropy(be.zeros(1, 2), new float[] {Float.NaN, 1}, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a probability");
        assertThatThrownBy(() -> be.softCrossEntropy(be.zeros(2, 2), new float[] {1, 0}, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 targets");
    }

    @Test
    void binaryCrossEntropyAndMeanSquaredError() {
        Backend be = be();
        for (int n : new int[] {1, 17, 1000}) {
            float[] x = floats(rnd, n, 6), y = new float[n], w = new float[n];
            for (int i = 0; i < n; i++) {
                y[i] = rnd.nextBoolean() ? 1 : 0;
                w[i] = i % 5 == 2 ? 0 : (float) rnd.nextDouble(0.5, 2);
            }
            for (float[] weights : new float[][] {null, w}) {
                Tensor dr = ref.zeros(n), dv = be.zeros(n);
                float lr = ref.binaryCrossEntropy(ref.of(x, n), y, weights, dr);
                float lv = be.binaryCrossEntropy(be.of(x, n), y, weights, dv);
                assertThat(lv).isCloseTo(lr, org.assertj.core.data.Offset.offset((float) tol(1e-6) * (1 + lr)));
                assertClose("BCE gradient", be.read(dv), ref.read(dr), tol(1e-6));
            }
            Tensor dr = ref.zeros(n), dv = be.zeros(n);
            float lr = ref.meanSquaredError(ref.of(x, n), y, dr);
            float lv = be.meanSquaredError(be.of(x, n), y, dv);
            assertThat(lv).isCloseTo(lr, org.assertj.core.data.Offset.offset((float) tol(1e-6) * (1 + lr)));
            assertClose("MSE gradient", be.read(dv), ref.read(dr), tol(1e-6));
        }
        assertThat(be.binaryCrossEntropy(be.zeros(2), new float[] {1, 0}, new float[] {0, 0}, null)).isZero();
    }

    @Test
    void adamwMatchesReference() {
        int n = 1001;
        float[] p = floats(rnd, n, 1), g = floats(rnd, n, 1), m = floats(rnd, n, 0.1), v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextDouble(0, 0.01);
        float[][] res = new float[2][];
        Backend[] bes = {ref, be()};
        for (int i = 0; i < 2; i++) {
            Backend be = bes[i];
            Tensor P = be.of(p, n), M = be.of(m, n), V = be.of(v, n);
            for (int step = 3; step <= 5; step++) be.adamw(P, be.of(g, n), M, V, 1e-3f, 0.9f, 0.999f, 1e-6f, 0.01f, step);
            res[i] = concat(be.read(P), be.read(M), be.read(V));
        }
        assertClose("adamw", res[1], res[0], tol(1e-6));

        Backend be = be();
        Tensor P = be.of(p, n), G = be.of(g, n);
        assertThatThrownBy(() -> be.adamw(P, G, be.zeros(n), be.zeros(n), 1e-3f, 0.9f, 0.999f, 1e-6f, 0.01f, 0))
                .hasMessageContaining("AdamW step starts at 1, got 0");
        assertThatThrownBy(() -> be.adamw(P, G, be.zeros(n - 1), be.zeros(n), 1e-3f, 0.9f, 0.999f, 1e-6f, 0.01f, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void gatherScatterAndViews() {
        Backend be = be();
        float[] table = floats(rnd, 10 * 7, 1);
        int[] ids = {3, 0, 3, 9};
        Tensor out = be.zeros(4, 7);
        be.gather(be.of(table, 10, 7), ids, out);
        assertThat(Arrays.copyOfRange(be.read(out), 7, 14)).isEqualTo(Arrays.copyOfRange(table, 0, 7));
        Tensor dTable = be.zeros(10, 7);
        be.scatterAdd(be.of(filled(28, 1), 4, 7), ids, dTable);
        assertThat(be.read(dTable)[3 * 7]).isEqualTo(2); // id 3 appears twice
        assertThatThrownBy(() -> be.gather(be.of(table, 10, 7), new int[] {10}, be.zeros(1, 7)))
                .isInstanceOf(IllegalArgumentException.class);
        // kernels on a view touch only the view
        Tensor big = be.of(filled(20, 1), 4, 5);
        be.scale(big.rowRange(1, 2), 3);
        assertThat(be.read(big)).containsExactly(1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 1);
    }

    @Test
    void memoryOperationsOnViews() {
        Backend be = be();
        float[] x = floats(rnd, 24, 1);
        Tensor t = be.of(x, 4, 6);
        assertThat(be.read(t)).isEqualTo(x);
        assertThat(be.read(t.view(5, 2, 3))).isEqualTo(Arrays.copyOfRange(x, 5, 11));
        // write, fill and copy through views, overlapping ranges included (they copy as if through a buffer)
        be.write(t.rowRange(1, 1), filled(6, 7));
        be.fill(t.view(20, 4), -2);
        float[] want = x.clone();
        Arrays.fill(want, 6, 12, 7);
        Arrays.fill(want, 20, 24, -2);
        assertThat(be.read(t)).isEqualTo(want);
        be.copy(t.view(0, 10), t.view(4, 10));
        System.arraycopy(want.clone(), 0, want, 4, 10);
        assertThat(be.read(t)).isEqualTo(want);
        Tensor empty = be.zeros(0, 5);
        assertThat(be.read(empty)).isEmpty();
        be.scale(empty, 2);
        assertThat(be.sumOfSquares(empty)).isZero();
        assertThatThrownBy(() -> be.write(t, new float[3])).isInstanceOf(IllegalArgumentException.class);
    }
}
