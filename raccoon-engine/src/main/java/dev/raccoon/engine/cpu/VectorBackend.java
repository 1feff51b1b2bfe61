package dev.raccoon.engine.cpu;

import dev.raccoon.engine.Checks;
import dev.raccoon.engine.Precision;
import dev.raccoon.engine.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The CPU backend: Vector API kernels (the preferred species, 16 floats with AVX-512) spread over a fixed team of
 * {@code threads} threads. Work below a threshold runs inline on the caller, so small tensors pay no hand-off.
 */
public final class VectorBackend extends ArrayBackend {
    private static final VectorSpecies<Float> S = Gemm.S;
    private static final int L = S.length();
    /** Roughly the flops a chunk must hold before handing it to another thread pays off (~20 µs). */
    private static final long PARALLEL_WORK = 1 << 18;
    private static final long GEMM_PARALLEL_FLOPS = 1 << 22;

    private final Parallel pool;

    public VectorBackend(int threads) { this(threads, Precision.FP32); }

    public VectorBackend(int threads, Precision precision) {
        super(precision);
        pool = new Parallel(threads);
    }

    @Override public String name() { return "cpu"; }

    @Override public int threads() { return pool.threads(); }

    @Override public void close() { pool.close(); }

    @FunctionalInterface
    private interface Range { void run(int from, int to); }

    /** Runs body over [0, n) in chunks across the team, or inline when n·workPerItem is small. */
    private void parallelFor(int n, long workPerItem, Range body) {
        int chunks = (int) Math.min(Math.min(n, 4L * pool.threads()), (long) n * workPerItem / PARALLEL_WORK);
        if (chunks <= 1) {
            body.run(0, n);
            return;
        }
        int fc = chunks;
        pool.forEach(fc, c -> body.run((int) ((long) n * c / fc), (int) ((long) n * (c + 1) / fc)));
    }

    // ---- linear algebra -----------------------------------------------------------------------------------

    @Override
    public void matmul(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, float alpha, float beta) {
        int[] mkn = Checks.matmulDims(a, transA, b, transB, c);
        int m = mkn[0], k = mkn[1], n = mkn[2];
        ArrayTensor A = productOperand(a), B = productOperand(b), C = arr(c);
        // A frozen weight is packed once instead of at every product: at 64 rows packing was a fifth of the time.
        float[] packedB = B.isConstant() && !transB ? B.packedRight() : null;
        int t = pool.threads();
        if (t == 1 || 2.0 * m * n * k < GEMM_PARALLEL_FLOPS) {
            Gemm.gemm(0, m, 0, n, k, alpha, A.data(), A.offset(), a.cols(), transA, B.data(), B.offset(), b.cols(),
                    transB, packedB, beta, C.data(), C.offset(), n);
            return;
        }
        // Split the larger of m and n into one part per thread: each thread then packs only its share of that
        // operand and all of the smaller one, so little packing is repeated.
        boolean splitRows = m >= n;
        int unit = splitRows ? Gemm.MR : Gemm.NR, units = ((splitRows ? m : n) + unit - 1) / unit;
        int parts = Math.min(t, units);
        pool.forEach(parts, p -> {
            int lo = Math.min(splitRows ? m : n, units * p / parts * unit);
            int hi = Math.min(splitRows ? m : n, units * (p + 1) / parts * unit);
            if (splitRows)
                Gemm.gemm(lo, hi, 0, n, k, alpha, A.data(), A.offset(), a.cols(), transA, B.data(), B.offset(),
                        b.cols(), transB, packedB, beta, C.data(), C.offset(), n);
            else
                Gemm.gemm(0, m, lo, hi, k, alpha, A.data(), A.offset(), a.cols(), transA, B.data(), B.offset(),
                        b.cols(), transB, packedB, beta, C.data(), C.offset(), n);
        });
    }

    @Override
    public void addBias(Tensor y, Tensor bias) {
        Checks.bias(y, bias);
        ArrayTensor Y = arr(y), B = arr(bias);
        int n = y.cols();
        parallelFor(y.rows(), n, (r0, r1) -> {
            for (int r = r0; r < r1; r++) addInto(B.data(), B.offset(), Y.data(), Y.offset() + r * n, n);
        });
    }

