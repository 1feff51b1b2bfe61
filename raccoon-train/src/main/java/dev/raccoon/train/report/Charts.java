package dev.raccoon.train.report;

import dev.raccoon.train.metrics.Calibration;
import dev.raccoon.train.metrics.ClassificationMetrics;
import dev.raccoon.train.metrics.RegressionMetrics;
import dev.raccoon.train.metrics.RocCurve;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.HeatMapStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The report's charts (and the pretraining curves' panels), drawn with XChart into PNG files. */
public final class Charts {
    private static final int WIDTH = 640;
    private static final int HEIGHT = 480;

    /** A reliability bin's share of the rows above which it reaches the legend's height. */
    private static final double MOST_ROWS = 0.75;

    private Charts() {}

    /** Counts per (gold, predicted) cell, coloured by count and written in the cells; gold rows top to bottom. */
    static HeatMapChart confusionMatrix(ClassificationMetrics m) {
        List<String> labels = m.labels();
        int k = labels.size();
        HeatMapChart chart = new HeatMapChartBuilder().width(WIDTH).height(HEIGHT).title("Confusion matrix")
                .xAxisTitle("predicted").yAxisTitle("gold").build();
        List<String> gold = new ArrayList<>(labels.reversed());
        List<Number[]> cells = new ArrayList<>();
        long max = 1;
        for (int g = 0; g < k; g++) {
            for (int p = 0; p < k; p++) {
                long count = m.confusion().count(g, p);
                max = Math.max(max, count);
                cells.add(new Number[] {p, k - 1 - g, count});
            }
        }
        chart.addSeries("count", labels, gold, cells);
        HeatMapStyler styler = chart.getStyler();
        styler.setShowValue(true);
        styler.setValueFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        styler.setValueFontColor(Color.BLACK);
        styler.setHeatMapValueDecimalPattern("#,##0");
        styler.setRangeColors(new Color[] {Color.WHITE, new Color(0x9ECAE1), new Color(0x4292C6)});
        styler.setMin(0);
        styler.setMax(max);
        styler.setPlotContentSize(1.0);
        styler.setChartBackgroundColor(Color.WHITE);
        // the cells give their counts; XChart's colour scale would label its ends as decimals ("471.0")
        styler.setLegendVisible(false);
        return chart;
    }

    static XYChart roc(RocCurve roc) {
        XYChart chart = xy(String.format(Locale.ROOT, "ROC curve (AUC %.4f)", roc.auc()), "false positive rate", "true positive rate");
        XYStyler styler = chart.getStyler();
        styler.setXAxisMin(0.0);
        styler.setXAxisMax(1.0);
        styler.setYAxisMin(0.0);
        styler.setYAxisMax(1.0);
        styler.setLegendPosition(Styler.LegendPosition.InsideSE);
        dashed(line(chart, "chance", new double[] {0, 1}, new double[] {0, 1}));
        line(chart, "model", roc.fpr(), roc.tpr()).setLineColor(new Color(0x2171B5));
        return chart;
    }

