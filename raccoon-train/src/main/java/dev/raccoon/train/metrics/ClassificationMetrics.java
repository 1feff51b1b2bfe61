package dev.raccoon.train.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.raccoon.engine.cpu.CpuMath;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Accumulates (gold, predicted) pairs of a classifier: accuracy, macro-F1, per-class precision / recall / F1,
 * the confusion matrix, for two classes the ROC curve of the positive-class score (class 1), and when every row came
 * with its class probabilities, their {@link Calibration}.
 */
public final class ClassificationMetrics implements Metrics {
    private final List<String> labels;
    private final ConfusionMatrix confusion;
    private final Calibration calibration = new Calibration();
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

    /** One row from the class probabilities of a model: the most probable class is its answer. */
    public void add(int gold, float[] probabilities) {
        add(gold, probabilities, probabilities.length == 2 ? probabilities[1] : Double.NaN);
    }

    /**
     * {@link #add(int, float[])} with the score the ROC curve ranks by, e.g. the logit margin l1 − l0, which orders
     * rows as class 1's probability does but without the ties of probabilities that round to 0 or 1 in float.
     */
    public void add(int gold, float[] probabilities, double positiveScore) {
        if (probabilities.length != labels.size())
            throw new IllegalArgumentException(probabilities.length + " probabilities for " + labels.size() + " labels");
        int predicted = CpuMath.argmax(probabilities);
        calibration.add(gold, predicted, probabilities);
        add(gold, predicted, positiveScore);
    }

    public List<String> labels() { return labels; }

    /** How well the probabilities are calibrated; null unless every row was added with its probabilities. */
    public Calibration calibration() {
        return n > 0 && calibration.n() == n ? calibration : null;
    }

    public ConfusionMatrix confusion() { return confusion; }

    @Override
    public long n() { return n; }

    public double accuracy() { return confusion.accuracy(); }

    public double macroF1() { return confusion.macroF1(); }

    /** The ROC curve for two classes, or null (more classes, or only one class present). */
    public RocCurve roc() {
        return labels.size() == 2 ? RocCurve.of(Arrays.copyOf(scores, n), Arrays.copyOf(positive, n)) : null;
    }

    /**
     * The figures these rows leave undefined, one sentence each: a precision or recall of 0/0 (shown as 0, as
     * scikit-learn's zero_division=0 does) and, for two classes, ROC-AUC when every row has one label.
     */
    public List<String> undefined() {
        List<String> notes = new ArrayList<>();
        if (n == 0) return notes;
        for (int c = 0; c < labels.size(); c++) {
            boolean neverAnswered = confusion.predicted(c) == 0, noRow = confusion.support(c) == 0;
            String label = "'" + labels.get(c) + "'";
            if (neverAnswered && noRow)
                notes.add("precision and recall of " + label + " are 0/0 (no row has it and no answer is it): shown as 0, left out of macro-F1");
            else if (neverAnswered)
                notes.add("precision of " + label + " is 0/0 (no answer is it): shown as 0, and its F1 of 0 counts in macro-F1");
            else if (noRow)
                notes.add("recall of " + label + " is 0/0 (no row has it): shown as 0, and its F1 of 0 counts in macro-F1");
        }
        if (labels.size() == 2 && roc() == null)
            notes.add("ROC-AUC is undefined: every row's label is '" + labels.get(confusion.support(1) > 0 ? 1 : 0) + "'");
        return notes;
    }

    @Override
    public String toText() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%-10s %,d%n", "n", n));
        s.append(String.format(Locale.ROOT, "%-10s %.4f%n", "accuracy", accuracy()));
        s.append(String.format(Locale.ROOT, "%-10s %.4f%n", "macro-F1", macroF1()));
        RocCurve roc = roc();
        if (roc != null) s.append(String.format(Locale.ROOT, "%-10s %.4f%n", "ROC-AUC", roc.auc()));
        Calibration calibration = calibration();
        if (calibration != null) {
            s.append(String.format(Locale.ROOT, "%-10s %.4f  (expected calibration error, %d bins)%n", "ECE",
                    calibration.expectedCalibrationError(), Calibration.BINS));
            s.append(String.format(Locale.ROOT, "%-10s %.4f  (%s)%n", "Brier", calibration.brier(), calibration.brierForm()));
            s.append(String.format(Locale.ROOT, "%-10s %.4f%n", "log loss", calibration.logLoss()));
            s.append(String.format(Locale.ROOT, "%nanswering only when the probability is at least%n%10s %9s %9s%n", "", "answered", "accuracy"));
            for (Calibration.Selective r : calibration.selective())
                s.append(String.format(Locale.ROOT, "%10.2f %8.1f%% %9s%n", r.threshold(), 100 * r.coverage(),
                        r.answered() == 0 ? "–" : String.format(Locale.ROOT, "%.4f", r.accuracy())));
        }
        int width = Math.max(9, labels.stream().mapToInt(ClassificationMetrics::columns).max().orElse(0));
        s.append(String.format(Locale.ROOT, "%n%s %9s %9s %9s %9s%n", pad("class", width, false), "precision", "recall", "f1", "support"));
        for (int c = 0; c < labels.size(); c++)
            s.append(String.format(Locale.ROOT, "%s %9.4f %9.4f %9.4f %,9d%n", pad(labels.get(c), width, false),
                    confusion.precision(c), confusion.recall(c), confusion.f1(c), confusion.support(c)));
        for (String note : undefined()) s.append("note: ").append(note).append(System.lineSeparator());
        s.append(String.format(Locale.ROOT, "%nconfusion matrix (rows: gold, columns: predicted)%n%s", pad("", width, false)));
        for (String l : labels) s.append(' ').append(pad(l, width, true));
        s.append(System.lineSeparator());
        for (int g = 0; g < labels.size(); g++) {
            s.append(pad(labels.get(g), width, false));
            for (int p = 0; p < labels.size(); p++) s.append(String.format(Locale.ROOT, " %," + width + "d", confusion.count(g, p)));
            s.append(System.lineSeparator());
        }
        return s.toString();
    }

    /** Terminal columns of a text: two for Hangul and other East Asian wide characters (부정, 긍정), one for the rest. */
    static int columns(String text) {
        return text.codePoints().map(cp -> (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF)
                || (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F)
                || (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || cp >= 0x1F300 ? 2 : 1).sum();
    }

    /** {@code text} padded with spaces to {@code width} columns, on the left when {@code right}-aligned. */
    static String pad(String text, int width, boolean right) {
        String spaces = " ".repeat(Math.max(0, width - columns(text)));
        return right ? spaces + text : text + spaces;
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("n", n);
        Json.put(o, "accuracy", accuracy());
        Json.put(o, "macro_f1", macroF1());
        RocCurve roc = roc();
        if (roc != null) Json.put(o, "roc_auc", roc.auc());
        else if (labels.size() == 2) o.putNull("roc_auc");
        undefined().forEach(o.putArray("undefined")::add);
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
        Calibration calibration = calibration();
        if (calibration != null) o.set("calibration", calibration.toJson());
        return o;
    }
}
