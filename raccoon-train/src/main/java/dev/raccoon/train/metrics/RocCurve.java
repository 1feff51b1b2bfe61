package dev.raccoon.train.metrics;

import java.util.Arrays;

/**
 * The ROC curve of binary scores (higher means more likely positive). Tied scores form one threshold, so the
 * curve moves diagonally across them and the area counts a tied positive–negative pair as half a correct
 * ranking, as scikit-learn's {@code roc_curve} and {@code roc_auc_score} do.
 *
 * @param fpr        false positive rates, from 0 to 1
 * @param tpr        true positive rates, from 0 to 1
 * @param thresholds the score at each point (predict positive when score ≥ threshold); +∞ at the origin
 */
public record RocCurve(double[] fpr, double[] tpr, double[] thresholds) {
    /** The curve of {@code scores} against {@code positive} labels; null when one class is absent (no curve exists). */
    public static RocCurve of(double[] scores, boolean[] positive) {
        int n = scores.length;
        if (positive.length != n) throw new IllegalArgumentException(n + " scores but " + positive.length + " labels");
        long positives = 0;
        for (boolean p : positive) if (p) positives++;
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) return null;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
        double[] fpr = new double[n + 1], tpr = new double[n + 1], thresholds = new double[n + 1];
        thresholds[0] = Double.POSITIVE_INFINITY;
        int points = 1;
        long tp = 0, fp = 0;
        for (int i = 0; i < n; ) {
            double s = scores[order[i]];
            for (; i < n && scores[order[i]] == s; i++) {
                if (positive[order[i]]) tp++;
                else fp++;
            }
            fpr[points] = (double) fp / negatives;
            tpr[points] = (double) tp / positives;
            thresholds[points++] = s;
        }
        return new RocCurve(Arrays.copyOf(fpr, points), Arrays.copyOf(tpr, points), Arrays.copyOf(thresholds, points));
    }

    /** Area under the curve by the trapezoidal rule (exact for this step curve with diagonal ties). */
    public double auc() {
        double area = 0;
        for (int i = 1; i < fpr.length; i++) area += (fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2;
        return area;
    }
}
