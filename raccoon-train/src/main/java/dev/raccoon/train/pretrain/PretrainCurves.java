package dev.raccoon.train.pretrain;

import dev.raccoon.train.report.TrainingLog;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The pretraining curves as one PNG: the losses on the left; in the middle the discriminator's replaced-token
 * accuracy against its base rate (always answering "original") and the generator's MLM accuracy; for ELECTRA, on
 * the right, what the discriminator knows beyond the base rate (StepStats.discInformation), the curve that shows
 * whether it learns at all.
 */
final class PretrainCurves {
    private static final int WIDTH = 560, HEIGHT = 420;

    static {
        // XChart draws with AWT; on a server without a display AWT must not look for one.
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    private PretrainCurves() {}

    static void write(Path logFile, Path png, Objective objective) throws IOException {
        TrainingLog log = TrainingLog.read(logFile);
        boolean electra = objective == Objective.ELECTRA;
        XYChart losses = chart("Losses", "loss", electra ? List.of("mlm_loss", "disc_loss") : List.of("mlm_loss"), log);
        XYChart accuracy = chart("Accuracy", "accuracy",
                electra ? List.of("disc_accuracy", "disc_base_rate", "mlm_accuracy") : List.of("mlm_accuracy"), log);
        List<XYChart> charts = electra
                ? List.of(losses, accuracy, chart("Discriminator information", "nats per token", List.of("disc_information"), log))
                : List.of(losses, accuracy);
        BufferedImage image = new BufferedImage(charts.size() * WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        for (int i = 0; i < charts.size(); i++) g.drawImage(BitmapEncoder.getBufferedImage(charts.get(i)), i * WIDTH, 0, null);
        g.dispose();
        Path tmp = png.resolveSibling("." + png.getFileName() + ".tmp");
        javax.imageio.ImageIO.write(image, "png", tmp.toFile());
        Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static XYChart chart(String title, String yAxis, List<String> fields, TrainingLog log) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("step").yAxisTitle(yAxis).build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridLinesColor(new Color(0xDDDDDD));
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        // Full step numbers ("24000.0") overlap once a run passes ten thousand steps.
        chart.getStyler().setxAxisTickLabelsFormattingFunction(PretrainCurves::stepLabel);
        chart.getStyler().setXAxisMin(0.0);
        boolean any = false;
        for (String field : fields) {
            double[][] s = log.series(field);
            if (s[0].length == 0) continue;
            any = true;
            XYSeries series = chart.addSeries(field, s[0], s[1]);
            series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            series.setMarker(s[0].length == 1 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        }
        if (!any) chart.addSeries("no data yet", new double[] {0}, new double[] {0});
        return chart;
    }

    /** A step as a short tick label: 500, 1.5k, 24k, 1.2M. */
    static String stepLabel(double step) {
        double magnitude = Math.abs(step);
        if (magnitude < 1000) return String.format(Locale.ROOT, "%.0f", step);
        double scaled = magnitude < 1e6 ? step / 1e3 : step / 1e6;
        String number = String.format(Locale.ROOT, scaled == Math.rint(scaled) ? "%.0f" : "%.1f", scaled);
        return number + (magnitude < 1e6 ? "k" : "M");
    }
}
