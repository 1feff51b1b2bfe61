import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Draws NSMC dev accuracy against pretraining FLOPs from a TSV of "objective, pretraining FLOPs, dev accuracy" rows
 * (objective "scratch" is drawn as a horizontal line). Run with the CLI jar on the class path:
 * java -cp raccoon-cli/target/raccoon.jar docs/experiments/PlotExperiment.java RESULTS.tsv OUT.png
 */
public class PlotExperiment {
    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        double scratch = Double.NaN, maxFlops = 0;
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split("\t");
            double flops = Double.parseDouble(f[1]), acc = Double.parseDouble(f[2]);
            if (f[0].equals("scratch")) scratch = acc;
            else series.computeIfAbsent(f[0], k -> new ArrayList<>()).add(new double[] {flops, acc});
            maxFlops = Math.max(maxFlops, flops);
        }
        XYChart chart = new XYChartBuilder().width(720).height(480)
                .title("NSMC dev accuracy after fine-tuning vs pretraining compute (tiny, CPU)")
                .xAxisTitle("pretraining FLOPs").yAxisTitle("dev accuracy").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        chart.getStyler().setXAxisDecimalPattern("0.0E0");
        for (var e : series.entrySet()) {
            double[] x = e.getValue().stream().mapToDouble(p -> p[0]).toArray();
            double[] y = e.getValue().stream().mapToDouble(p -> p[1]).toArray();
            XYSeries s = chart.addSeries(e.getKey(), x, y);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        if (!Double.isNaN(scratch)) {
            XYSeries s = chart.addSeries("no pretraining", new double[] {0, maxFlops}, new double[] {scratch, scratch});
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(Color.GRAY);
            s.setLineStyle(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        }
        BitmapEncoder.saveBitmap(chart, args[1], BitmapEncoder.BitmapFormat.PNG);
    }
}
