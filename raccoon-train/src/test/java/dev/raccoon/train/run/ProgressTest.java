package dev.raccoon.train.run;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressTest {

    @Test
    void thePlainLineSaysWhereTheRunIsAndHowLongItHasLeft() {
        assertThat(Progress.line("train", 150, 200, 100.0, 100.0, "loss 0.5000"))
                .isEqualTo("train step 150/200 · loss 0.5000 · 1m40s, about 1m40s left");
        assertThat(Progress.line("train", 0, 10, 0.0, Double.NaN, "x")).isEqualTo("train step 0/10 · x · 0.0s");
    }

    @Test
    void thePaceLeavesOutTheFirstStepsOneTimeCosts() throws InterruptedException {
        Progress.Pace pace = new Progress.Pace();
        Thread.sleep(300); // compiling, the first evaluation
        // Read around both marks, so the second step cannot have taken longer than this, however the threads run.
        long before = System.nanoTime();
        pace.step();
        double afterOne = pace.secondsFor(10);
        Thread.sleep(20);
        pace.step();
        double step = (System.nanoTime() - before) / 1e9;
        assertThat(afterOne).as("one step says nothing of the rest").isNaN();
        // ten more steps like the second, not like the 160 ms the first two took on average
        assertThat(pace.secondsFor(10)).isBetween(10 * 0.02, 10 * step);
        assertThat(pace.elapsedSeconds()).isGreaterThanOrEqualTo(0.32);
    }

    @Test
    void durationsReadAsHoursMinutesAndSeconds() {
        assertThat(Progress.duration(3723)).isEqualTo("1h02m03s");
        assertThat(Progress.duration(65)).isEqualTo("1m05s");
        assertThat(Progress.duration(6.04)).isEqualTo("6.0s");
    }
}
