package dev.raccoon.train.report;

import dev.raccoon.train.metrics.ClassificationMetrics;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.internal.chartpart.AxesChart;
import org.knowm.xchart.internal.chartpart.AxisPair;
import org.knowm.xchart.style.Styler;

import java.lang.reflect.Method;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class ChartsTest {
    private static ClassificationMetrics metrics(int rows) {
        ClassificationMetrics m = new ClassificationMetrics(List.of("negative", "positive"));
        SplittableRandom random = new SplittableRandom(rows);
        for (int i = 0; i < rows; i++) {
            int gold = i % 2;
            double p = Math.clamp(0.5 + (gold == 1 ? 0.2 : -0.2) + random.nextGaussian() * 0.25, 0, 1);
            m.add(gold, new float[] {(float) (1 - p), (float) p});
        }
        return m;
    }

    /** The x axis's tick labels as XChart drew them (it keeps the axes to itself: read by reflection). */
    private static List<String> xTickLabels(XYChart chart) throws ReflectiveOperationException {
        BitmapEncoder.getBufferedImage(chart);
        Method axisPair = AxesChart.class.getDeclaredMethod("getAxisPair");
        axisPair.setAccessible(true);
        return ((AxisPair<?, ?>) axisPair.invoke(chart)).getXAxis().getAxisTickCalculator().getTickLabels();
    }

    /** One row answers at 0.5, 0.6, 0.7 and 0.8 alike: one point, not four labels drawn over each other. */
    @Test
    void thresholdsAnsweringTheSameRowsShareAPoint() {
        ClassificationMetrics one = new ClassificationMetrics(List.of("negative", "positive"));
        one.add(1, new float[] {0.15f, 0.85f});
        XYChart chart = Charts.accuracyCoverage(one.calibration());
        assertThat(chart.getSeries("probability ≥ the number beside the point").getXData()).containsExactly(100.0);
        assertThat(Charts.confusionMatrix(one).getStyler().isLegendVisible()).as("no colour scale of decimals").isFalse();
        // the one row's bin has a share of 1, up to the top of the plot: the legend is not drawn over it
        assertThat(Charts.reliability(one.calibration()).getStyler().getLegendPosition()).isEqualTo(Styler.LegendPosition.OutsideS);
        assertThat(Charts.reliability(metrics(1000).calibration()).getStyler().getLegendPosition())
                .as("rows spread over the bins leave the upper left free").isEqualTo(Styler.LegendPosition.InsideNW);
    }

    @Test
    void accuracyCoverageTicksAreRoundPercentsForAnyRowCount() throws ReflectiveOperationException {
        // up to 1,000 rows the curve has a point per row, equally spaced; 999 and 1,000 gave 10.1101, 20.2202, … and 5.9, 11.8, …
        for (int rows : new int[] {2, 7, 50, 333, 500, 999, 1000, 1001, 10_000}) {
            List<String> labels = xTickLabels(Charts.accuracyCoverage(metrics(rows).calibration()));
            assertThat(labels).as(rows + " rows").hasSizeBetween(3, 11)
                    .allSatisfy(label -> assertThat(Double.parseDouble(label) % 5).as(rows + " rows: " + labels).isZero());
        }
    }
}
