package dev.raccoon.train.pretrain;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PretrainCurvesTest {
    @Test
    void stepLabelsStayShort() {
        assertThat(PretrainCurves.stepLabel(0)).isEqualTo("0");
        assertThat(PretrainCurves.stepLabel(500)).isEqualTo("500");
        assertThat(PretrainCurves.stepLabel(1500)).isEqualTo("1.5k");
        assertThat(PretrainCurves.stepLabel(24000)).isEqualTo("24k");
        assertThat(PretrainCurves.stepLabel(1_200_000)).isEqualTo("1.2M");
    }
}
