package dev.raccoon.train;

/**
 * Temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural Networks"): the one number T by which
 * dividing a classifier's logits makes softmax's probabilities fit held-out labels best, by log loss. The answers
 * stay the same (dividing by a positive T keeps each row's order); only how sure they say they are changes.
 */
public final class TemperatureScaling {
    /** The temperatures searched: wider than any real model needs, narrow enough to stay finite in float. */
    static final double MIN_TEMPERATURE = 1e-3, MAX_TEMPERATURE = 1e3;

    private TemperatureScaling() {}

    /**
     * The T that minimises the mean log loss of softmax(logits / T) against {@code gold}. The log loss is convex in
     * 1/T, with derivative mean(E_p[z] − z_gold), which rises with 1/T; bisection finds its zero.
     *
     * @throws IllegalArgumentException when no temperature in [0.001, 1000] is best: every row is right by a margin
     *                                  (sharper is always better), or the logits rank the gold class below chance
     */
    public static double fit(float[][] logits, int[] gold) {
        if (logits.length != gold.length) throw new IllegalArgumentException(logits.length + " rows of logits but " + gold.length + " labels");
        if (logits.length == 0) throw new IllegalArgumentException("no rows to fit a temperature on");
        double lo = Math.log(1 / MAX_TEMPERATURE), hi = Math.log(1 / MIN_TEMPERATURE); // in log(1/T)
        if (slope(logits, gold, Math.exp(hi)) <= 0)
            throw new IllegalArgumentException("every row is classified right with a margin, so sharper probabilities always"
                    + " fit better and no temperature is best; fit it on held-out data the model gets some of wrong");
        if (slope(logits, gold, Math.exp(lo)) > 0)
            throw new IllegalArgumentException("the logits put the gold class below the average class, so flatter is always"
                    + " better; are the data's labels the model's (by name, or by id in the model's label order)?");
        for (int i = 0; i < 100 && hi - lo > 1e-12; i++) {
            double mid = (lo + hi) / 2;
            if (slope(logits, gold, Math.exp(mid)) < 0) lo = mid;
            else hi = mid;
        }
        return Math.exp(-(lo + hi) / 2);
    }

    /** softmax(logits / temperature). */
    public static float[] probabilities(float[] logits, double temperature) {
        double beta = 1 / temperature, normaliser = logSumExp(logits, beta);
        float[] p = new float[logits.length];
        for (int c = 0; c < logits.length; c++) p[c] = (float) Math.exp(beta * logits[c] - normaliser);
        return p;
    }

    /** Mean log loss of softmax(logits / temperature), in nats. */
    public static double logLoss(float[][] logits, int[] gold, double temperature) {
        double sum = 0, beta = 1 / temperature;
        for (int r = 0; r < logits.length; r++) sum += logSumExp(logits[r], beta) - beta * logits[r][gold[r]];
        return sum / logits.length;
    }

    /** d(mean log loss)/d(1/T) at 1/T = {@code beta}: the mean of E_softmax(beta·z)[z] − z_gold. */
    private static double slope(float[][] logits, int[] gold, double beta) {
        double sum = 0;
        for (int r = 0; r < logits.length; r++) {
            float[] z = logits[r];
            double normaliser = logSumExp(z, beta), expected = 0;
            for (float v : z) expected += Math.exp(beta * v - normaliser) * v;
            sum += expected - z[gold[r]];
        }
        return sum / logits.length;
    }

    /** log Σ exp(beta · z), shifted by the largest term so that nothing overflows. */
    private static double logSumExp(float[] z, double beta) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : z) max = Math.max(max, beta * v);
        double total = 0;
        for (float v : z) total += Math.exp(beta * v - max);
        return max + Math.log(total);
    }
}
