import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Draws NSMC dev accuracy against the number of labelled rows, one line per starting point, from label_table.py's
 * TSV ("start, rows, lr, mean, sd"); only the rows of one learning rate, with the seeds' standard deviation as
 * error bars. Run with the CLI jar on the class path:
 * java -cp raccoon-cli/target/raccoon.jar docs/experiments/PlotLabelEfficiency.java TABLE.tsv LR OUT.png START...
 */
public class PlotLabelEfficiency {
    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        List<String> starts = List.of(args).subList(3, args.length);
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (String start : starts) series.put(start, new ArrayList<>());
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            String[] f = line.split("\t");
            if (f[2].equals(args[1]) && series.containsKey(f[0]))
                series.get(f[0]).add(new double[] {Double.parseDouble(f[1]), 100 * Double.parseDouble(f[3]), 100 * Double.parseDouble(f[4])});
        }
        XYChart chart = new XYChartBuilder().width(720).height(480)
                .title("Fine-tuning on few NSMC labels from tiny encoders pretrained at 1.5e14 FLOPs (lr " + args[1] + ")")
                .xAxisTitle("labelled training rows").yAxisTitle("NSMC dev accuracy (%)").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        chart.getStyler().setXAxisLogarithmic(true);
        for (var e : series.entrySet()) {
            List<double[]> points = e.getValue();
            points.sort((a, b) -> Double.compare(a[0], b[0]));
            XYSeries s = chart.addSeries(e.getKey(), points.stream().mapToDouble(p -> p[0]).toArray(),
                    points.stream().mapToDouble(p -> p[1]).toArray(), points.stream().mapToDouble(p -> p[2]).toArray());
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        BitmapEncoder.saveBitmap(chart, args[2], BitmapEncoder.BitmapFormat.PNG);
    }
}
