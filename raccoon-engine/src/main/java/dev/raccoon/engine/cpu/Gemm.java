package dev.raccoon.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packed, cache-blocked single-precision GEMM on row-major arrays (Goto/BLIS structure):
 * {@code C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C}.
 *
 * <p>op(B) is packed into NR-column slivers (kc × NR, NR = two vectors) and a transposed A into MR-row slivers
 * (MR × kc), so the micro-kernel reads both with unit stride whatever the transposes were; a row-major A already
 * has unit stride along k and is read in place. The micro-kernel keeps an MR × NR tile of C in 2·MR vector
 * registers. Loop order: jc (NC) → pc (KC, pack B) → ic (MC, pack Aᵀ)
 * → jr → ir; the B sliver (kc × NR) is reused from L1/L2 across the ir loop, the A block (mc × kc) from L2,
 * the B panel (kc × nc) from L3. Sizes were tuned on Zen 4 (1 MiB L2 per core).
 */
final class Gemm {
    private Gemm() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final int MR = 8, NR = 2 * L;
    static final int KC = 512, MC = 72, NC = 3072;
    /** k steps per pass when packing a transposed operand. */
    private static final int TRANSPOSE_RUN = 16;

    /** Per-thread packing buffers, grown on demand and then reused. */
    private static final ThreadLocal<float[][]> SCRATCH =
            ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0], new float[MR * NR]});

    /**
     * The block of C rows [i0, i1) × columns [j0, j1), single-threaded. Disjoint blocks may run concurrently.
     * {@code packedB}, when not null, is {@link #packRight} of op(B) and is read instead of packing B (j0 must
     * then be a multiple of NR).
     */
    static void gemm(int i0, int i1, int j0, int j1, int k, float alpha,
                     float[] a, int aOff, int lda, boolean transA,
                     float[] b, int bOff, int ldb, boolean transB, float[] packedB,
                     float beta, float[] c, int cOff, int ldc) {
        if (i0 >= i1 || j0 >= j1) return;
        if (k == 0) {
            for (int i = i0; i < i1; i++)
                for (int j = j0; j < j1; j++) {
                    int ci = cOff + i * ldc + j;
                    c[ci] = beta == 0 ? 0 : beta * c[ci];
                }
            return;
        }
        float[][] scratch = SCRATCH.get();
        int kcMax = Math.min(k, KC);
        if (packedB != null && j0 % NR != 0) throw new IllegalArgumentException("a packed B needs j0 on a sliver, got " + j0);
        int aNeed = transA ? roundUp(Math.min(i1 - i0, MC), MR) * kcMax : 0;
        int bNeed = packedB != null ? 0 : roundUp(Math.min(j1 - j0, NC), NR) * kcMax;
        if (scratch[0].length < aNeed) scratch[0] = new float[aNeed];
        if (scratch[1].length < bNeed) scratch[1] = new float[bNeed];
        float[] ap = scratch[0], bp = packedB != null ? packedB : scratch[1], tile = scratch[2];
        int nPadded = packedB != null ? packedB.length / k : 0; // packRight's layout: k rows of roundUp(n, NR)

        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float betaEff = pc == 0 ? beta : 1;
                int panel = packedB != null ? pc * nPadded + jc * kc : 0;
                if (packedB == null) packB(b, bOff, ldb, transB, pc, kc, jc, nc, bp, 0);
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    // A row-major already has unit stride along k: the kernel reads its rows in place. Packing it
                    // is a scalar transpose that cost as much as the multiply when m is small.
                    if (transA) packA(a, aOff, lda, ic, mc, pc, kc, ap);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir);
                            int cij = cOff + (ic + ir) * ldc + jc + jr;
                            if (transA) kernel(kc, ap, ir * kc, 1, MR, bp, panel + jr * kc, c, cij, ldc, mr, nr, alpha, betaEff, tile);
                            else kernel(kc, a, aOff + (ic + ir) * lda + pc, lda, 1, bp, panel + jr * kc, c, cij, ldc, mr, nr,
                                    alpha, betaEff, tile);
                        }
                    }
                }
            }
        }
    }

    private static int roundUp(int x, int r) { return (x + r - 1) / r * r; }

    /** Aᵀ[ic : ic+mc, pc : pc+kc] into MR-row slivers: sliver s holds ap[s·MR·kc + p·MR + r], zero-padded. */
    private static void packA(float[] a, int aOff, int lda, int ic, int mc, int pc, int kc, float[] ap) {
        for (int s = 0; s < mc; s += MR) {
            int rows = Math.min(MR, mc - s), base = s * kc;
            for (int p = 0; p < kc; p++) {
                int src = aOff + (pc + p) * lda + ic + s, dst = base + p * MR;
                for (int r = 0; r < rows; r++) ap[dst + r] = a[src + r];
                for (int r = rows; r < MR; r++) ap[dst + r] = 0;
            }
        }
    }

    /**
     * A row-major B [k, n] packed whole, as {@link #gemm} reads it: each KC block of rows pc in turn, at
     * pc · roundUp(n, NR), laid out as {@link #packB} lays out a panel of all n columns. A block of columns from jc
     * (a multiple of NR) then starts at pc · roundUp(n, NR) + jc · kc.
     */
    static float[] packRight(float[] b, int bOff, int ldb, int k, int n) {
        int nPadded = roundUp(n, NR);
        float[] packed = new float[Math.multiplyExact(k, nPadded)];
        for (int pc = 0; pc < k; pc += KC) packB(b, bOff, ldb, false, pc, Math.min(KC, k - pc), 0, n, packed, pc * nPadded);
        return packed;
    }

    /**
     * op(B)[pc : pc+kc, jc : jc+nc] into NR-column slivers from bp[bpOff]: sliver t holds
     * bp[bpOff + t·NR·kc + p·NR + j], zero-padded.
     */
    private static void packB(float[] b, int bOff, int ldb, boolean transB, int pc, int kc, int jc, int nc, float[] bp,
                              int bpOff) {
        for (int t = 0; t < nc; t += NR) {
            int cols = Math.min(NR, nc - t), base = bpOff + t * kc;
            if (transB) {
                // A transpose: go through k in short runs so the written part of the sliver stays in L1.
                for (int p0 = 0; p0 < kc; p0 += TRANSPOSE_RUN) {
                    int p1 = Math.min(kc, p0 + TRANSPOSE_RUN);
                    for (int j = 0; j < cols; j++) {
                        int src = bOff + (jc + t + j) * ldb + pc;
                        for (int p = p0; p < p1; p++) bp[base + p * NR + j] = b[src + p];
                    }
                    for (int j = cols; j < NR; j++)
                        for (int p = p0; p < p1; p++) bp[base + p * NR + j] = 0;
                }
            } else if (cols == NR) {
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (pc + p) * ldb + jc + t, dst = base + p * NR;
                    FloatVector.fromArray(S, b, src).intoArray(bp, dst);
                    FloatVector.fromArray(S, b, src + L).intoArray(bp, dst + L);
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (pc + p) * ldb + jc + t, dst = base + p * NR;
                    for (int j = 0; j < cols; j++) bp[dst + j] = b[src + j];
                    for (int j = cols; j < NR; j++) bp[dst + j] = 0;
                }
            }
        }
    }

    /**
     * C tile (mr × nr at cOff) = alpha · A rows · Bpanel + beta · C tile, with the full MR × NR in registers.
     * Row r of A is ap[ai + r·rowStep + p·kStep] (a packed sliver, or A itself); rows past mr repeat the last
     * one, so an edge tile never reads outside A, and their results are dropped.
     */
    private static void kernel(int kc, float[] ap, int ai, int rowStep, int kStep, float[] bp, int bi, float[] c,
                               int cOff, int ldc, int mr, int nr, float alpha, float beta, float[] tile) {
        int a0 = ai, a1 = ai + Math.min(1, mr - 1) * rowStep, a2 = ai + Math.min(2, mr - 1) * rowStep;
        int a3 = ai + Math.min(3, mr - 1) * rowStep, a4 = ai + Math.min(4, mr - 1) * rowStep;
        int a5 = ai + Math.min(5, mr - 1) * rowStep, a6 = ai + Math.min(6, mr - 1) * rowStep;
        int a7 = ai + Math.min(7, mr - 1) * rowStep;
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
        for (int p = 0, q = 0; p < kc; p++, q += kStep, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector a = FloatVector.broadcast(S, ap[a0 + q]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[a1 + q]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[a2 + q]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[a3 + q]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[a4 + q]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[a5 + q]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ap[a6 + q]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ap[a7 + q]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
        }
        // The tile is first scaled in registers; a full tile then updates C directly, an edge tile through tile[].
        FloatVector va = FloatVector.broadcast(S, alpha);
        c00 = c00.mul(va);
        c01 = c01.mul(va);
        c10 = c10.mul(va);
        c11 = c11.mul(va);
        c20 = c20.mul(va);
        c21 = c21.mul(va);
        c30 = c30.mul(va);
        c31 = c31.mul(va);
        c40 = c40.mul(va);
        c41 = c41.mul(va);
        c50 = c50.mul(va);
        c51 = c51.mul(va);
        c60 = c60.mul(va);
        c61 = c61.mul(va);
        c70 = c70.mul(va);
        c71 = c71.mul(va);
        if (mr == MR && nr == NR) {
            if (beta != 0) {
                FloatVector vb = FloatVector.broadcast(S, beta);
                c00 = FloatVector.fromArray(S, c, cOff).fma(vb, c00);
                c01 = FloatVector.fromArray(S, c, cOff + L).fma(vb, c01);
                c10 = FloatVector.fromArray(S, c, cOff + ldc).fma(vb, c10);
                c11 = FloatVector.fromArray(S, c, cOff + ldc + L).fma(vb, c11);
                c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc).fma(vb, c20);
                c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + L).fma(vb, c21);
                c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc).fma(vb, c30);
                c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + L).fma(vb, c31);
                c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc).fma(vb, c40);
                c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + L).fma(vb, c41);
                c50 = FloatVector.fromArray(S, c, cOff + 5 * ldc).fma(vb, c50);
                c51 = FloatVector.fromArray(S, c, cOff + 5 * ldc + L).fma(vb, c51);
                c60 = FloatVector.fromArray(S, c, cOff + 6 * ldc).fma(vb, c60);
                c61 = FloatVector.fromArray(S, c, cOff + 6 * ldc + L).fma(vb, c61);
                c70 = FloatVector.fromArray(S, c, cOff + 7 * ldc).fma(vb, c70);
                c71 = FloatVector.fromArray(S, c, cOff + 7 * ldc + L).fma(vb, c71);
            }
            c00.intoArray(c, cOff);
            c01.intoArray(c, cOff + L);
            c10.intoArray(c, cOff + ldc);
            c11.intoArray(c, cOff + ldc + L);
            c20.intoArray(c, cOff + 2 * ldc);
            c21.intoArray(c, cOff + 2 * ldc + L);
            c30.intoArray(c, cOff + 3 * ldc);
            c31.intoArray(c, cOff + 3 * ldc + L);
            c40.intoArray(c, cOff + 4 * ldc);
            c41.intoArray(c, cOff + 4 * ldc + L);
            c50.intoArray(c, cOff + 5 * ldc);
            c51.intoArray(c, cOff + 5 * ldc + L);
            c60.intoArray(c, cOff + 6 * ldc);
            c61.intoArray(c, cOff + 6 * ldc + L);
            c70.intoArray(c, cOff + 7 * ldc);
            c71.intoArray(c, cOff + 7 * ldc + L);
            return;
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, 0 + L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + L);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + L);
        for (int r = 0; r < mr; r++)
            for (int j = 0; j < nr; j++) {
                int ci = cOff + r * ldc + j;
                c[ci] = beta == 0 ? tile[r * NR + j] : tile[r * NR + j] + beta * c[ci];
            }
    }
}
