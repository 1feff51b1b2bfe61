package dev.raccoon.train.report;

import org.knowm.xchart.XYChart;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * An x axis of training steps that reads at a glance: from 0 to a round bound, so XChart's ticks fall on round
 * steps (left to itself it starts them at the first logged step and spaces them 700 or 1.6861E4 apart), labelled
 * short (500, 1.25k, 24k, 1.2M) so they do not overlap on long runs.
 */
public final class StepAxis {
    private static final int MAX_INTERVALS = 8;
    /** XChart's default (74) puts twelve ticks on a 560-pixel panel. */
    private static final int TICK_SPACING_PIXELS = 100;

    private StepAxis() {}

    /** Sets the chart's x range and tick labels for steps up to {@code lastStep}. */
    public static void apply(XYChart chart, double lastStep) {
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setXAxisTickMarkSpacingHint(TICK_SPACING_PIXELS);
        if (lastStep > 0) chart.getStyler().setXAxisMax(bound(lastStep));
        chart.getStyler().setxAxisTickLabelsFormattingFunction(StepAxis::label);
    }

    /** The smallest multiple of a round interval (1, 2, 2.5 or 5 × 10ⁿ) that covers {@code lastStep} in at most eight intervals. */
    static double bound(double lastStep) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(lastStep / MAX_INTERVALS)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            double interval = m * magnitude;
            if (Math.ceil(lastStep / interval) <= MAX_INTERVALS) return Math.ceil(lastStep / interval) * interval;
        }
        throw new AssertionError("10 × 10ⁿ ≥ lastStep / 8 always covers");
    }

    /** A step as a short tick label: 500, 1.25k, 24k, 1.2M. */
    public static String label(double step) {
        double magnitude = Math.abs(step);
        if (magnitude < 1000) return String.format(Locale.ROOT, "%.0f", step);
        double scaled = magnitude < 1e6 ? step / 1e3 : step / 1e6;
        String number = new BigDecimal(scaled).setScale(2, RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
        return number + (magnitude < 1e6 ? "k" : "M");
    }
}
