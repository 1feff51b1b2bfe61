package dev.raccoon.train.pretrain;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class StepStatsTest {
    private static StepStats content(long tokens, long originals, double lossSum) {
        return new StepStats(0, 0, 0, tokens, 0, 0, 0, originals, tokens, originals, lossSum, 1);
    }

    @Test
    void informationIsTheBaseRateEntropyLessTheLoss() {
        double entropy = -(0.8 * Math.log(0.8) + 0.2 * Math.log(0.2)); // 0.5004
        assertThat(content(100, 80, 100 * entropy).discInformation()).isCloseTo(0, within(1e-12));
        assertThat(content(100, 80, 0).discInformation()).isCloseTo(entropy, within(1e-12));
        assertThat(content(100, 80, 100 * (entropy - 0.1)).discInformation()).isCloseTo(0.1, within(1e-12));
    }

    @Test
    void windowsAddTokensNotStepMeans() {
        // 0.2 replaced over both steps together (10 of 50), whatever each step's share was.
        StepStats sum = content(10, 10, 0).plus(content(40, 30, 40 * 0.5));
        double p = 40 / 50.0, entropy = -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
        assertThat(sum.discInformation()).isCloseTo(entropy - 20 / 50.0, within(1e-12));
        assertThat(sum.steps()).isEqualTo(2);
    }

    @Test
    void noReplacementsMeansNoEntropyToBeat() {
        assertThat(content(10, 10, 0).discInformation()).isZero();
        assertThat(content(10, 10, 1.0).discInformation()).isCloseTo(-0.1, within(1e-12));
    }
}
