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
        // se = √((0.14 − 0.06²) / 100) = 0.0369324
        double[] interval = c.interval95();
        assertThat(interval[0]).isCloseTo(0.06 - 1.96 * 0.0369324, within(1e-6));
        assertThat(interval[1]).isCloseTo(0.06 + 1.96 * 0.0369324, within(1e-6));
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
