package dev.raccoon.train.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Arrays;
import java.util.Locale;

/** Accumulates (prediction, target) pairs of a regression model: Pearson, Spearman and mean squared error. */
public final class RegressionMetrics implements Metrics {
    private double[] predictions = new double[1024];
    private double[] targets = new double[1024];
    private int n;

    public void add(double prediction, double target) {
        if (n == predictions.length) {
            predictions = Arrays.copyOf(predictions, 2 * n);
            targets = Arrays.copyOf(targets, 2 * n);
        }
        predictions[n] = prediction;
        targets[n++] = target;
    }

    @Override
    public long n() { return n; }

    public double[] predictions() { return Arrays.copyOf(predictions, n); }

    public double[] targets() { return Arrays.copyOf(targets, n); }

    public double pearson() { return Correlation.pearson(predictions(), targets()); }

    public double spearman() { return Correlation.spearman(predictions(), targets()); }

    public double mse() {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += (predictions[i] - targets[i]) * (predictions[i] - targets[i]);
        return n == 0 ? Double.NaN : sum / n;
    }

    @Override
    public String toText() {
        return String.format(Locale.ROOT, "%-10s %,d%n%-10s %.4f%n%-10s %.4f%n%-10s %.4f%n",
                "n", n, "pearson", pearson(), "spearman", spearman(), "mse", mse());
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("n", n);
        Json.put(o, "pearson", pearson());
        Json.put(o, "spearman", spearman());
        Json.put(o, "mse", mse());
        return o;
    }
}
