package dev.raccoon.train;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressTest {

    @Test
    void thePlainLineSaysWhereTheRunIsAndExtrapolatesTheTimeLeftFromThisProcesssSteps() {
        // A run resumed at step 100 took 100 s for its 50 steps since: the 50 left take as long.
        assertThat(Progress.line("train", 150, 200, 50, 100.0, "loss 0.5000"))
                .isEqualTo("train step 150/200 · loss 0.5000 · 1m40s, about 1m40s left");
        assertThat(Progress.line("mlm", 1000, 10000, 1000, 40.0, "loss 7.1"))
                .isEqualTo("mlm step 1000/10000 · loss 7.1 · 40.0s, about 6m00s left");
        assertThat(Progress.line("train", 0, 10, 0, 0.0, "x")).isEqualTo("train step 0/10 · x · 0.0s");
    }

    @Test
    void durationsReadAsHoursMinutesAndSeconds() {
        assertThat(Progress.duration(3723)).isEqualTo("1h02m03s");
        assertThat(Progress.duration(65)).isEqualTo("1m05s");
        assertThat(Progress.duration(6.04)).isEqualTo("6.0s");
    }
}