    /**
     * Accuracy against mean probability per confidence bin, beside the diagonal of perfect calibration, over the whole
     * range a probability of the answer can take (from 1/classes), and under them each bin's share of the rows, so a
     * gap in a bin of a few rows is seen as such.
     */
    static XYChart reliability(Calibration calibration) {
        XYChart chart = xy(String.format(Locale.ROOT, "Reliability (expected calibration error %.4f)",
                calibration.expectedCalibrationError()), "mean probability of the answer, per bin of 1/" + Calibration.BINS, "accuracy");
        List<Double> confidence = new ArrayList<>(), accuracy = new ArrayList<>(), binStart = new ArrayList<>(), share = new ArrayList<>();
        // the answer's probability is at least 1/classes: start at the bin that holds it
        double lowest = (Math.ceil(Calibration.BINS / (double) Math.max(2, calibration.classes())) - 1) / Calibration.BINS;
        for (Calibration.Bin b : calibration.bins()) {
            if (b.to() <= lowest) continue;
            binStart.add(b.from());
            share.add((double) b.count() / calibration.n());
            if (b.count() == 0) continue;
            confidence.add(b.meanConfidence());
            accuracy.add(b.accuracy());
        }
        binStart.add(1.0);
        share.add(share.getLast()); // the step of the last bin runs to 1
        XYStyler styler = chart.getStyler();
        styler.setXAxisMin(lowest);
        styler.setXAxisMax(1.0);
        styler.setYAxisMin(0.0);
        styler.setYAxisMax(1.0);
        // The legend sits in the upper left, which the curve and the shares of rows leave free, unless a bin holds most
        // of the rows: its share would run up behind the legend, which then goes below the plot.
        styler.setLegendPosition(share.stream().anyMatch(x -> x > MOST_ROWS)
                ? Styler.LegendPosition.OutsideS : Styler.LegendPosition.InsideNW);
        XYSeries rows = chart.addSeries("share of rows in the bin", binStart, share);
        rows.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.StepArea);
        rows.setMarker(SeriesMarkers.NONE);
        rows.setLineColor(new Color(0xBDBDBD));
        rows.setFillColor(new Color(0xE0E0E0));
        dashed(line(chart, "calibrated", new double[] {0, 1}, new double[] {0, 1}));
        XYSeries model = chart.addSeries("accuracy of the bin", confidence, accuracy);
        model.setMarker(SeriesMarkers.CIRCLE);
        model.setLineColor(new Color(0x2171B5));
        model.setMarkerColor(new Color(0x2171B5));
        return chart;
    }

    /** The accuracy of the most confident rows against the share of rows they are, from the most confident down. */
    static XYChart accuracyCoverage(Calibration calibration) {
        double[][] curve = calibration.accuracyCoverage(1000);
        XYChart chart = xy("Accuracy when answering only the most confident rows", "% of rows answered", "accuracy");
        XYStyler styler = chart.getStyler();
        styler.setXAxisMin(0.0);
        styler.setXAxisMax(100.0);
        styler.setYAxisMax(1.0);
        styler.setLegendPosition(Styler.LegendPosition.InsideSW);
        double yMin = 1;
        for (double a : curve[1]) yMin = Math.min(yMin, a);
        yMin = Math.max(0, Math.floor(100 * yMin - 1) / 100); // room under the lowest point for its label
        styler.setYAxisMin(yMin);
        List<Double> answered = new ArrayList<>(), accuracy = new ArrayList<>();
        List<Calibration.Selective> selective = calibration.selective();
        for (int i = 0; i < selective.size(); i++) {
            Calibration.Selective s = selective.get(i);
            if (s.answered() == 0) continue;
            // thresholds that answer the same rows share one point, labelled with the first and last ("0.5–0.8")
            int last = i;
            while (last + 1 < selective.size() && selective.get(last + 1).answered() == s.answered()) last++;
            String label = threshold(s) + (last > i ? "–" + threshold(selective.get(last)) : "");
            i = last;
            answered.add(100 * s.coverage());
            accuracy.add(s.accuracy());
            // the threshold written beside its point, a little below it, to the right or, near 100 %, to the left
            // (a range by a unit more per extra character, so it stays inside the plot)
            double x = 100 * s.coverage();
            chart.addAnnotation(new AnnotationText(label, x > 94 ? x - 3 - Math.max(0, label.length() - 4) : x + 3,
                    s.accuracy() - 0.03 * (1 - yMin), false));
        }
        XYSeries thresholds = chart.addSeries("probability ≥ the number beside the point", answered, accuracy);
        thresholds.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        thresholds.setMarker(SeriesMarkers.CIRCLE);
        thresholds.setMarkerColor(new Color(0xE6550D));
        // Added after the thresholds: XChart puts the x ticks on the data's own x values when those of all series, in
        // the order added, are equally spaced, as the curve's are up to 1,000 rows (ticks 5.9, 11.8, … run together);
        // the thresholds' points first break that, and it chooses round ticks.
        double[] percent = new double[curve[0].length];
        for (int i = 0; i < percent.length; i++) percent[i] = 100 * curve[0][i];
        line(chart, "model", percent, curve[1]).setLineColor(new Color(0x2171B5));
        return chart;
    }

    /** A threshold as the chart writes it: 0.5, 0.95. */
    private static String threshold(Calibration.Selective s) {
        return String.format(Locale.ROOT, "%.2f", s.threshold()).replaceAll("0$", "");
    }

    static XYChart scatter(RegressionMetrics m) {
        XYChart chart = xy(String.format(Locale.ROOT, "Predictions (Pearson %.4f, Spearman %.4f)", m.pearson(), m.spearman()),
                "gold score", "predicted score");
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(4);
        chart.getStyler().setLegendVisible(false);
        chart.addSeries("rows", m.targets(), m.predictions());
        return chart;
    }

    /** One line per field of the log that has values; null when none has. */
    static XYChart curves(TrainingLog log, String title, String yAxis, List<String> fields) {
        return curves(log, title, yAxis, fields, WIDTH, HEIGHT);
    }

    /** One line per field of the log that has values, over a {@link StepAxis}; null when none has. */
    public static XYChart curves(TrainingLog log, String title, String yAxis, List<String> fields, int width, int height) {
        XYChart chart = xy(title, "step", yAxis, width, height);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        double lastStep = 0;
        boolean any = false;
        for (String field : fields) {
            double[][] s = log.series(field);
            if (s[0].length == 0) continue;
            line(chart, field, s[0], s[1]).setMarker(s[0].length == 1 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
            for (double step : s[0]) lastStep = Math.max(lastStep, step);
            any = true;
        }
        if (!any) return null;
        StepAxis.apply(chart, lastStep);
        // A flat curve gets ticks a few 1e-9 apart, which XChart would print with fifteen digits.
        chart.getStyler().setYAxisDecimalPattern("0.######");
        return chart;
    }

    /** An empty chart that says so, for a panel whose log has no values yet. */
    public static XYChart placeholder(String title, String yAxis, int width, int height) {
        XYChart chart = xy(title, "step", yAxis, width, height);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.addSeries("no data yet", new double[] {0}, new double[] {0});
        return chart;
    }

    private static XYChart xy(String title, String xAxis, String yAxis) {
        return xy(title, xAxis, yAxis, WIDTH, HEIGHT);
    }

    private static XYChart xy(String title, String xAxis, String yAxis, int width, int height) {
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xAxis).yAxisTitle(yAxis).build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridLinesColor(new Color(0xDDDDDD));
        return chart;
    }

    private static XYSeries line(XYChart chart, String name, double[] x, double[] y) {
        XYSeries series = chart.addSeries(name, x, y);
        series.setMarker(SeriesMarkers.NONE);
        series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        return series;
    }

    /** A grey dashed reference line. */
    private static void dashed(XYSeries series) {
        series.setLineColor(Color.GRAY)
                .setLineStyle(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
    }

    static void savePng(Chart<?, ?> chart, Path file) throws IOException {
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
