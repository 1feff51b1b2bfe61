package dev.raccoon.train.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Accumulates (gold, predicted) pairs of a classifier: accuracy, macro-F1, per-class precision / recall / F1,
 * the confusion matrix, and for two classes the ROC curve of the positive-class score (class 1).
 */
public final class ClassificationMetrics implements Metrics {
    private final List<String> labels;
    private final ConfusionMatrix confusion;
    private double[] scores = new double[1024];
    private boolean[] positive = new boolean[1024];
    private int n;

    public ClassificationMetrics(List<String> labels) {
        this.labels = List.copyOf(labels);
        this.confusion = new ConfusionMatrix(labels.size());
    }

    /** One row; {@code positiveScore} (e.g. the probability of class 1) feeds the ROC curve of a binary task. */
    public void add(int gold, int predicted, double positiveScore) {
        confusion.add(gold, predicted);
        if (n == scores.length) {
            scores = Arrays.copyOf(scores, 2 * n);
            positive = Arrays.copyOf(positive, 2 * n);
        }
        scores[n] = positiveScore;
        positive[n++] = gold == 1;
    }

    public List<String> labels() { return labels; }

    public ConfusionMatrix confusion() { return confusion; }

    @Override
    public long n() { return n; }

    public double accuracy() { return confusion.accuracy(); }

    public double macroF1() { return confusion.macroF1(); }

    /** The ROC curve for two classes, or null (more classes, or only one class present). */
    public RocCurve roc() {
        return labels.size() == 2 ? RocCurve.of(Arrays.copyOf(scores, n), Arrays.copyOf(positive, n)) : null;
    }

    @Override
    public String toText() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%-10s %,d%n", "n", n));
        s.append(String.format(Locale.ROOT, "%-10s %.4f%n", "accuracy", accuracy()));
        s.append(String.format(Locale.ROOT, "%-10s %.4f%n", "macro-F1", macroF1()));
        RocCurve roc = roc();
        if (roc != null) s.append(String.format(Locale.ROOT, "%-10s %.4f%n", "ROC-AUC", roc.auc()));
        int width = Math.max(9, labels.stream().mapToInt(String::length).max().orElse(0));
        s.append(String.format(Locale.ROOT, "%n%-" + width + "s %9s %9s %9s %9s%n", "class", "precision", "recall", "f1", "support"));
        for (int c = 0; c < labels.size(); c++)
            s.append(String.format(Locale.ROOT, "%-" + width + "s %9.4f %9.4f %9.4f %,9d%n", labels.get(c),
                    confusion.precision(c), confusion.recall(c), confusion.f1(c), confusion.support(c)));
        s.append(String.format(Locale.ROOT, "%nconfusion matrix (rows: gold, columns: predicted)%n%-" + width + "s", ""));
        for (String l : labels) s.append(String.format(Locale.ROOT, " %" + width + "s", l));
        s.append(System.lineSeparator());
        for (int g = 0; g < labels.size(); g++) {
            s.append(String.format(Locale.ROOT, "%-" + width + "s", labels.get(g)));
            for (int p = 0; p < labels.size(); p++) s.append(String.format(Locale.ROOT, " %," + width + "d", confusion.count(g, p)));
            s.append(System.lineSeparator());
        }
        return s.toString();
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("n", n);
        Json.put(o, "accuracy", accuracy());
        Json.put(o, "macro_f1", macroF1());
        RocCurve roc = roc();
        if (roc != null) Json.put(o, "roc_auc", roc.auc());
        ArrayNode names = o.putArray("labels");
        labels.forEach(names::add);
        ObjectNode perClass = o.putObject("per_class");
        for (int c = 0; c < labels.size(); c++) {
            ObjectNode m = perClass.putObject(labels.get(c));
            Json.put(m, "precision", confusion.precision(c));
            Json.put(m, "recall", confusion.recall(c));
            Json.put(m, "f1", confusion.f1(c));
            m.put("support", confusion.support(c));
        }
        ArrayNode matrix = o.putArray("confusion_matrix");
        for (int g = 0; g < labels.size(); g++) {
            ArrayNode row = matrix.addArray();
            for (int p = 0; p < labels.size(); p++) row.add(confusion.count(g, p));
        }
        return o;
    }
}
