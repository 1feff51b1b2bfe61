package dev.raccoon.train.optim;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The values transformers' get_linear_schedule_with_warmup gives. */
class LinearScheduleTest {

    @Test
    void warmsUpThenDecaysToZero() {
        LinearSchedule s = new LinearSchedule(2e-5f, 10, 110);
        assertThat(s.lr(0)).isZero();
        assertThat(s.lr(5)).isCloseTo(1e-5f, within(1e-12f));
        assertThat(s.lr(10)).isCloseTo(2e-5f, within(1e-12f));
        assertThat(s.lr(60)).isCloseTo(1e-5f, within(1e-12f));
        assertThat(s.lr(110)).isZero();
        assertThat(s.lr(500)).isZero();
    }

    @Test
    void withoutWarmupStartsAtThePeak() {
        LinearSchedule s = new LinearSchedule(1f, 0, 4);
        assertThat(s.lr(0)).isEqualTo(1f);
        assertThat(s.lr(1)).isEqualTo(0.75f);
        assertThat(s.lr(4)).isZero();
    }
}
