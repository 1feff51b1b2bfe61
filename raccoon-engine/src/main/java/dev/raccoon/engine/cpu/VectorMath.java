package dev.raccoon.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane sums and transcendentals whose results do not depend on the JIT tier. {@code reduceLanes(ADD)} leaves the
 * summation order unspecified (the Java fallback adds lane by lane, C2 in a tree) and lanewise EXP/TANH are
 * computed by the fallback with {@code Math} but by C2 with SVML-style stubs, so the same kernel returned other
 * bits once C2 compiled it. Everything here is built from lane moves and IEEE add/mul/fma/div, exact on every tier.
 */
final class VectorMath {
    private VectorMath() {}

    private static final VectorSpecies<Float> S = Gemm.S;
    /** ROTATE[i] moves lane j + 2^i to lane j, for the halving steps of {@link #sum}. */
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[] ROTATE = new VectorShuffle[Integer.numberOfTrailingZeros(S.length())];

    static {
        for (int i = 0; i < ROTATE.length; i++) ROTATE[i] = VectorShuffle.iota(S, 1 << i, 1, true);
    }

    /** Σ of the lanes, added pairwise in a fixed tree (lane j with lane j + L/2, and so on down). */
    static float sum(FloatVector v) {
        for (int i = ROTATE.length - 1; i >= 0; i--) v = v.add(v.rearrange(ROTATE[i]));
        return v.lane(0);
    }

    private static final float LOG2E = 1.44269504088896341f;
    /** 1.5 · 2^23: adding it rounds to an integer that lands in the low mantissa bits. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    /** ln 2 split so that n · LN2_HI is exact for |n| ≤ 2^9 (Cephes). */
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** Below LO the result is flushed to zero (exp(−86.5) ≈ 2.7e-38, near the smallest normal float). */
    private static final float LO = -86.5f, HI = 89f;

    /**
     * e^x to about 1 ulp (Cephes expf: x = n·ln 2 + r, |r| ≤ ln 2 / 2, a degree-7 polynomial in r, then 2^n
     * built in the exponent bits). Results below 2.7e-38 are 0, above Float.MAX_VALUE +∞; NaN stays NaN.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(LO).min(HI);
        FloatVector t = xc.fma(LOG2E, ROUND), n = t.sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector y = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
        y = y.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
        y = y.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
        y = y.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
        y = y.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        y = y.fma(r.mul(r), r).add(1f);
        // 2^(n−1) from its bits, then ·2: n reaches 128 near the overflow threshold, whose 2^n has no float.
        FloatVector half = ((IntVector) t.reinterpretAsInts()).sub(ROUND_BITS - 126)
                .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return y.mul(half).mul(2f).blend(0f, x.lt(LO));
    }

    /**
     * tanh x (Cephes tanhf): an odd polynomial for |x| < 0.625, where 1 − 2/(e^{2|x|} + 1) would cancel,
     * that formula with the sign put back above.
     */
    static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.abs(), z = x.mul(x);
        FloatVector p = z.fma(-5.70498872745e-3f, 2.06390887954e-2f);
        p = p.fma(z, FloatVector.broadcast(S, -5.37397155531e-2f));
        p = p.fma(z, FloatVector.broadcast(S, 1.33314422036e-1f));
        p = p.fma(z, FloatVector.broadcast(S, -3.33332819422e-1f));
        FloatVector small = p.mul(z).fma(x, x);
        FloatVector big = FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(exp(ax.add(ax)).add(1f)));
        big = big.blend(big.neg(), x.lt(0f));
        return small.blend(big, ax.compare(VectorOperators.GE, 0.625f));
    }

    private static final VectorSpecies<Long> DRAWS = LongVector.SPECIES_PREFERRED;
    /** Floats with as many lanes as {@link #DRAWS}, for the elements the draws decide. */
    private static final VectorSpecies<Float> DRAWN = VectorSpecies.of(float.class,
            VectorShape.forBitSize(DRAWS.length() * Float.SIZE));
    /** 0, 1, …: each lane's offset from the first element of a step. */
    private static final LongVector LANE =
            LongVector.fromArray(DRAWS, java.util.stream.LongStream.range(0, DRAWS.length()).toArray(), 0);

    /**
     * Dropout of n elements: {@code out[oo + i] = CpuMath.keep(seed, base + i, p) ? x[xo + i] · scale : 0}, the
     * splitmix64 draws computed a vector of 64-bit lanes at a time (the same integer arithmetic, so the same bits as
     * the scalar rule); x and out may be the same array.
     */
    static void dropout(float[] x, int xo, float[] out, int oo, int n, long seed, long base, float p, float scale) {
        int k = DRAWS.length(), i = 0;
        for (; i + k <= n; i += k) {
            LongVector z = LANE.add(base + i + 1).mul(CpuMath.GOLDEN).add(seed);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(CpuMath.MIX1);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(CpuMath.MIX2);
            z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
            // The top 24 bits convert to float exactly, as the scalar long-to-float conversion does.
            FloatVector u = (FloatVector) z.lanewise(VectorOperators.LSHR, CpuMath.DRAW_SHIFT)
                    .convertShape(VectorOperators.L2F, DRAWN, 0);
            VectorMask<Float> drop = u.mul(CpuMath.DRAW_UNIT).compare(VectorOperators.LT, p);
            FloatVector.fromArray(DRAWN, x, xo + i).mul(scale).blend(0f, drop).intoArray(out, oo + i);
        }
        for (; i < n; i++) out[oo + i] = CpuMath.keep(seed, base + i, p) ? x[xo + i] * scale : 0;
    }
}
