package dev.raccoon.train.metrics;

import java.util.Arrays;

/** Pearson and Spearman correlation, and the average ranks Spearman uses for ties. */
public final class Correlation {
    private Correlation() {}

    /** Pearson's r; NaN when fewer than 2 values or either side is constant. */
    public static double pearson(double[] x, double[] y) {
        int n = x.length;
        if (y.length != n) throw new IllegalArgumentException(n + " values against " + y.length);
        if (n < 2) return Double.NaN;
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }

    /** Spearman's ρ: Pearson's r of the ranks, tied values sharing their average rank. */
    public static double spearman(double[] x, double[] y) {
        return pearson(ranks(x), ranks(y));
    }

    /** 1-based ranks, ties given the mean of the ranks they span (e.g. 10, 20, 20, 30 → 1, 2.5, 2.5, 4). */
    public static double[] ranks(double[] values) {
        int n = values.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(values[a], values[b]));
        double[] ranks = new double[n];
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && values[order[j + 1]] == values[order[i]]) j++;
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) ranks[order[k]] = rank;
            i = j + 1;
        }
        return ranks;
    }
}
