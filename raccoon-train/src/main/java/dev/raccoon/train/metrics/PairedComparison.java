package dev.raccoon.train.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Two classifiers answering the same rows: is one more accurate, or does it only seem so on this sample? Only the rows
 * where exactly one of them is right tell them apart. McNemar's exact test asks how likely so lopsided a split of
 * those rows is if either were as likely to win each; the interval for the difference in accuracy is the paired
 * normal one (the rows are the same, so their shared difficulty cancels).
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

    /** 95 % interval of {@link #difference()}: d ± 1.96 · √((b + c)/n − d²) / √n, b and c the one-sided wins. */
    public double[] interval95() {
        double d = difference();
        double se = Math.sqrt(Math.max(0, (double) (onlyModel + onlyBaseline) / n - d * d) / n);
        return new double[] {d - 1.96 * se, d + 1.96 * se};
    }

    /**
     * McNemar's exact two-sided p-value: twice the binomial(b + c, ½) probability of a split at least as uneven as
     * the one seen, at most 1; 1 when no row tells them apart.
     */
    public double mcnemarP() {
        long m = onlyModel + onlyBaseline, k = Math.min(onlyModel, onlyBaseline);
        if (m == 0) return 1;
        // sum over i ≤ k of C(m, i) / 2^m, in logs: 2^m overflows a double from m = 1024
        double logTerm = -m * Math.log(2), logSum = logTerm;
        for (long i = 0; i < k; i++) {
            logTerm += Math.log(m - i) - Math.log(i + 1);
            logSum = logSum > logTerm ? logSum + Math.log1p(Math.exp(logTerm - logSum)) : logTerm + Math.log1p(Math.exp(logSum - logTerm));
        }
        return Math.min(1, 2 * Math.exp(logSum));
    }

    public ObjectNode toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("n", n);
        Json.put(o, "baseline_accuracy", baselineAccuracy());
        Json.put(o, "model_accuracy", modelAccuracy());
        Json.put(o, "difference", difference());
        double[] interval = interval95();
        Json.put(o, "difference_low", interval[0]);
        Json.put(o, "difference_high", interval[1]);
        o.put("only_baseline_right", onlyBaseline);
        o.put("only_model_right", onlyModel);
        Json.put(o, "mcnemar_p", mcnemarP());
        return o;
    }
}
