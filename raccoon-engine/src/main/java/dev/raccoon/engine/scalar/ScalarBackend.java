package dev.raccoon.engine.scalar;

import dev.raccoon.engine.Checks;
import dev.raccoon.engine.Precision;
import dev.raccoon.engine.Tensor;
import dev.raccoon.engine.cpu.ArrayBackend;
import dev.raccoon.engine.cpu.ArrayTensor;
import dev.raccoon.engine.cpu.CpuMath;

/**
 * Plain single-threaded loops with double accumulation: slow, and obviously correct, the reference the other
 * backends are tested against.
 */
public final class ScalarBackend extends ArrayBackend {

    public ScalarBackend() { this(Precision.FP32); }

    public ScalarBackend(Precision precision) { super(precision); }

    @Override public String name() { return "scalar"; }

    @Override public int threads() { return 1; }

    // ---- linear algebra -----------------------------------------------------------------------------------

    @Override
    public void matmul(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, float alpha, float beta) {
        int[] mkn = Checks.matmulDims(a, transA, b, transB, c);
        int m = mkn[0], k = mkn[1], n = mkn[2];
        ArrayTensor A = productOperand(a), B = productOperand(b), C = arr(c);
        float[] ad = A.data(), bd = B.data(), cd = C.data();
        int lda = a.cols(), ldb = b.cols();
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    float av = ad[A.offset() + (transA ? p * lda + i : i * lda + p)];
                    float bv = bd[B.offset() + (transB ? j * ldb + p : p * ldb + j)];
                    s += (double) av * bv;
                }
                int ci = C.offset() + i * n + j;
                cd[ci] = (float) (alpha * s + (beta == 0 ? 0 : (double) beta * cd[ci]));
            }
    }

    @Override
    public void addBias(Tensor y, Tensor bias) {
        Checks.bias(y, bias);
        ArrayTensor Y = arr(y), B = arr(bias);
        int cols = y.cols();
        for (int r = 0; r < y.rows(); r++)
            for (int j = 0; j < cols; j++)
                Y.data()[Y.offset() + r * cols + j] += B.data()[B.offset() + j];
    }

    @Override
    public void sumRows(Tensor dy, Tensor db, float beta) {
        Checks.bias(dy, db);
        ArrayTensor D = arr(dy), B = arr(db);
        int cols = dy.cols();
        for (int j = 0; j < cols; j++) {
            double s = 0;
            for (int r = 0; r < dy.rows(); r++) s += D.data()[D.offset() + r * cols + j];
            int bi = B.offset() + j;
            B.data()[bi] = (float) (s + (beta == 0 ? 0 : (double) beta * B.data()[bi]));
        }
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        Checks.sameSize(a, b);
        Checks.sameSize(a, out);
        ArrayTensor A = arr(a), B = arr(b), O = arr(out);
        for (int i = 0; i < a.size(); i++)
            O.data()[O.offset() + i] = A.data()[A.offset() + i] + B.data()[B.offset() + i];
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        Checks.sameSize(x, y);
        ArrayTensor X = arr(x), Y = arr(y);
        for (int i = 0; i < x.size(); i++) Y.data()[Y.offset() + i] += alpha * X.data()[X.offset() + i];
    }

    @Override
    public void scale(Tensor x, float alpha) {
        ArrayTensor X = arr(x);
        for (int i = 0; i < x.size(); i++) X.data()[X.offset() + i] *= alpha;
    }

    @Override
    public double sumOfSquares(Tensor x) {
        ArrayTensor X = arr(x);
        double s = 0;
        for (int i = 0; i < x.size(); i++) {
            double v = X.data()[X.offset() + i];
            s += v * v;
        }
        return s;
    }

    // ---- activations ----------------------------------------------------------------------------------------

    @Override
    public void gelu(Tensor x, Tensor out) {
        Checks.sameSize(x, out);
        ArrayTensor X = arr(x), O = arr(out);
        for (int i = 0; i < x.size(); i++)
            O.data()[O.offset() + i] = (float) CpuMath.gelu(X.data()[X.offset() + i]);
    }

    @Override
    public void geluBackward(Tensor x, Tensor dOut, Tensor dx) {
        Checks.sameSize(x, dOut);
        Checks.sameSize(x, dx);
        ArrayTensor X = arr(x), G = arr(dOut), D = arr(dx);
        for (int i = 0; i < x.size(); i++)
            D.data()[D.offset() + i] =
                    (float) (G.data()[G.offset() + i] * CpuMath.geluGrad(X.data()[X.offset() + i]));
    }

    @Override
    public void tanh(Tensor x, Tensor out) {
        Checks.sameSize(x, out);
        ArrayTensor X = arr(x), O = arr(out);
        for (int i = 0; i < x.size(); i++) O.data()[O.offset() + i] = (float) Math.tanh(X.data()[X.offset() + i]);
    }

    @Override
    public void tanhBackward(Tensor y, Tensor dOut, Tensor dx) {
        Checks.sameSize(y, dOut);
        Checks.sameSize(y, dx);
        ArrayTensor Y = arr(y), G = arr(dOut), D = arr(dx);
        for (int i = 0; i < y.size(); i++) {
            double t = Y.data()[Y.offset() + i];
            D.data()[D.offset() + i] = (float) (G.data()[G.offset() + i] * (1 - t * t));
        }
    }

    @Override
    public void softmax(Tensor x, Tensor out) {
        Checks.sameMatrix(x, out);
        ArrayTensor X = arr(x), O = arr(out);
        int cols = x.cols();
        for (int r = 0; r < x.rows(); r++)
            softmaxRow(X.data(), X.offset() + r * cols, O.data(), O.offset() + r * cols, cols);
    }

    private static void softmaxRow(float[] x, int xo, float[] out, int oo, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) max = Math.max(max, x[xo + j]);
        double sum = 0;
        for (int j = 0; j < n; j++) sum += Math.exp((double) x[xo + j] - max);
        for (int j = 0; j < n; j++) out[oo + j] = (float) (Math.exp((double) x[xo + j] - max) / sum);
    }

    @Override
    public void dropout(Tensor x, float p, long seed, Tensor out) {
        Checks.sameSize(x, out);
        float scale = CpuMath.dropoutScale(p);
        ArrayTensor X = arr(x), O = arr(out);
        for (int i = 0; i < x.size(); i++)
            O.data()[O.offset() + i] = p == 0 ? X.data()[X.offset() + i]
                    : CpuMath.keep(seed, i, p) ? X.data()[X.offset() + i] * scale : 0;
    }

    // ---- normalisation --------------------------------------------------------------------------------------

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor out, Tensor mean, Tensor rstd) {
        Checks.layerNorm(x, gamma, beta, out, mean, rstd);
        ArrayTensor X = arr(x), G = arr(gamma), B = arr(beta), O = arr(out);
        int n = x.cols();
        for (int r = 0; r < x.rows(); r++) {
            int xo = X.offset() + r * n;
            double mu = 0;
            for (int j = 0; j < n; j++) mu += X.data()[xo + j];
            mu /= n;
            double var = 0;
            for (int j = 0; j < n; j++) {
                double d = X.data()[xo + j] - mu;
                var += d * d;
            }
            var /= n;
            double rs = 1 / Math.sqrt(var + eps);
            for (int j = 0; j < n; j++)
                O.data()[O.offset() + r * n + j] = (float) ((X.data()[xo + j] - mu) * rs
                        * G.data()[G.offset() + j] + B.data()[B.offset() + j]);
            if (mean != null) arr(mean).data()[arr(mean).offset() + r] = (float) mu;
            if (rstd != null) arr(rstd).data()[arr(rstd).offset() + r] = (float) rs;
        }
    }

    @Override
    public void layerNormBackward(Tensor dOut, Tensor x, Tensor gamma, Tensor mean, Tensor rstd,
                                  Tensor dx, Tensor dGamma, Tensor dBeta) {
        Checks.layerNormBackward(dOut, x, gamma, mean, rstd, dx, dGamma, dBeta);
        ArrayTensor D = arr(dOut), X = arr(x), G = arr(gamma), DX = arr(dx), DG = arr(dGamma), DB = arr(dBeta);
        int n = x.cols(), rows = x.rows();
        double[] dg = new double[n], db = new double[n];
        for (int r = 0; r < rows; r++) {
            double mu = arr(mean).data()[arr(mean).offset() + r], rs = arr(rstd).data()[arr(rstd).offset() + r];
            int o = r * n;
            // dx = rstd · (g − mean(g) − x̂ · mean(g · x̂)) with g = dOut · gamma
            double sumG = 0, sumGX = 0;
            for (int j = 0; j < n; j++) {
                double xh = (X.data()[X.offset() + o + j] - mu) * rs, d = D.data()[D.offset() + o + j];
                double g = d * G.data()[G.offset() + j];
                sumG += g;
                sumGX += g * xh;
                dg[j] += d * xh;
                db[j] += d;
            }
            for (int j = 0; j < n; j++) {
                double xh = (X.data()[X.offset() + o + j] - mu) * rs;
                double g = (double) D.data()[D.offset() + o + j] * G.data()[G.offset() + j];
                DX.data()[DX.offset() + o + j] = (float) (rs * (g - sumG / n - xh * sumGX / n));
            }
        }
        for (int j = 0; j < n; j++) {
            DG.data()[DG.offset() + j] += (float) dg[j];
            DB.data()[DB.offset() + j] += (float) db[j];
        }
    }

    // ---- attention ----------------------------------------------------------------------------------------

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, int[] mask, int batch, int seq, int heads,
                          float dropout, long dropoutSeed, Tensor out, Tensor probs) {
        Checks.attention(q, k, v, mask, batch, seq, heads, out, probs);
        float dropScale = CpuMath.dropoutScale(dropout);
        float[] vd = arr(v).data(), od = arr(out).data();
        int vo = arr(v).offset(), oo = arr(out).offset();
        int width = q.cols(), d = width / heads;
        float[] p = new float[seq];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < seq; i++) {
                    probabilities(q, k, mask, b, seq, heads, h, i, p);
                    long base = (((long) b * heads + h) * seq + i) * seq;
                    if (dropout > 0)
                        for (int j = 0; j < seq; j++)
                            p[j] = CpuMath.keep(dropoutSeed, base + j, dropout) ? p[j] * dropScale : 0;
                    if (probs != null)
                        System.arraycopy(p, 0, arr(probs).data(), arr(probs).offset() + (int) base, seq);
                    for (int e = 0; e < d; e++) {
                        double s = 0;
                        for (int j = 0; j < seq; j++) s += (double) p[j] * vd[vo + (b * seq + j) * width + h * d + e];
                        od[oo + (b * seq + i) * width + h * d + e] = (float) s;
                    }
                }
    }

    /** Softmax row i of head h in sequence b, before dropout, into p. */
    private static void probabilities(Tensor q, Tensor k, int[] mask, int b, int seq, int heads, int h, int i,
                                      float[] p) {
        float[] qd = arr(q).data(), kd = arr(k).data();
        int qo = arr(q).offset(), ko = arr(k).offset(), width = q.cols(), d = width / heads;
        float scale = (float) Math.sqrt(d);
        for (int j = 0; j < seq; j++) {
            double s = 0;
            for (int e = 0; e < d; e++)
                s += (double) qd[qo + (b * seq + i) * width + h * d + e] * kd[ko + (b * seq + j) * width + h * d + e];
            p[j] = (float) s / scale + (mask[b * seq + j] == 0 ? CpuMath.MASK_VALUE : 0f);
        }
        softmaxRow(p, 0, p, 0, seq);
    }

    @Override
    public void attentionBackward(Tensor dOut, Tensor q, Tensor k, Tensor v, Tensor probs, int[] mask,
                                  int batch, int seq, int heads, float dropout, long dropoutSeed,
                                  Tensor dq, Tensor dk, Tensor dv) {
        Checks.attention(q, k, v, mask, batch, seq, heads, dOut, probs);
        for (Tensor t : new Tensor[] {dq, dk, dv}) Checks.sameMatrix(q, t);
        float dropScale = CpuMath.dropoutScale(dropout);
        int width = q.cols(), d = width / heads;
        float[] qd = arr(q).data(), kd = arr(k).data(), vd = arr(v).data(), gd = arr(dOut).data();
        int qo = arr(q).offset(), ko = arr(k).offset(), vo = arr(v).offset(), go = arr(dOut).offset();
        double[] dQ = new double[q.size()], dK = new double[q.size()], dV = new double[q.size()];
        float[] p = new float[seq];
        double[] ds = new double[seq];
        double invScale = 1 / (double) (float) Math.sqrt(d);
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < seq; i++) {
                    long base = (((long) b * heads + h) * seq + i) * seq;
                    // The pre-dropout probabilities are not recoverable from the dropped ones: recompute them.
                    if (dropout == 0 && probs != null)
                        System.arraycopy(arr(probs).data(), arr(probs).offset() + (int) base, p, 0, seq);
                    else probabilities(q, k, mask, b, seq, heads, h, i, p);
                    int rowI = (b * seq + i) * width + h * d;
                    double dot = 0;
                    for (int j = 0; j < seq; j++) {
                        int rowJ = (b * seq + j) * width + h * d;
                        double keep = dropout == 0 ? 1 : CpuMath.keep(dropoutSeed, base + j, dropout) ? dropScale : 0;
                        double dp = 0;
                        for (int e = 0; e < d; e++) {
                            dp += (double) gd[go + rowI + e] * vd[vo + rowJ + e];
                            dV[rowJ + e] += p[j] * keep * gd[go + rowI + e];
                        }
                        ds[j] = dp * keep;
                        dot += p[j] * ds[j];
                    }
                    for (int j = 0; j < seq; j++) {
                        double g = p[j] * (ds[j] - dot) * invScale;
                        int rowJ = (b * seq + j) * width + h * d;
                        for (int e = 0; e < d; e++) {
                            dQ[rowI + e] += g * kd[ko + rowJ + e];
                            dK[rowJ + e] += g * qd[qo + rowI + e];
                        }
                    }
                }
        store(dQ, dq);
        store(dK, dk);
        store(dV, dv);
    }

    private static void store(double[] src, Tensor dst) {
        ArrayTensor t = arr(dst);
        for (int i = 0; i < src.length; i++) t.data()[t.offset() + i] = (float) src[i];
    }

    // ---- losses -------------------------------------------------------------------------------------------

    @Override
    public float crossEntropy(Tensor logits, int[] labels, int ignoreIndex, Tensor dLogits) {
        if (labels.length != logits.rows())
            throw new IllegalArgumentException(labels.length + " labels for " + logits);
        if (dLogits != null) Checks.sameMatrix(logits, dLogits);
        ArrayTensor L = arr(logits);
        int n = logits.cols(), counted = 0;
        for (int r = 0; r < labels.length; r++) if (Checks.label(labels[r], ignoreIndex, n) >= 0) counted++;
        double loss = 0;
        for (int r = 0; r < labels.length; r++) {
            int label = Checks.label(labels[r], ignoreIndex, n), o = L.offset() + r * n;
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < n; j++) max = Math.max(max, L.data()[o + j]);
            for (int j = 0; j < n; j++) sum += Math.exp(L.data()[o + j] - max);
            if (label >= 0) loss += max + Math.log(sum) - L.data()[o + label];
            if (dLogits != null) {
                ArrayTensor D = arr(dLogits);
                for (int j = 0; j < n; j++)
                    D.data()[D.offset() + r * n + j] = label < 0 ? 0
                            : (float) ((Math.exp(L.data()[o + j] - max) / sum - (j == label ? 1 : 0)) / counted);
            }
        }
        return counted == 0 ? 0 : (float) (loss / counted);
    }

    // ---- optimiser ----------------------------------------------------------------------------------------

    @Override
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, int step) {
        Checks.adamw(param, grad, m, v, step);
        ArrayTensor P = arr(param), G = arr(grad), M = arr(m), V = arr(v);
        double bc1 = 1 - Math.pow(beta1, step), bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        for (int i = 0; i < param.size(); i++) {
            double p = P.data()[P.offset() + i], g = G.data()[G.offset() + i];
            p -= (double) lr * weightDecay * p;
            double mi = beta1 * (double) M.data()[M.offset() + i] + (1 - (double) beta1) * g;
            double vi = beta2 * (double) V.data()[V.offset() + i] + (1 - (double) beta2) * g * g;
            p -= lr / bc1 * mi / (Math.sqrt(vi) / bc2Sqrt + eps);
            P.data()[P.offset() + i] = (float) p;
            M.data()[M.offset() + i] = (float) mi;
            V.data()[V.offset() + i] = (float) vi;
        }
    }
}
