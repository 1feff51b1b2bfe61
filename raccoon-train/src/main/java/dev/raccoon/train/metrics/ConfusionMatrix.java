package dev.raccoon.train.metrics;

/**
 * Counts of (gold, predicted) class pairs, and the metrics derived from them. Conventions follow scikit-learn
 * with {@code zero_division=0}: a class never predicted has precision 0, a class never present has recall 0,
 * and macro-F1 averages the F1 of the classes in the gold labels or the answers (one in neither, whose F1 0 says
 * nothing of the classifier, is left out, as f1_score does with its default labels).
 */
public final class ConfusionMatrix {
    private final long[][] counts;

    public ConfusionMatrix(int classes) {
        if (classes < 2) throw new IllegalArgumentException("a confusion matrix needs at least 2 classes, got " + classes);
        counts = new long[classes][classes];
    }

    public void add(int gold, int predicted) {
        counts[gold][predicted]++;
    }

    public int classes() { return counts.length; }

    /** Rows with gold class {@code gold} predicted as {@code predicted}. */
    public long count(int gold, int predicted) { return counts[gold][predicted]; }

    public long total() {
        long n = 0;
        for (long[] row : counts) for (long c : row) n += c;
        return n;
    }

    /** Rows whose gold class is {@code c}. */
    public long support(int c) {
        long n = 0;
        for (long v : counts[c]) n += v;
        return n;
    }

    /** Rows answered with class {@code c}. */
    public long predicted(int c) {
        long n = 0;
        for (long[] row : counts) n += row[c];
        return n;
    }

    public double accuracy() {
        long correct = 0;
        for (int c = 0; c < counts.length; c++) correct += counts[c][c];
        long n = total();
        return n == 0 ? Double.NaN : (double) correct / n;
    }

    public double precision(int c) {
        long p = predicted(c);
        return p == 0 ? 0 : (double) counts[c][c] / p;
    }

    public double recall(int c) {
        long s = support(c);
        return s == 0 ? 0 : (double) counts[c][c] / s;
    }

    public double f1(int c) {
        double p = precision(c), r = recall(c);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /** Mean F1 of the classes that are some row's gold label or answer; NaN before the first row. */
    public double macroF1() {
        double sum = 0;
        int present = 0;
        for (int c = 0; c < counts.length; c++) {
            if (support(c) == 0 && predicted(c) == 0) continue;
            sum += f1(c);
            present++;
        }
        return present == 0 ? Double.NaN : sum / present;
    }
}
