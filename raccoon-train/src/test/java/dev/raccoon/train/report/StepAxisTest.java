package dev.raccoon.train.report;

import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

import static org.assertj.core.api.Assertions.assertThat;

class StepAxisTest {
    @Test
    void labelsStayShort() {
        assertThat(StepAxis.label(0)).isEqualTo("0");
        assertThat(StepAxis.label(500)).isEqualTo("500");
        assertThat(StepAxis.label(1500)).isEqualTo("1.5k");
        assertThat(StepAxis.label(1250)).isEqualTo("1.25k");
        assertThat(StepAxis.label(24000)).isEqualTo("24k");
        assertThat(StepAxis.label(1_200_000)).isEqualTo("1.2M");
    }

    @Test
    void theAxisEndsOnARoundStepAtMostEightIntervalsOut() {
        assertThat(StepAxis.bound(9000)).isEqualTo(10000);     // intervals of 2,000 (1,000 would take nine)
        assertThat(StepAxis.bound(8000)).isEqualTo(8000);
        assertThat(StepAxis.bound(26000)).isEqualTo(30000);    // 5,000
        assertThat(StepAxis.bound(116730)).isEqualTo(120000);  // 20,000
        assertThat(StepAxis.bound(38910)).isEqualTo(40000);    // 5,000
        assertThat(StepAxis.bound(19)).isEqualTo(20);          // 2.5 × 8
        assertThat(StepAxis.bound(4)).isEqualTo(4);
    }

    @Test
    void appliedToAChartItStartsAtZero() {
        XYChart chart = new XYChartBuilder().build();
        StepAxis.apply(chart, 9000);
        assertThat(chart.getStyler().getXAxisMin()).isEqualTo(0.0);
        assertThat(chart.getStyler().getXAxisMax()).isEqualTo(10000.0);
        assertThat(chart.getStyler().getxAxisTickLabelsFormattingFunction().apply(6000.0)).isEqualTo("6k");
    }
}
