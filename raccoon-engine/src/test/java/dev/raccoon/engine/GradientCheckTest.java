package dev.raccoon.engine;

import dev.raccoon.engine.backends.Backends;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

import static dev.raccoon.engine.Rand.assertClose;
import static dev.raccoon.engine.Rand.floats;

/**
 * Backward kernels of both CPU backends against central finite differences of the scalar forward pass, on tiny
 * shapes. Each check turns a kernel's output into a scalar loss Σ w ⊙ out with random w (summed in double).
 */
class GradientCheckTest {
    private static final Backend ref = Backends.scalar(), cpu = Backends.cpu(2);
    private static final Backend[] BOTH = {ref, cpu};
    private static final double H = 1e-2, TOL = 2e-3;
    private final SplittableRandom rnd = new SplittableRandom(11);

    @AfterAll
    static void close() { cpu.close(); }

    /** Central differences of loss at x, one element at a time. */
    private static float[] numeric(float[] x, ToDoubleFunction<float[]> loss) {
        float[] g = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            float keep = x[i];
            x[i] = (float) (keep + H);
            double up = loss.applyAsDouble(x);
            x[i] = (float) (keep - H);
            double down = loss.applyAsDouble(x);
            x[i] = keep;
            g[i] = (float) ((up - down) / (2 * H));
        }
        return g;
    }

    private static double dot(float[] w, float[] y) {
        double s = 0;
        for (int i = 0; i < w.length; i++) s += (double) w[i] * y[i];
        return s;
    }

    @Test
    void geluAndTanh() {
        int n = 23;
        float[] x = floats(rnd, n, 3), w = floats(rnd, n, 1);
        float[] wantGelu = numeric(x, xs -> { Tensor o = ref.zeros(n); ref.gelu(ref.of(xs, n), o); return dot(w, ref.read(o)); });
        float[] wantTanh = numeric(x, xs -> { Tensor o = ref.zeros(n); ref.tanh(ref.of(xs, n), o); return dot(w, ref.read(o)); });
        for (Backend be : BOTH) {
            Tensor dx = be.zeros(n), y = be.zeros(n);
            be.geluBackward(be.of(x, n), be.of(w, n), dx);
            assertClose(be.name() + " geluBackward", be.read(dx), wantGelu, TOL);
            be.tanh(be.of(x, n), y);
            be.tanhBackward(y, be.of(w, n), dx);
            assertClose(be.name() + " tanhBackward", be.read(dx), wantTanh, TOL);
        }
    }

    @Test
    void dropoutBackwardIsTheSameMask() {
        int n = 40;
        float[] x = floats(rnd, n, 1), w = floats(rnd, n, 1);
        float[] want = numeric(x, xs -> { Tensor o = ref.zeros(n); ref.dropout(ref.of(xs, n), 0.4f, 3, o); return dot(w, ref.read(o)); });
        for (Backend be : BOTH) {
            Tensor dx = be.zeros(n);
            be.dropoutBackward(be.of(w, n), 0.4f, 3, dx);
            assertClose(be.name() + " dropoutBackward", be.read(dx), want, TOL);
        }
    }

    @Test
    void layerNormBackward() {
        int rows = 3, cols = 6;
        float[] x = floats(rnd, rows * cols, 2), g = floats(rnd, cols, 1.5), b = floats(rnd, cols, 1), w = floats(rnd, rows * cols, 1);
        ToDoubleFunction<float[][]> loss = p -> {
            Tensor o = ref.zeros(rows, cols);
            ref.layerNorm(ref.of(p[0], rows, cols), ref.of(p[1], cols), ref.of(p[2], cols), 1e-5f, o, null, null);
            return dot(w, ref.read(o));
        };
        float[] wantX = numeric(x, xs -> loss.applyAsDouble(new float[][] {xs, g, b}));
        float[] wantG = numeric(g, gs -> loss.applyAsDouble(new float[][] {x, gs, b}));
        float[] wantB = numeric(b, bs -> loss.applyAsDouble(new float[][] {x, g, bs}));
        for (Backend be : BOTH) {
            Tensor out = be.zeros(rows, cols), mean = be.zeros(rows), rstd = be.zeros(rows);
            be.layerNorm(be.of(x, rows, cols), be.of(g, cols), be.of(b, cols), 1e-5f, out, mean, rstd);
            Tensor dx = be.zeros(rows, cols), dg = be.zeros(cols), db = be.zeros(cols);
            be.layerNormBackward(be.of(w, rows, cols), be.of(x, rows, cols), be.of(g, cols), mean, rstd, dx, dg, db);
            assertClose(be.name() + " layerNorm dx", be.read(dx), wantX, TOL);
            assertClose(be.name() + " layerNorm dGamma", be.read(dg), wantG, TOL);
            assertClose(be.name() + " layerNorm dBeta", be.read(db), wantB, TOL);
        }
    }

    @ParameterizedTest
    @ValueSource(floats = {0, 0.3f})
    void attentionBackward(float dropout) {
        int batch = 2, seq = 5, heads = 2, d = 3, width = heads * d, tokens = batch * seq;
        int[] mask = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
        float[] q = floats(rnd, tokens * width, 1), k = floats(rnd, tokens * width, 1), v = floats(rnd, tokens * width, 1);
        float[] w = floats(rnd, tokens * width, 1);
        ToDoubleFunction<float[][]> loss = p -> {
            Tensor o = ref.zeros(tokens, width);
            ref.attention(ref.of(p[0], tokens, width), ref.of(p[1], tokens, width), ref.of(p[2], tokens, width), mask,
                    batch, seq, heads, dropout, 77, o, null);
            return dot(w, ref.read(o));
        };
        float[] wantQ = numeric(q, qs -> loss.applyAsDouble(new float[][] {qs, k, v}));
        float[] wantK = numeric(k, ks -> loss.applyAsDouble(new float[][] {q, ks, v}));
        float[] wantV = numeric(v, vs -> loss.applyAsDouble(new float[][] {q, k, vs}));
        for (Backend be : BOTH) {
            Tensor Q = be.of(q, tokens, width), K = be.of(k, tokens, width), V = be.of(v, tokens, width);
            Tensor out = be.zeros(tokens, width), probs = be.zeros(batch, heads, seq, seq);
            be.attention(Q, K, V, mask, batch, seq, heads, dropout, 77, out, probs);
            Tensor dq = be.zeros(tokens, width), dk = be.zeros(tokens, width), dv = be.zeros(tokens, width);
            be.attentionBackward(be.of(w, tokens, width), Q, K, V, probs, mask, batch, seq, heads, dropout, 77, dq, dk, dv);
            String what = be.name() + " attention p=" + dropout;
            assertClose(what + " dq", be.read(dq), wantQ, TOL);
            assertClose(what + " dk", be.read(dk), wantK, TOL);
            assertClose(what + " dv", be.read(dv), wantV, TOL);
        }
    }

    @Test
    void crossEntropyGradient() {
        int rows = 4, classes = 5;
        float[] logits = floats(rnd, rows * classes, 3);
        int[] labels = {2, -100, 0, 4};
        float[] want = numeric(logits, ls -> ref.crossEntropy(ref.of(ls, rows, classes), labels, -100, null));
        for (Backend be : BOTH) {
            Tensor d = be.zeros(rows, classes);
            be.crossEntropy(be.of(logits, rows, classes), labels, -100, d);
            assertClose(be.name() + " crossEntropy", be.read(d), want, TOL);
        }
    }

    @Test
    void softCrossEntropyGradient() {
        int rows = 3, classes = 4;
        float[] logits = floats(rnd, rows * classes, 3);
        float[] targets = {0.1f, 0.2f, 0.3f, 0.4f, 0, 0, 1, 0, 0.25f, 0.25f, 0.25f, 0.25f};
        float[] want = numeric(logits, ls -> ref.softCrossEntropy(ref.of(ls, rows, classes), targets, null));
        for (Backend be : BOTH) {
            Tensor d = be.zeros(rows, classes);
            be.softCrossEntropy(be.of(logits, rows, classes), targets, d);
            assertClose(be.name() + " softCrossEntropy", be.read(d), want, TOL);
        }
    }

    @Test
    void binaryCrossEntropyAndMseGradients() {
        int n = 6;
        float[] logits = floats(rnd, n, 4), targets = {1, 0, 1, 0, 0.3f, 1}, weights = {1, 2, 0, 0.5f, 1, 1};
        float[] wantBce = numeric(logits, ls -> ref.binaryCrossEntropy(ref.of(ls, n, 1), targets, weights, null));
        float[] wantMse = numeric(logits, ls -> ref.meanSquaredError(ref.of(ls, n), targets, null));
        for (Backend be : BOTH) {
            Tensor d = be.zeros(n, 1);
            be.binaryCrossEntropy(be.of(logits, n, 1), targets, weights, d);
            assertClose(be.name() + " bce", be.read(d), wantBce, TOL);
            be.meanSquaredError(be.of(logits, n, 1), targets, d);
            assertClose(be.name() + " mse", be.read(d), wantMse, TOL);
        }
    }
}
