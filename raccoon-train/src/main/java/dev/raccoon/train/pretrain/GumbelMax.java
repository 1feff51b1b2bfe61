package dev.raccoon.train.pretrain;

import java.util.SplittableRandom;

/**
 * Samples token ids from the generator's distribution with the Gumbel-max trick, as ELECTRA does:
 * argmax_i (log p_i + G_i) with G_i ~ Gumbel(0, 1). Written as the equivalent exponential race (token i arrives
 * at E_i / p_i with E_i ~ Exp(1), since −log E_i is a Gumbel variable; the first arrival wins), walked with skips:
 * instead of drawing a clock per token, it draws how much probability mass passes before some token beats the
 * current leader. One pass of additions per row and O(log V) random numbers, where the plain form would cost two
 * logarithms per vocabulary entry — at V = 32k that was half a second per step.
 */
public final class GumbelMax {
    private GumbelMax() {}

    /** One sample per row of {@code probs} ([rows, vocab], each row a distribution). */
    public static int[] sample(float[] probs, int rows, int vocab, SplittableRandom random) {
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) out[r] = sampleRow(probs, r * vocab, vocab, random);
        return out;
    }

    static int sampleRow(float[] p, int offset, int n, SplittableRandom random) {
        int leader = -1;
        double time = Double.POSITIVE_INFINITY; // the leader's arrival time
        double skip = 0;                        // probability mass left before the next token beats the leader
        for (int i = 0; i < n; i++) {
            double w = p[offset + i];
            if (!(w > 0)) continue;
            if (leader < 0) {
                leader = i;
                time = exponential(random) / w;
                skip = exponential(random) / time;
                continue;
            }
            skip -= w;
            if (skip <= 0) {
                // Token i arrives before the leader: its time is Exp(w) conditioned on being below the leader's.
                time = -Math.log1p(random.nextDouble() * Math.expm1(-w * time)) / w;
                leader = i;
                skip = exponential(random) / time;
            }
        }
        if (leader < 0) throw new IllegalArgumentException("a row of the generator's distribution has no positive probability");
        return leader;
    }

    private static double exponential(SplittableRandom random) {
        return -Math.log(1 - random.nextDouble());
    }
}
