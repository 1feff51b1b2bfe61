package dev.raccoon.train.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Two classifiers answering the same rows: is one more accurate, or does it only seem so on this sample? Only the rows
 * where exactly one of them is right tell them apart. McNemar's exact test asks how likely so lopsided a split of
 * those rows is if either were as likely to win each. The interval for the difference in accuracy is read off the same
 * split (exact, Clopper–Pearson, given how many rows tell them apart), so it leaves out 0 exactly when the test says
 * p &lt; 0.05; the paired normal interval did not, and with few such rows it claimed certainty (−100 to −100 points for
 * five rows all won by the baseline, where p = 0.06).
 */
public final class PairedComparison {
    private long n, bothRight, onlyBaseline, onlyModel;

    /** One row: whether the baseline and the model answered it right. */
    public void add(boolean baselineRight, boolean modelRight) {
        n++;
        if (baselineRight && modelRight) bothRight++;
        else if (baselineRight) onlyBaseline++;
        else if (modelRight) onlyModel++;
    }

    public long n() { return n; }

    public long onlyBaselineRight() { return onlyBaseline; }

    public long onlyModelRight() { return onlyModel; }

    public double baselineAccuracy() { return (double) (bothRight + onlyBaseline) / n; }

    public double modelAccuracy() { return (double) (bothRight + onlyModel) / n; }

    /** The model's accuracy less the baseline's. */
    public double difference() { return (double) (onlyModel - onlyBaseline) / n; }

    /**
     * 95 % interval of {@link #difference()}, or null when no row tells the two apart. Of the m rows only one gets
     * right the model wins each with some chance π, and the difference is m(2π − 1)/n: the bounds are those of π's
     * exact (Clopper–Pearson) interval.
     */
    public double[] interval95() {
        long m = onlyModel + onlyBaseline;
        if (m == 0) return null;
        double low = onlyModel == 0 ? 0 : 1 - upperBound(m, onlyBaseline), high = onlyModel == m ? 1 : upperBound(m, onlyModel);
        return new double[] {m * (2 * low - 1) / n, m * (2 * high - 1) / n};
    }

    /**
     * McNemar's exact two-sided p-value: twice the binomial(b + c, ½) probability of a split at least as uneven as
     * the one seen, at most 1; 1 when no row tells them apart.
     */
    public double mcnemarP() {
        return Math.min(1, 2 * binomialCdf(onlyModel + onlyBaseline, Math.min(onlyModel, onlyBaseline), 0.5));
    }

    /** The π, for k wins of m (k &lt; m), above which as few as k wins have under 2.5 % chance. */
    private static double upperBound(long m, long k) {
        double low = 0, high = 1;
        for (int i = 0; i < 60; i++) { // halves the bracket to 1e-18, below a double's step
            double mid = (low + high) / 2;
            if (binomialCdf(m, k, mid) > 0.025) low = mid;
            else high = mid;
        }
        return low;
    }

    /** P(X ≤ k) for X ~ binomial(m, p), 0 &lt; p &lt; 1, summed in logs: 2^m overflows a double from m = 1024. */
    private static double binomialCdf(long m, long k, double p) {
        if (k >= m) return 1;
        double logOdds = Math.log(p) - Math.log1p(-p);
        double logTerm = m * Math.log1p(-p), logSum = logTerm;
        for (long i = 0; i < k; i++) {
            logTerm += Math.log(m - i) - Math.log(i + 1) + logOdds;
            logSum = logSum > logTerm ? logSum + Math.log1p(Math.exp(logTerm - logSum)) : logTerm + Math.log1p(Math.exp(logSum - logTerm));
        }
        return Math.exp(logSum);
    }

    public ObjectNode toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("n", n);
        Json.put(o, "baseline_accuracy", baselineAccuracy());
        Json.put(o, "model_accuracy", modelAccuracy());
        Json.put(o, "difference", difference());
        double[] interval = interval95();
        if (interval == null) {
            o.putNull("difference_low");
            o.putNull("difference_high");
        } else {
            Json.put(o, "difference_low", interval[0]);
            Json.put(o, "difference_high", interval[1]);
        }
        o.put("only_baseline_right", onlyBaseline);
        o.put("only_model_right", onlyModel);
        Json.put(o, "mcnemar_p", mcnemarP());
        return o;
    }
}
