package dev.raccoon.train.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.raccoon.engine.cpu.CpuMath;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How far a classifier's probabilities can be taken at their word, for teams that act on a probability threshold:
 * the expected calibration error over equal-width confidence bins (Guo et al. 2017, "On Calibration of Modern Neural
 * Networks"), the Brier score, the log loss, and what answering only at or above a confidence keeps (selective
 * classification: the share of rows answered and their accuracy).
 */
public final class Calibration {
    /** Equal-width bins over [0, 1] for the expected calibration error, as Guo et al. */
    public static final int BINS = 15;
    /** The confidences of the selective table; with more than two classes it starts at 0, which answers every row. */
    static final double[] THRESHOLDS = {0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99};
    /** Probabilities are clipped to at least this for the log loss, so one certain mistake does not make it infinite. */
    static final double MIN_PROBABILITY = 1e-7;

    private float[] confidence = new float[1024];
    private boolean[] correct = new boolean[1024];
    private int n;
    private int classes;
    private double brierSum, logLossSum;

    /**
     * One row: its gold class and the probability of every class. The answer is the most probable class (the first
     * on a tie) and its probability the confidence.
     */
    public void add(int gold, float[] probabilities) {
        add(gold, CpuMath.argmax(probabilities), probabilities);
    }

    /** {@link #add(int, float[])} for a caller that has the answer already. */
    void add(int gold, int predicted, float[] probabilities) {
        if (gold < 0 || gold >= probabilities.length)
            throw new IllegalArgumentException("gold class " + gold + " for " + probabilities.length + " probabilities");
        if (n > 0 && probabilities.length != classes)
            throw new IllegalArgumentException(probabilities.length + " probabilities after rows of " + classes);
        classes = probabilities.length;
        if (n == confidence.length) {
            confidence = Arrays.copyOf(confidence, 2 * n);
            correct = Arrays.copyOf(correct, 2 * n);
        }
        confidence[n] = probabilities[predicted];
        correct[n++] = predicted == gold;
        for (int c = 0; c < probabilities.length; c++) {
            double d = probabilities[c] - (c == gold ? 1 : 0);
            brierSum += d * d;
        }
        logLossSum -= Math.log(Math.max(MIN_PROBABILITY, probabilities[gold]));
    }

    public long n() { return n; }

    /** The number of classes, the length of every row's probabilities (0 before the first row). */
    public int classes() { return classes; }

    /**
     * The Brier score (0 is best) as scikit-learn's brier_score_loss gives it: with two classes the mean squared error
     * of the second class's probability (0 to 1; the squared distance to the one-hot gold vector counts that error
     * twice), with more the mean squared distance between the probabilities and the one-hot gold vector (0 to 2).
     */
    public double brier() { return brierSum / n / (classes == 2 ? 2 : 1); }

    /** What {@link #brier()} sums, with its range, for a reader: the two forms differ by a factor of 2 on two classes. */
    public String brierForm() {
        return classes == 2 ? "squared error of the second class's probability, 0–1" : "squared errors summed over the classes, 0–2";
    }

    /** Mean negative log probability of the gold class, in nats. */
    public double logLoss() { return logLossSum / n; }

    /**
     * A confidence bin: rows whose confidence lies in ({@code from}, {@code to}] (the first bin takes 0 too), their
     * mean confidence and their accuracy (NaN for an empty bin).
     */
    public record Bin(double from, double to, long count, double meanConfidence, double accuracy) {}

    public List<Bin> bins() {
        long[] count = new long[BINS], hits = new long[BINS];
        double[] sum = new double[BINS];
        for (int i = 0; i < n; i++) {
            // in float, as the probabilities came: 0.6f · 15 is 9 there, but 9.0000004 in double
            int b = Math.clamp((int) Math.ceil(confidence[i] * (float) BINS) - 1, 0, BINS - 1);
            count[b]++;
            sum[b] += confidence[i];
            if (correct[i]) hits[b]++;
        }
        List<Bin> bins = new ArrayList<>(BINS);
        for (int b = 0; b < BINS; b++)
            bins.add(new Bin((double) b / BINS, (double) (b + 1) / BINS, count[b],
                    count[b] == 0 ? Double.NaN : sum[b] / count[b], count[b] == 0 ? Double.NaN : (double) hits[b] / count[b]));
        return bins;
    }

    /** The bins' gaps between accuracy and mean confidence, weighted by their share of rows (0 is calibrated). */
    public double expectedCalibrationError() {
        double ece = 0;
        for (Bin b : bins()) if (b.count() > 0) ece += (double) b.count() / n * Math.abs(b.accuracy() - b.meanConfidence());
        return ece;
    }

    /** Answering only rows whose confidence is at least {@code threshold}: how many, their share and accuracy. */
    public record Selective(double threshold, long answered, double coverage, double accuracy) {}

    /** {@link Selective} at 0.5, 0.6, 0.7, 0.8, 0.9, 0.95 and 0.99, after 0 (every row) for more than two classes. */
    public List<Selective> selective() {
        List<Selective> out = new ArrayList<>(THRESHOLDS.length + 1);
        List<Double> thresholds = new ArrayList<>();
        if (classes > 2) thresholds.add(0.0);
        for (double t : THRESHOLDS) thresholds.add(t);
        for (double t : thresholds) {
            long answered = 0, hits = 0;
            for (int i = 0; i < n; i++) {
                if (confidence[i] >= (float) t) { // a probability of 0.9f is 0.89999998 as a double
                    answered++;
                    if (correct[i]) hits++;
                }
            }
            out.add(new Selective(t, answered, (double) answered / n, answered == 0 ? Double.NaN : (double) hits / answered));
        }
        return out;
    }

    /**
     * The accuracy–coverage curve: rows taken from the most confident down, {@code [0]} the share taken and {@code [1]}
     * their accuracy, at most {@code points} points (the last is all rows).
     */
    public double[][] accuracyCoverage(int points) {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(confidence[b], confidence[a]));
        int m = Math.min(n, points);
        double[] coverage = new double[m], accuracy = new double[m];
        long hits = 0;
        for (int k = 0, p = 0; k < n; k++) {
            if (correct[order[k]]) hits++;
            // point p stands at the ((p + 1) · n / m)-th row, so the points spread evenly and the last is n
            if (k + 1 == (int) ((long) (p + 1) * n / m)) {
                coverage[p] = (double) (k + 1) / n;
                accuracy[p++] = (double) hits / (k + 1);
            }
        }
        return new double[][] {coverage, accuracy};
    }

    ObjectNode toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        Json.put(o, "ece", expectedCalibrationError());
        Json.put(o, "brier", brier());
        Json.put(o, "log_loss", logLoss());
        ArrayNode bins = o.putArray("bins");
        for (Bin b : bins()) {
            if (b.count() == 0) continue;
            ObjectNode j = bins.addObject();
            Json.put(j, "from", b.from());
            Json.put(j, "to", b.to());
            j.put("count", b.count());
            Json.put(j, "confidence", b.meanConfidence());
            Json.put(j, "accuracy", b.accuracy());
        }
        ArrayNode selective = o.putArray("selective");
        for (Selective s : selective()) {
            ObjectNode j = selective.addObject();
            Json.put(j, "min_confidence", s.threshold());
            j.put("answered", s.answered());
            Json.put(j, "coverage", s.coverage());
            Json.put(j, "accuracy", s.accuracy());
        }
        return o;
    }
}