    /** y[yo …] += x[xo …] for n elements. */
    private static void addInto(float[] x, int xo, float[] y, int yo, int n) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L)
            FloatVector.fromArray(S, y, yo + j).add(FloatVector.fromArray(S, x, xo + j)).intoArray(y, yo + j);
        for (; j < n; j++) y[yo + j] += x[xo + j];
    }

    @Override
    public void sumRows(Tensor dy, Tensor db, float beta) {
        Checks.bias(dy, db);
        ArrayTensor D = arr(dy), B = arr(db);
        int n = dy.cols(), rows = dy.rows();
        // Columns split across threads in whole vectors; each thread sums its columns over all rows.
        int blocks = (n + L - 1) / L;
        parallelFor(blocks, rows * (long) L, (b0, b1) -> {
            int j0 = b0 * L, j1 = Math.min(n, b1 * L);
            float[] acc = new float[j1 - j0];
            for (int r = 0; r < rows; r++) addInto(D.data(), D.offset() + r * n + j0, acc, 0, j1 - j0);
            for (int j = j0; j < j1; j++) {
                int bi = B.offset() + j;
                B.data()[bi] = beta == 0 ? acc[j - j0] : acc[j - j0] + beta * B.data()[bi];
            }
        });
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        Checks.sameSize(a, b);
        Checks.sameSize(a, out);
        ArrayTensor A = arr(a), B = arr(b), O = arr(out);
        parallelFor(a.size(), 1, (i0, i1) -> {
            float[] ad = A.data(), bd = B.data(), od = O.data();
            int ao = A.offset(), bo = B.offset(), oo = O.offset(), i = i0;
            for (int bound = i0 + S.loopBound(i1 - i0); i < bound; i += L)
                FloatVector.fromArray(S, ad, ao + i).add(FloatVector.fromArray(S, bd, bo + i)).intoArray(od, oo + i);
            for (; i < i1; i++) od[oo + i] = ad[ao + i] + bd[bo + i];
        });
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        Checks.sameSize(x, y);
        ArrayTensor X = arr(x), Y = arr(y);
        parallelFor(x.size(), 2, (i0, i1) -> {
            float[] xd = X.data(), yd = Y.data();
            int xo = X.offset(), yo = Y.offset(), i = i0;
            for (int bound = i0 + S.loopBound(i1 - i0); i < bound; i += L)
                FloatVector.fromArray(S, xd, xo + i).fma(FloatVector.broadcast(S, alpha), FloatVector.fromArray(S, yd, yo + i))
                        .intoArray(yd, yo + i);
            for (; i < i1; i++) yd[yo + i] += alpha * xd[xo + i];
        });
    }

    @Override
    public void scale(Tensor x, float alpha) {
        ArrayTensor X = arr(x);
        parallelFor(x.size(), 1, (i0, i1) -> {
            float[] xd = X.data();
            int xo = X.offset(), i = i0;
            for (int bound = i0 + S.loopBound(i1 - i0); i < bound; i += L)
                FloatVector.fromArray(S, xd, xo + i).mul(alpha).intoArray(xd, xo + i);
            for (; i < i1; i++) xd[xo + i] *= alpha;
        });
    }

    @Override
    public double sumOfSquares(Tensor x) {
        ArrayTensor X = arr(x);
        float[] xd = X.data();
        int xo = X.offset(), n = x.size();
        // Float partial sums over blocks of 4096 elements, added up in double.
        double total = 0;
        for (int i0 = 0; i0 < n; i0 += 4096) {
            int i1 = Math.min(n, i0 + 4096), i = i0;
            FloatVector acc = FloatVector.zero(S);
            for (int bound = i0 + S.loopBound(i1 - i0); i < bound; i += L) {
                FloatVector v = FloatVector.fromArray(S, xd, xo + i);
                acc = v.fma(v, acc);
            }
            double s = VectorMath.sum(acc);
            for (; i < i1; i++) s += (double) xd[xo + i] * xd[xo + i];
            total += s;
        }
        return total;
    }

    // ---- activations ----------------------------------------------------------------------------------------

    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2)), INV_SQRT_2PI = (float) (1 / Math.sqrt(2 * Math.PI));

    /**
     * Φ(x) = erfc(−x/√2) / 2, with erfc from the Chebyshev fit of Numerical Recipes (erfcc): relative error below
     * 1.2e-7 over the whole line, so GELU keeps its accuracy in the negative tail too.
     */
    private static FloatVector phi(FloatVector x) {
        FloatVector t = x.mul(-INV_SQRT2), z = t.abs();
        FloatVector u = FloatVector.broadcast(S, 1f).div(z.fma(0.5f, 1f));
        FloatVector r = u.fma(0.17087277f, -0.82215223f);
        r = r.fma(u, FloatVector.broadcast(S, 1.48851587f));
        r = r.fma(u, FloatVector.broadcast(S, -1.13520398f));
        r = r.fma(u, FloatVector.broadcast(S, 0.27886807f));
        r = r.fma(u, FloatVector.broadcast(S, -0.18628806f));
        r = r.fma(u, FloatVector.broadcast(S, 0.09678418f));
        r = r.fma(u, FloatVector.broadcast(S, 0.37409196f));
        r = r.fma(u, FloatVector.broadcast(S, 1.00002368f));
        r = r.fma(u, FloatVector.broadcast(S, -1.26551223f));
        FloatVector erfc = u.mul(VectorMath.exp(r.sub(z.mul(z))));
        erfc = erfc.blend(erfc.neg().add(2f), t.lt(0f));
        return erfc.mul(0.5f);
    }

    private static FloatVector gelu(FloatVector x) { return x.mul(phi(x)); }

    /** d gelu / dx = Φ(x) + x·φ(x). */
    private static FloatVector geluGrad(FloatVector x) {
        FloatVector pdf = VectorMath.exp(x.mul(x).mul(-0.5f)).mul(INV_SQRT_2PI);
        return x.fma(pdf, phi(x));
    }

    @Override
    public void gelu(Tensor x, Tensor out) {
        Checks.sameSize(x, out);
        ArrayTensor X = arr(x), O = arr(out);
        parallelFor(x.size(), 40, (i0, i1) -> {
            float[] xd = X.data(), od = O.data();
            int xo = X.offset(), oo = O.offset(), i = i0;
            for (int bound = i0 + S.loopBound(i1 - i0); i < bound; i += L)
                gelu(FloatVector.fromArray(S, xd, xo + i)).intoArray(od, oo + i);
            if (i < i1) {
                VectorMask<Float> m = S.indexInRange(i, i1);
                gelu(FloatVector.fromArray(S, xd, xo + i, m)).intoArray(od, oo + i, m);
            }
        });
    }

    @Override
    public void biasGelu(Tensor x, Tensor bias, Tensor out) {
        Checks.bias(x, bias);
        Checks.sameMatrix(x, out);
        ArrayTensor X = arr(x), B = arr(bias), O = arr(out);
        int n = x.cols();
        parallelFor(x.rows(), 40L * n, (r0, r1) -> {
            float[] xd = X.data(), bd = B.data(), od = O.data();
            int bo = B.offset();
            for (int r = r0; r < r1; r++) {
                int xo = X.offset() + r * n, oo = O.offset() + r * n, j = 0;
                for (int bound = S.loopBound(n); j < bound; j += L) {
                    FloatVector pre = FloatVector.fromArray(S, xd, xo + j).add(FloatVector.fromArray(S, bd, bo + j));
                    pre.intoArray(xd, xo + j);
                    gelu(pre).intoArray(od, oo + j);
                }
                if (j < n) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector pre = FloatVector.fromArray(S, xd, xo + j, m).add(FloatVector.fromArray(S, bd, bo + j, m));
                    pre.intoArray(xd, xo + j, m);
                    gelu(pre).intoArray(od, oo + j, m);
                }
            }
        });
    }

    @Override
    public void geluBackward(Tensor x, Tensor dOut, Tensor dx) {
        Checks.sameSize(x, dOut);
        Checks.sameSize(x, dx);
        ArrayTensor X = arr(x), G = arr(dOut), D = arr(dx);
        parallelFor(x.size(), 50, (i0, i1) -> {
            float[] xd = X.data(), gd = G.data(), dd = D.data();
            int xo = X.offset(), go = G.offset(), dof = D.offset(), i = i0;
            for (int bound = i0 + S.loopBound(i1 - i0); i < bound; i += L)
                geluGrad(FloatVector.fromArray(S, xd, xo + i)).mul(FloatVector.fromArray(S, gd, go + i)).intoArray(dd, dof + i);
            if (i < i1) {
                VectorMask<Float> m = S.indexInRange(i, i1);
                geluGrad(FloatVector.fromArray(S, xd, xo + i, m)).mul(FloatVector.fromArray(S, gd, go + i, m))
                        .intoArray(dd, dof + i, m);
            }
        });
    }

    @Override
    public void tanh(Tensor x, Tensor out) {
        Checks.sameSize(x, out);
        ArrayTensor X = arr(x), O = arr(out);
        parallelFor(x.size(), 20, (i0, i1) -> {
            float[] xd = X.data(), od = O.data();
            int xo = X.offset(), oo = O.offset(), i = i0;
            for (int bound = i0 + S.loopBound(i1 - i0); i < bound; i += L)
                VectorMath.tanh(FloatVector.fromArray(S, xd, xo + i)).intoArray(od, oo + i);
            if (i < i1) {
                VectorMask<Float> m = S.indexInRange(i, i1);
                VectorMath.tanh(FloatVector.fromArray(S, xd, xo + i, m)).intoArray(od, oo + i, m);
            }
        });
    }

    @Override
    public void tanhBackward(Tensor y, Tensor dOut, Tensor dx) {
        Checks.sameSize(y, dOut);
        Checks.sameSize(y, dx);
        ArrayTensor Y = arr(y), G = arr(dOut), D = arr(dx);
        parallelFor(y.size(), 2, (i0, i1) -> {
            for (int i = i0; i < i1; i += L) {
                VectorMask<Float> m = S.indexInRange(i, i1);
                FloatVector t = FloatVector.fromArray(S, Y.data(), Y.offset() + i, m);
                FloatVector g = FloatVector.fromArray(S, G.data(), G.offset() + i, m);
                t.neg().fma(t, FloatVector.broadcast(S, 1f)).mul(g).intoArray(D.data(), D.offset() + i, m);
            }
        });
    }

    @Override
    public void softmax(Tensor x, Tensor out) {
        Checks.sameMatrix(x, out);
        ArrayTensor X = arr(x), O = arr(out);
        int n = x.cols();
        parallelFor(x.rows(), 20L * n, (r0, r1) -> {
            for (int r = r0; r < r1; r++) softmaxRow(X.data(), X.offset() + r * n, O.data(), O.offset() + r * n, n);
        });
    }

    /** out = softmax(x) over n elements; returns nothing, works in place when out == x. */
    private static void softmaxRow(float[] x, int xo, float[] out, int oo, int n) {
        float max = max(x, xo, n);
        float sum = expShifted(x, xo, out, oo, n, max);
        float inv = 1 / sum;
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L)
            FloatVector.fromArray(S, out, oo + j).mul(inv).intoArray(out, oo + j);
        for (; j < n; j++) out[oo + j] *= inv;
    }

    private static float max(float[] x, int xo, int n) {
        FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) mv = mv.max(FloatVector.fromArray(S, x, xo + j));
        float max = mv.reduceLanes(VectorOperators.MAX); // unlike a sum, a maximum does not depend on the order
        for (; j < n; j++) max = Math.max(max, x[xo + j]);
        return max;
    }

    /** out = exp(x − max); returns the sum. */
    private static float expShifted(float[] x, int xo, float[] out, int oo, int n, float max) {
        FloatVector sum = FloatVector.zero(S);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(S, x, xo + j).sub(max));
            sum = sum.add(e);
            e.intoArray(out, oo + j);
        }
        if (j < n) { // the tail's lanes join the same per-lane sums, so the result does not depend on n mod L
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector e = VectorMath.exp(FloatVector.fromArray(S, x, xo + j, m).sub(max));
            sum = sum.add(e, m);
            e.intoArray(out, oo + j, m);
        }
        return VectorMath.sum(sum);
    }

    @Override
    public void dropout(Tensor x, float p, long seed, Tensor out) {
        Checks.sameSize(x, out);
        float scale = CpuMath.dropoutScale(p);
        if (p == 0) {
            copy(x, out);
            return;
        }
        ArrayTensor X = arr(x), O = arr(out);
        parallelFor(x.size(), 8, (i0, i1) -> {
            float[] xd = X.data(), od = O.data();
            int xo = X.offset(), oo = O.offset();
            VectorMath.dropout(xd, xo + i0, od, oo + i0, i1 - i0, seed, i0, p, scale);
        });
    }

    // ---- normalisation --------------------------------------------------------------------------------------

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor out, Tensor mean, Tensor rstd) {
        Checks.layerNorm(x, gamma, beta, out, mean, rstd);
        layerNorm(x, null, gamma, beta, eps, out, mean, rstd);
    }

    @Override
    public void residualLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps, Tensor out,
                                  Tensor mean, Tensor rstd) {
        Checks.layerNorm(x, gamma, beta, out, mean, rstd);
        Checks.sameMatrix(x, residual);
        layerNorm(x, residual, gamma, beta, eps, out, mean, rstd);
    }

    /** LayerNorm of x, or of x += residual when residual is not null: the add rides on the pass for the mean. */
    private void layerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps, Tensor out, Tensor mean,
                           Tensor rstd) {
        ArrayTensor X = arr(x), G = arr(gamma), B = arr(beta), O = arr(out), R = residual == null ? null : arr(residual);
        int n = x.cols();
        parallelFor(x.rows(), 8L * n, (r0, r1) -> {
            float[] xd = X.data(), od = O.data(), gd = G.data(), bd = B.data();
            for (int r = r0; r < r1; r++) {
                int xo = X.offset() + r * n, oo = O.offset() + r * n;
                // Full vectors first, then one masked tail: masked accesses on every step cost ~2× here.
                int full = S.loopBound(n), j;
                FloatVector acc = FloatVector.zero(S);
                if (R != null) {
                    float[] rd = R.data();
                    int ro = R.offset() + r * n;
                    for (j = 0; j < full; j += L) {
                        FloatVector sum = FloatVector.fromArray(S, xd, xo + j).add(FloatVector.fromArray(S, rd, ro + j));
                        sum.intoArray(xd, xo + j);
                        acc = acc.add(sum);
                    }
                    if (j < n) {
                        VectorMask<Float> m = S.indexInRange(j, n);
                        FloatVector sum = FloatVector.fromArray(S, xd, xo + j, m).add(FloatVector.fromArray(S, rd, ro + j, m));
                        sum.intoArray(xd, xo + j, m);
                        acc = acc.add(sum);
                    }
                } else {
                    for (j = 0; j < full; j += L) acc = acc.add(FloatVector.fromArray(S, xd, xo + j));
                    if (j < n) acc = acc.add(FloatVector.fromArray(S, xd, xo + j, S.indexInRange(j, n)));
                }
                float mu = VectorMath.sum(acc) / n;
                acc = FloatVector.zero(S);
                for (j = 0; j < full; j += L) {
                    FloatVector d = FloatVector.fromArray(S, xd, xo + j).sub(mu);
                    acc = d.fma(d, acc);
                }
                if (j < n) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector d = FloatVector.fromArray(S, xd, xo + j, m).sub(mu);
                    acc = d.fma(d, acc).blend(acc, m.not());
                }
                float rs = (float) (1 / Math.sqrt(VectorMath.sum(acc) / n + (double) eps));
                int go = G.offset(), bo = B.offset();
                for (j = 0; j < full; j += L)
                    FloatVector.fromArray(S, xd, xo + j).sub(mu).mul(rs)
                            .fma(FloatVector.fromArray(S, gd, go + j), FloatVector.fromArray(S, bd, bo + j)).intoArray(od, oo + j);
                if (j < n) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector.fromArray(S, xd, xo + j, m).sub(mu).mul(rs)
                            .fma(FloatVector.fromArray(S, gd, go + j, m), FloatVector.fromArray(S, bd, bo + j, m))
                            .intoArray(od, oo + j, m);
                }
                if (mean != null) arr(mean).data()[arr(mean).offset() + r] = mu;
                if (rstd != null) arr(rstd).data()[arr(rstd).offset() + r] = rs;
            }
        });
    }

    @Override
    public void layerNormBackward(Tensor dOut, Tensor x, Tensor gamma, Tensor mean, Tensor rstd,
                                  Tensor dx, Tensor dGamma, Tensor dBeta) {
        Checks.layerNormBackward(dOut, x, gamma, mean, rstd, dx, dGamma, dBeta);
        ArrayTensor D = arr(dOut), X = arr(x), G = arr(gamma), M = arr(mean), R = arr(rstd), DX = arr(dx);
        int n = x.cols(), rows = x.rows();
        // Each chunk of rows accumulates its own dGamma/dBeta partials; they are added up at the end.
        int chunks = (int) Math.max(1, Math.min(pool.threads(), (long) rows * n * 10 / PARALLEL_WORK));
        float[][] dg = new float[chunks][n], db = new float[chunks][n];
        pool.forEach(chunks, c -> {
            float[] dd = D.data(), xd = X.data(), gd = G.data(), dxd = DX.data(), pg = dg[c], pb = db[c];
            for (int r = (int) ((long) rows * c / chunks), r1 = (int) ((long) rows * (c + 1) / chunks); r < r1; r++) {
                float mu = M.data()[M.offset() + r], rs = R.data()[R.offset() + r];
                int xo = X.offset() + r * n, dO = D.offset() + r * n;
                // dx = rstd · (g − mean(g) − x̂ · mean(g · x̂)) with g = dOut · gamma
                FloatVector sg = FloatVector.zero(S), sgx = FloatVector.zero(S);
                for (int j = 0; j < n; j += L) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector xh = FloatVector.fromArray(S, xd, xo + j, m).sub(mu).mul(rs);
                    FloatVector d = FloatVector.fromArray(S, dd, dO + j, m);
                    FloatVector g = d.mul(FloatVector.fromArray(S, gd, G.offset() + j, m));
                    sg = sg.add(g);
                    sgx = g.fma(xh, sgx);
                    d.fma(xh, FloatVector.fromArray(S, pg, j, m)).intoArray(pg, j, m);
                    d.add(FloatVector.fromArray(S, pb, j, m)).intoArray(pb, j, m);
                }
                float meanG = VectorMath.sum(sg) / n, meanGX = VectorMath.sum(sgx) / n;
                for (int j = 0; j < n; j += L) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector xh = FloatVector.fromArray(S, xd, xo + j, m).sub(mu).mul(rs);
                    FloatVector g = FloatVector.fromArray(S, dd, dO + j, m).mul(FloatVector.fromArray(S, gd, G.offset() + j, m));
                    g.sub(meanG).sub(xh.mul(meanGX)).mul(rs).intoArray(dxd, DX.offset() + r * n + j, m);
                }
            }
        });
        for (int c = 0; c < chunks; c++) {
            addInto(dg[c], 0, arr(dGamma).data(), arr(dGamma).offset(), n);
            addInto(db[c], 0, arr(dBeta).data(), arr(dBeta).offset(), n);
        }
    }

    // ---- attention ----------------------------------------------------------------------------------------

    /** Per-thread seq × seq score buffers for attention (two for the backward pass). */
    private static final ThreadLocal<float[][]> ATTN = ThreadLocal.withInitial(() -> new float[2][0]);

    private static float[] attnScratch(int which, int size) {
        float[][] s = ATTN.get();
        if (s[which].length < size) s[which] = new float[size];
        return s[which];
    }

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, int[] mask, int batch, int seq, int heads,
                          float dropout, long dropoutSeed, Tensor out, Tensor probs) {
        Checks.attention(q, k, v, mask, batch, seq, heads, out, probs);
        float dropScale = CpuMath.dropoutScale(dropout);
        ArrayTensor V = arr(v), O = arr(out);
        int width = q.cols(), d = width / heads;
        pool.forEach(batch * heads, bh -> {
            int b = bh / heads, h = bh % heads, rowOff = b * seq * width + h * d;
            float[] p = attnScratch(0, seq * seq);
            probabilities(q, k, mask, b, seq, heads, h, p);
            if (dropout > 0) dropProbabilities(p, seq, (long) bh * seq * seq, dropout, dropScale, dropoutSeed);
            if (probs != null)
                System.arraycopy(p, 0, arr(probs).data(), arr(probs).offset() + bh * seq * seq, seq * seq);
            Gemm.gemm(0, seq, 0, d, seq, 1, p, 0, seq, false, V.data(), V.offset() + rowOff, width, false, null,
                    0, O.data(), O.offset() + rowOff, width);
        });
    }

    /** Softmax(Q Kᵀ / √d + mask) of head h in sequence b, before dropout, into p (seq × seq). */
    private static void probabilities(Tensor q, Tensor k, int[] mask, int b, int seq, int heads, int h, float[] p) {
        ArrayTensor Q = arr(q), K = arr(k);
        int width = q.cols(), d = width / heads, rowOff = b * seq * width + h * d;
        Gemm.gemm(0, seq, 0, seq, d, 1 / (float) Math.sqrt(d), Q.data(), Q.offset() + rowOff, width, false,
                K.data(), K.offset() + rowOff, width, true, null, 0, p, 0, seq);
        boolean padded = false;
        for (int j = 0; j < seq; j++) padded |= mask[b * seq + j] == 0;
        for (int i = 0; i < seq; i++) {
            if (padded)
                for (int j = 0; j < seq; j++) if (mask[b * seq + j] == 0) p[i * seq + j] += CpuMath.MASK_VALUE;
            softmaxRow(p, i * seq, p, i * seq, seq);
        }
    }

    /** Applies the dropout mask of probs elements base … base + seq² − 1 in place. */
    private static void dropProbabilities(float[] p, int seq, long base, float dropout, float scale, long seed) {
        VectorMath.dropout(p, 0, p, 0, seq * seq, seed, base, dropout, scale);
    }

    @Override
    public void attentionBackward(Tensor dOut, Tensor q, Tensor k, Tensor v, Tensor probs, int[] mask,
                                  int batch, int seq, int heads, float dropout, long dropoutSeed,
                                  Tensor dq, Tensor dk, Tensor dv) {
        Checks.attention(q, k, v, mask, batch, seq, heads, dOut, probs);
        for (Tensor t : new Tensor[] {dq, dk, dv}) Checks.sameMatrix(q, t);
        float dropScale = CpuMath.dropoutScale(dropout);
        ArrayTensor Q = arr(q), K = arr(k), V = arr(v), G = arr(dOut), DQ = arr(dq), DK = arr(dk), DV = arr(dv);
        int width = q.cols(), d = width / heads;
        float scale = 1 / (float) Math.sqrt(d);
        pool.forEach(batch * heads, bh -> {
            int b = bh / heads, h = bh % heads, rowOff = b * seq * width + h * d, n2 = seq * seq;
            long base = (long) bh * n2;
            float[] p = attnScratch(0, n2), dp = attnScratch(1, n2);
            // The pre-dropout probabilities are not recoverable from the dropped ones: recompute them.
            if (dropout == 0 && probs != null) System.arraycopy(arr(probs).data(), arr(probs).offset() + bh * n2, p, 0, n2);
            else probabilities(q, k, mask, b, seq, heads, h, p);
            // dV = P'ᵀ dO with P' the dropped probabilities (p is turned into P' and back, exactly, below)
            if (dropout > 0) {
                System.arraycopy(p, 0, dp, 0, n2);
                dropProbabilities(dp, seq, base, dropout, dropScale, dropoutSeed);
                Gemm.gemm(0, seq, 0, d, seq, 1, dp, 0, seq, true, G.data(), G.offset() + rowOff, width, false, null,
                        0, DV.data(), DV.offset() + rowOff, width);
            } else {
                Gemm.gemm(0, seq, 0, d, seq, 1, p, 0, seq, true, G.data(), G.offset() + rowOff, width, false, null,
                        0, DV.data(), DV.offset() + rowOff, width);
            }
            // dP = dO Vᵀ, through the dropout mask; then dS = P ⊙ (dP − rowsum(P ⊙ dP))
            Gemm.gemm(0, seq, 0, seq, d, 1, G.data(), G.offset() + rowOff, width, false, V.data(), V.offset() + rowOff,
                    width, true, null, 0, dp, 0, seq);
            if (dropout > 0) dropProbabilities(dp, seq, base, dropout, dropScale, dropoutSeed);
            for (int i = 0; i < seq; i++) {
                int o = i * seq;
                FloatVector acc = FloatVector.zero(S);
                for (int j = 0; j < seq; j += L) {
                    VectorMask<Float> m = S.indexInRange(j, seq);
                    acc = FloatVector.fromArray(S, p, o + j, m).fma(FloatVector.fromArray(S, dp, o + j, m), acc);
                }
                float dot = VectorMath.sum(acc);
                for (int j = 0; j < seq; j += L) {
                    VectorMask<Float> m = S.indexInRange(j, seq);
                    FloatVector.fromArray(S, dp, o + j, m).sub(dot).mul(FloatVector.fromArray(S, p, o + j, m))
                            .intoArray(dp, o + j, m);
                }
            }
            // dQ = dS K / √d, dK = dSᵀ Q / √d
            Gemm.gemm(0, seq, 0, d, seq, scale, dp, 0, seq, false, K.data(), K.offset() + rowOff, width, false, null,
                    0, DQ.data(), DQ.offset() + rowOff, width);
            Gemm.gemm(0, seq, 0, d, seq, scale, dp, 0, seq, true, Q.data(), Q.offset() + rowOff, width, false, null,
                    0, DK.data(), DK.offset() + rowOff, width);
        });
    }

    // ---- losses -------------------------------------------------------------------------------------------

    @Override
    public float crossEntropy(Tensor logits, int[] labels, int ignoreIndex, Tensor dLogits) {
        if (labels.length != logits.rows())
            throw new IllegalArgumentException(labels.length + " labels for " + logits);
        if (dLogits != null) Checks.sameMatrix(logits, dLogits);
        ArrayTensor Lg = arr(logits);
        int n = logits.cols(), rows = labels.length, counted = 0;
        for (int label : labels) if (Checks.label(label, ignoreIndex, n) >= 0) counted++;
        double[] rowLoss = new double[rows];
        float invCount = counted == 0 ? 0 : 1f / counted;
        parallelFor(rows, 20L * n, (r0, r1) -> {
            float[] ld = Lg.data();
            for (int r = r0; r < r1; r++) {
                int label = Checks.label(labels[r], ignoreIndex, n), o = Lg.offset() + r * n;
                float max = max(ld, o, n);
                if (dLogits == null) {
                    if (label < 0) continue;
                    FloatVector sum = FloatVector.zero(S);
                    for (int j = 0; j < n; j += L) {
                        VectorMask<Float> m = S.indexInRange(j, n);
                        sum = sum.add(VectorMath.exp(FloatVector.fromArray(S, ld, o + j, m).sub(max)), m);
                    }
                    rowLoss[r] = max + Math.log(VectorMath.sum(sum)) - ld[o + label];
                    continue;
                }
                ArrayTensor D = arr(dLogits);
                int dOff = D.offset() + r * n;
                if (label < 0) {
                    java.util.Arrays.fill(D.data(), dOff, dOff + n, 0);
                    continue;
                }
                float sum = expShifted(ld, o, D.data(), dOff, n, max);
                rowLoss[r] = max + Math.log(sum) - ld[o + label];
                float f = invCount / sum;
                for (int j = 0; j < n; j += L) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector.fromArray(S, D.data(), dOff + j, m).mul(f).intoArray(D.data(), dOff + j, m);
                }
                D.data()[dOff + label] -= invCount;
            }
        });
        double loss = 0;
        for (double l : rowLoss) loss += l;
        return counted == 0 ? 0 : (float) (loss / counted);
    }

    // ---- optimiser ----------------------------------------------------------------------------------------

    @Override
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, int step) {
        Checks.adamw(param, grad, m, v, step);
        ArrayTensor P = arr(param), Gr = arr(grad), M = arr(m), Vv = arr(v);
        float decay = 1 - lr * weightDecay, stepSize = (float) (lr / (1 - Math.pow(beta1, step)));
        float invBc2Sqrt = (float) (1 / Math.sqrt(1 - Math.pow(beta2, step)));
        parallelFor(param.size(), 12, (i0, i1) -> {
            float[] pd = P.data(), gd = Gr.data(), md = M.data(), vd = Vv.data();
            for (int i = i0; i < i1; i += L) {
                VectorMask<Float> mk = S.indexInRange(i, i1);
                FloatVector g = FloatVector.fromArray(S, gd, Gr.offset() + i, mk);
                FloatVector mi = FloatVector.fromArray(S, md, M.offset() + i, mk).mul(beta1).add(g.mul(1 - beta1));
                FloatVector vi = FloatVector.fromArray(S, vd, Vv.offset() + i, mk).mul(beta2).add(g.mul(g).mul(1 - beta2));
                FloatVector denom = vi.sqrt().mul(invBc2Sqrt).add(eps);
                FloatVector p = FloatVector.fromArray(S, pd, P.offset() + i, mk).mul(decay);
                p.sub(mi.mul(stepSize).div(denom)).intoArray(pd, P.offset() + i, mk);
                mi.intoArray(md, M.offset() + i, mk);
                vi.intoArray(vd, Vv.offset() + i, mk);
            }
        });
    }
}
