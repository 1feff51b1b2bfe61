package dev.raccoon.train.metrics;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class PairedComparisonTest {
    private static PairedComparison of(long both, long onlyBaseline, long onlyModel, long neither) {
        PairedComparison c = new PairedComparison();
        for (long i = 0; i < both; i++) c.add(true, true);
        for (long i = 0; i < onlyBaseline; i++) c.add(true, false);
        for (long i = 0; i < onlyModel; i++) c.add(false, true);
        for (long i = 0; i < neither; i++) c.add(false, false);
        return c;
    }

    @Test
    void accuraciesDifferenceAndIntervalByHand() {
        PairedComparison c = of(70, 4, 10, 16);
        assertThat(c.n()).isEqualTo(100);
        assertThat(c.baselineAccuracy()).isEqualTo(0.74);
        assertThat(c.modelAccuracy()).isEqualTo(0.80);
        assertThat(c.difference()).isCloseTo(0.06, within(1e-12));
        // 10 wins of 14: Clopper–Pearson 0.418965 to 0.916111 (summed exactly with Python's math.comb), so
        // 14 · (2π − 1) / 100
        double[] interval = c.interval95();
        assertThat(interval[0]).isCloseTo(-0.0226899, within(1e-6));
        assertThat(interval[1]).isCloseTo(0.1165110, within(1e-6));
    }

    @Test
    void theIntervalLeavesOutZeroExactlyWhenTheTestRejects() {
        // all five rows won by the baseline: p = 2/32, so 0 stays in; the normal interval said −100 to −100 points
        PairedComparison five = of(0, 5, 0, 0);
        assertThat(five.mcnemarP()).isEqualTo(0.0625);
        assertThat(five.interval95()[0]).isEqualTo(-1.0);
        assertThat(five.interval95()[1]).isCloseTo(1 - 2 * Math.pow(0.025, 0.2), within(1e-9)).isPositive();
        // the same five among 200 rows: the normal interval was −4.66 to −0.34 points beside p = 0.0625
        assertThat(of(195, 5, 0, 0).interval95()[1]).isPositive();
        for (long[] split : new long[][] {{0, 6}, {6, 0}, {3, 14}, {14, 3}, {40, 61}, {40, 63}, {4_900, 5_100}, {4_800, 5_200}}) {
            PairedComparison c = of(100, split[0], split[1], 0);
            double[] interval = c.interval95();
            boolean zeroLeftOut = interval[0] > 0 || interval[1] < 0;
            assertThat(zeroLeftOut).as("%d : %d, p = %f", split[0], split[1], c.mcnemarP()).isEqualTo(c.mcnemarP() < 0.05);
            assertThat(c.difference()).isBetween(interval[0], interval[1]);
        }
        // nothing to tell them apart: no interval, not a claim of certainty
        assertThat(of(1, 0, 0, 0).interval95()).isNull();
        assertThat(of(1, 0, 0, 0).toJson().get("difference_low").isNull()).isTrue();
    }

    @Test
    void mcnemarExactPValues() {
        // 10 : 0 → 2 · 2⁻¹⁰
        assertThat(of(5, 0, 10, 0).mcnemarP()).isCloseTo(2.0 / 1024, within(1e-12));
        // 15 : 5 of 20 → 2 · (1 + 20 + 190 + 1140 + 4845 + 15504) / 2²⁰
        assertThat(of(0, 5, 15, 0).mcnemarP()).isCloseTo(2 * 21700.0 / 1048576, within(1e-12));
        // an even split, or nothing to tell them apart, is no evidence
        assertThat(of(3, 7, 7, 1).mcnemarP()).isEqualTo(1.0);
        assertThat(of(9, 0, 0, 1).mcnemarP()).isEqualTo(1.0);
        // thousands of disagreements: 4,900 : 5,100 is z = −1.99 in the normal approximation, p ≈ 0.047
        assertThat(of(0, 4_900, 5_100, 0).mcnemarP()).isCloseTo(0.0466, within(0.002));
        // and far past where 2^m overflows a double
        assertThat(of(0, 40_000, 41_000, 0).mcnemarP()).isBetween(0.0, 0.001);
    }

    @Test
    void jsonHasEveryFigure() {
        var json = of(70, 4, 10, 16).toJson();
        assertThat(json.get("only_model_right").asLong()).isEqualTo(10);
        assertThat(json.get("difference_low").asDouble()).isLessThan(json.get("difference").asDouble());
        assertThat(json.get("mcnemar_p").asDouble()).isCloseTo(2 * (1 + 14 + 91 + 364 + 1001) / 16384.0, within(1e-12));
    }
}
