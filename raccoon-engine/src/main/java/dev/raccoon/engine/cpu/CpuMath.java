package dev.raccoon.engine.cpu;

/**
 * Scalar math shared by the CPU backends and the layers above: an accurate erf for exact GELU, the dropout
 * generator, and the argmax every classifier and metric answers with.
 */
public final class CpuMath {
    private CpuMath() {}

    /** torch.finfo(float32).min, added to the scores of padded keys. */
    public static final float MASK_VALUE = -3.4028235e38f;

    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    private static final double INV_SQRT2 = 1 / Math.sqrt(2);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    /** erf to about 1e-13 absolute: Maclaurin series below 3 (cancellation stays small), continued fraction above. */
    public static double erf(double x) {
        double ax = Math.abs(x);
        if (ax < 3) return erfSeries(x);
        double r = 1 - erfcContinuedFraction(ax);
        return x < 0 ? -r : r;
    }

    /** 1 − erf(x), keeping its relative accuracy for large x where 1 − erf(x) would cancel. */
    public static double erfc(double x) {
        if (Math.abs(x) < 3) return 1 - erfSeries(x);
        double r = erfcContinuedFraction(Math.abs(x));
        return x < 0 ? 2 - r : r;
    }

    private static double erfSeries(double x) {
        // erf x = 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n+1))
        double sum = 0, term = x, x2 = x * x;
        for (int n = 0; ; n++) {
            double t = term / (2 * n + 1);
            sum += t;
            if (Math.abs(t) <= 1e-17 * Math.abs(sum)) break;
            term *= -x2 / (n + 1);
        }
        return TWO_OVER_SQRT_PI * sum;
    }

    private static double erfcContinuedFraction(double x) {
        // erfc x = exp(−x²) / (√π · (x + (1/2)/(x + 1/(x + (3/2)/(x + …))))), x ≥ 3; 60 terms reach double precision.
        double k = x;
        for (int n = 60; n >= 1; n--) k = x + (n * 0.5) / k;
        return Math.exp(-x * x) / (Math.sqrt(Math.PI) * k);
    }

    /** Standard normal CDF Φ(x). */
    public static double phi(double x) { return 0.5 * erfc(-x * INV_SQRT2); }

    /** Exact GELU x·Φ(x), in double. */
    public static double gelu(double x) { return x * phi(x); }

    /** d/dx x·Φ(x) = Φ(x) + x·φ(x). */
    public static double geluGrad(double x) { return phi(x) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x); }

    /** splitmix64's increment and its two mixing multipliers, shared with {@link VectorMath#dropout}. */
    static final long GOLDEN = 0x9E3779B97F4A7C15L, MIX1 = 0xBF58476D1CE4E5B9L, MIX2 = 0x94D049BB133111EBL;
    /** A dropout draw is the top 24 bits of a splitmix64 value, scaled to [0, 1). */
    static final int DRAW_SHIFT = 40;
    static final float DRAW_UNIT = 0x1p-24f;

    /**
     * Element {@code index} of the splitmix64 stream seeded by {@code seed}: a counter-based generator, so any
     * element's draw is independent of how the work was split among threads.
     */
    public static long splitmix64(long seed, long index) {
        long z = seed + (index + 1) * GOLDEN;
        z = (z ^ (z >>> 30)) * MIX1;
        z = (z ^ (z >>> 27)) * MIX2;
        return z ^ (z >>> 31);
    }

    /** Whether dropout with probability p keeps element {@code index}: a 24-bit uniform draw u keeps when u ≥ p. */
    public static boolean keep(long seed, long index, float p) {
        return (splitmix64(seed, index) >>> DRAW_SHIFT) * DRAW_UNIT >= p;
    }

    /** The factor kept elements are multiplied by; p = 1 drops everything. */
    public static float dropoutScale(float p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("dropout probability must be in [0, 1], got " + p);
        return p == 1 ? 0 : 1 / (1 - p);
    }

    /**
     * One index drawn from the distribution {@code p[offset .. offset + n)} (non-negative weights summing to 1) by
     * the Gumbel-max trick, as ELECTRA samples its generator: argmax_i (log p_i + G_i), G_i ~ Gumbel(0, 1). It
     * is run as the equivalent exponential race (index i arrives at E_i / p_i with E_i ~ Exp(1), since −log E_i
     * is a Gumbel variable; the first arrival wins), walked with skips: instead of a clock per index, it draws how
     * much probability mass passes before some index beats the current leader. That is one pass of subtractions
     * and O(log n) draws, where the plain form costs two logarithms per index (half a second a step at a 32k
     * vocabulary). Draw k of {@code row} is {@link #uniform} at {@code row·2³² + k}, so the CUDA kernel draws
     * the same.
     *
     * @throws IllegalArgumentException when no weight is positive
     */
    public static int sampleRow(float[] p, int offset, int n, long seed, long row) {
        long draw = row << 32;
        int leader = -1;
        double time = Double.POSITIVE_INFINITY; // the leader's arrival time
        double skip = 0;                        // probability mass left before the next index beats the leader
        for (int i = 0; i < n; i++) {
            double w = p[offset + i];
            if (!(w > 0)) continue;
            if (leader < 0) {
                leader = i;
                time = exponential(seed, draw++) / w;
                skip = exponential(seed, draw++) / time;
                continue;
            }
            skip -= w;
            if (skip <= 0) {
                // Index i arrives before the leader: its time is Exp(w) conditioned on being below the leader's.
                time = -Math.log1p(uniform(seed, draw++) * Math.expm1(-w * time)) / w;
                leader = i;
                skip = exponential(seed, draw++) / time;
            }
        }
        if (leader < 0) throw new IllegalArgumentException("row " + row + " of the distribution has no positive probability");
        return leader;
    }

    /** A uniform double in [0, 1) from element {@code index} of the splitmix64 stream of {@code seed}. */
    public static double uniform(long seed, long index) {
        return (splitmix64(seed, index) >>> 11) * 0x1p-53;
    }

    private static double exponential(long seed, long index) {
        return -Math.log(1 - uniform(seed, index));
    }

    /** The index of the largest of {@code x[offset .. offset + length)}, the first on a tie. */
    public static int argmax(float[] x, int offset, int length) {
        if (length < 1) throw new IllegalArgumentException("argmax of " + length + " values");
        int best = 0;
        for (int i = 1; i < length; i++) if (x[offset + i] > x[offset + best]) best = i;
        return best;
    }

    /** The index of the largest value, the first on a tie. */
    public static int argmax(float[] x) { return argmax(x, 0, x.length); }
}
