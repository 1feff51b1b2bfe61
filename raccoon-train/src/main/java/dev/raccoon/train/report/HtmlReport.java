package dev.raccoon.train.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.text.Truncation;
import dev.raccoon.train.data.DataSummary;
import dev.raccoon.train.metrics.Calibration;
import dev.raccoon.train.metrics.ClassificationMetrics;
import dev.raccoon.train.metrics.ConfusionMatrix;
import dev.raccoon.train.metrics.Metrics;
import dev.raccoon.train.metrics.Mistakes;
import dev.raccoon.train.metrics.RegressionMetrics;
import dev.raccoon.train.metrics.RocCurve;
import org.knowm.xchart.internal.chartpart.Chart;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Writes an evaluation report: {@code index.html} with the metrics tables, and beside it PNG charts (confusion
 * matrix, ROC curve, reliability diagram and accuracy against coverage, or a scatter plot for regression; loss, learning rate and dev metrics when a training
 * log is given). The HTML is written last, through a temporary file, so a present index.html is complete.
 */
public final class HtmlReport {
    static {
        // XChart draws with AWT; on a server without a display AWT must not look for one.
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    /** The metrics as JSON (what eval --json prints), beside the page; it marks a directory as a report. */
    public static final String METRICS_FILE = "metrics.json";
    private static final Set<String> FILES = Set.of(METRICS_FILE, "index.html", "index.html.tmp", "confusion_matrix.png",
            "roc.png", "reliability.png", "accuracy_coverage.png", "predictions.png", "loss.png", "learning_rate.png", "dev_metrics.png");

    /** Whether a report writes a file of this name: a report directory holding anything else is not replaced. */
    public static boolean isReportFile(String name) {
        return FILES.contains(name);
    }

    private HtmlReport() {}

    /** Mistakes the report lists, the most confident first. */
    static final int MISTAKES_SHOWN = 20;

    /** {@link #write(Path, String, Metrics, DataSummary, TrainingLog, Mistakes, ObjectNode)} without mistakes. */
    public static Path write(Path dir, String title, Metrics metrics, DataSummary data, TrainingLog trainingLog) throws IOException {
        return write(dir, title, metrics, data, trainingLog, null, null);
    }

    /**
     * @param data        what the data reader skipped, or null
     * @param trainingLog a training log for the curves, or null
     * @param mistakes    the rows answered wrongly, or null: the most confident are listed
     * @param record      what metrics.json holds: {@link #json} of the metrics and data with whatever the caller adds
     *                    (how the model read the data); null for {@link #json} alone
     * @return the index.html written
     */
    public static Path write(Path dir, String title, Metrics metrics, DataSummary data, TrainingLog trainingLog,
                             Mistakes mistakes, ObjectNode record) throws IOException {
        Files.createDirectories(dir);
        StringBuilder html = new StringBuilder();
        html.append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").append(escape(title))
                .append("</title>\n<style>\nbody{font-family:sans-serif;margin:2em;max-width:1400px}"
                        + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px}"
                        + "td.n{text-align:right;font-variant-numeric:tabular-nums}img{margin:0.5em;border:1px solid #eee}\n"
                        + "</style>\n</head>\n<body>\n<h1>").append(escape(title)).append("</h1>\n");
        if (data != null) html.append("<p>").append(escape(data.toString())).append("</p>\n");
        if (record != null && record.has("max_length")) html.append("<p>").append(escape(reading(record))).append("</p>\n");
        List<String[]> images = new ArrayList<>();
        switch (metrics) {
            case ClassificationMetrics m -> classification(m, html, dir, images);
            case RegressionMetrics m -> regression(m, html, dir, images);
        }
        if (trainingLog != null) training(trainingLog, html, dir, images);
        if (mistakes != null) mistakes(mistakes, html);
        html.append("<h2>Charts</h2>\n");
        for (String[] image : images)
            html.append("<img src=\"").append(image[0]).append("\" alt=\"").append(escape(image[1])).append("\">\n");
        html.append("</body>\n</html>\n");
        Files.writeString(dir.resolve(METRICS_FILE), (record != null ? record : json(metrics, data)).toPrettyString() + "\n",
                StandardCharsets.UTF_8);
        Path index = dir.resolve("index.html");
        Path temp = dir.resolve("index.html.tmp");
        Files.writeString(temp, html, StandardCharsets.UTF_8);
        Files.move(temp, index, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return index;
    }

    /** The metrics as JSON with, when {@code data} is given, the rows read and skipped: eval --json and metrics.json. */
    public static ObjectNode json(Metrics metrics, DataSummary data) {
        ObjectNode o = metrics.toJson();
        if (data != null) {
            o.put("rows_read", data.rowsRead());
            o.put("rows_skipped", data.rowsSkipped());
        }
        return o;
    }

    /**
     * How the model read the data, from the record's max_length, truncation, rows_truncated and compute_precision: a
     * report of a 32-token evaluation must say so, as the console does.
     */
    static String reading(ObjectNode record) {
        long truncated = record.path("rows_truncated").asLong();
        return String.format(Locale.ROOT, "The model read up to %d tokens of a text (--max-length); of a longer one %s"
                        + " (--truncation %s): %,d %s longer. It computed in %s.", record.get("max_length").asInt(),
                Truncation.of(record.get("truncation").asText()).partRead(), record.get("truncation").asText(), truncated,
                truncated == 1 ? "row was" : "rows were", record.path("compute_precision").asText());
    }

    private static void mistakes(Mistakes mistakes, StringBuilder html) {
        List<Mistakes.Mistake> shown = mistakes.mostConfident(MISTAKES_SHOWN);
        html.append(String.format(Locale.ROOT, "<h2>The most confident mistakes (%d of %,d)</h2>%n", shown.size(), mistakes.count()));
        if (shown.isEmpty()) return;
        boolean pairs = shown.stream().anyMatch(x -> x.pair() != null);
        html.append("<table>\n<tr><th>line</th><th>text</th>").append(pairs ? "<th>second text</th>" : "")
                .append("<th>gold</th><th>answer</th><th>probability</th></tr>\n");
        for (Mistakes.Mistake x : shown) {
            html.append("<tr><td class=\"n\">").append(x.line()).append("</td><td>").append(escape(x.text())).append("</td>");
            if (pairs) html.append("<td>").append(escape(x.pair() == null ? "" : x.pair())).append("</td>");
            html.append("<td>").append(escape(mistakes.labels().get(x.gold()))).append("</td><td>")
                    .append(escape(mistakes.labels().get(x.predicted()))).append("</td><td class=\"n\">")
                    .append(number(x.probability())).append("</td></tr>\n");
        }
        html.append("</table>\n");
    }

    private static void classification(ClassificationMetrics m, StringBuilder html, Path dir, List<String[]> images) throws IOException {
        html.append("<h2>Metrics</h2>\n<table>\n");
        row(html, "rows", String.format(Locale.ROOT, "%,d", m.n()));
        row(html, "accuracy", number(m.accuracy()));
        row(html, "macro-F1", number(m.macroF1()));
        RocCurve roc = m.roc();
        if (roc != null) row(html, "ROC-AUC", number(roc.auc()));
        Calibration calibration = m.calibration();
        if (calibration != null) {
            row(html, "expected calibration error", number(calibration.expectedCalibrationError()));
            row(html, "Brier score (" + calibration.brierForm() + ")", number(calibration.brier()));
            row(html, "log loss", number(calibration.logLoss()));
            html.append("</table>\n<h2>Answering only when the probability is at least</h2>\n<table>\n"
                    + "<tr><th>probability ≥</th><th>rows answered</th><th>share</th><th>accuracy</th></tr>\n");
            for (Calibration.Selective r : calibration.selective())
                html.append(String.format(Locale.ROOT, "<tr><td class=\"n\">%.2f</td><td class=\"n\">%,d</td>"
                        + "<td class=\"n\">%.1f%%</td><td class=\"n\">%s</td></tr>%n", r.threshold(), r.answered(),
                        100 * r.coverage(), number(r.accuracy())));
        }
        html.append("</table>\n<h2>Per class</h2>\n<table>\n<tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>\n");
        ConfusionMatrix cm = m.confusion();
        for (int c = 0; c < m.labels().size(); c++)
            html.append("<tr><td>").append(escape(m.labels().get(c))).append("</td><td class=\"n\">").append(number(cm.precision(c)))
                    .append("</td><td class=\"n\">").append(number(cm.recall(c))).append("</td><td class=\"n\">")
                    .append(number(cm.f1(c))).append("</td><td class=\"n\">").append(String.format(Locale.ROOT, "%,d", cm.support(c)))
                    .append("</td></tr>\n");
        html.append("</table>\n");
        for (String note : m.undefined()) html.append("<p>").append(escape(note)).append("</p>\n");
        chart(Charts.confusionMatrix(m), "confusion_matrix.png", "Confusion matrix", dir, images);
        if (roc != null) chart(Charts.roc(roc), "roc.png", "ROC curve", dir, images);
        if (calibration != null) {
            chart(Charts.reliability(calibration), "reliability.png", "Reliability diagram", dir, images);
            chart(Charts.accuracyCoverage(calibration), "accuracy_coverage.png", "Accuracy against the share of rows answered", dir, images);
        }
    }

    private static void regression(RegressionMetrics m, StringBuilder html, Path dir, List<String[]> images) throws IOException {
        html.append("<h2>Metrics</h2>\n<table>\n");
        row(html, "rows", String.format(Locale.ROOT, "%,d", m.n()));
        row(html, "Pearson", number(m.pearson()));
        row(html, "Spearman", number(m.spearman()));
        row(html, "MSE", number(m.mse()));
        html.append("</table>\n");
        chart(Charts.scatter(m), "predictions.png", "Predicted against gold scores", dir, images);
    }

    /** Loss fields, the learning rate, and the other dev metrics, each on its own chart since their scales differ. */
    private static void training(TrainingLog log, StringBuilder html, Path dir, List<String[]> images) throws IOException {
        List<String> losses = new ArrayList<>(), rates = new ArrayList<>(), dev = new ArrayList<>();
        for (String field : log.fields()) {
            if (field.contains("loss")) losses.add(field);
            else if (field.equals("lr") || field.equals("learning_rate")) rates.add(field);
            else if (field.startsWith("dev_")) dev.add(field);
        }
        html.append(String.format(Locale.ROOT, "<p>Training log: %,d entries", log.entries().size()));
        if (!log.badLines().isEmpty())
            html.append(String.format(Locale.ROOT, ", %,d unreadable lines ignored (%s)", log.badLines().size(), TrainingLog.lineList(log.badLines())));
        html.append(".</p>\n");
        chart(Charts.curves(log, "Loss", "loss", losses), "loss.png", "Training (and dev) loss", dir, images);
        chart(Charts.curves(log, "Learning rate", "learning rate", rates), "learning_rate.png", "Learning rate", dir, images);
        chart(Charts.curves(log, "Dev metrics", "value", dev), "dev_metrics.png", "Dev metrics", dir, images);
    }

    private static void chart(Chart<?, ?> chart, String file, String alt, Path dir, List<String[]> images) throws IOException {
        if (chart == null) return;
        Charts.savePng(chart, dir.resolve(file));
        images.add(new String[] {file, alt});
    }

    private static void row(StringBuilder html, String name, String value) {
        html.append("<tr><th>").append(escape(name)).append("</th><td class=\"n\">").append(value).append("</td></tr>\n");
    }

    private static String number(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "–";
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
