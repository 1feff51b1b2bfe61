package dev.raccoon.train.metrics;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class CorrelationTest {
    private static final double[] X = {1, 2, 3, 4, 5};
    private static final double[] Y = {2, 4, 5, 4, 5};

    @Test
    void pearsonByHand() {
        // Deviations x: -2..2, y: -2, 0, 1, 0, 1; Sxy 6, Sxx 10, Syy 6.
        assertThat(Correlation.pearson(X, Y)).isCloseTo(6 / Math.sqrt(60), within(1e-12));
        assertThat(Correlation.pearson(X, new double[] {10, 8, 6, 4, 2})).isCloseTo(-1, within(1e-12));
        assertThat(Correlation.pearson(X, new double[] {3, 3, 3, 3, 3})).isNaN();
    }

    @Test
    void averageRanksForTies() {
        assertThat(Correlation.ranks(new double[] {10, 20, 20, 30})).containsExactly(1, 2.5, 2.5, 4);
        assertThat(Correlation.ranks(new double[] {3, 1, 3, 3})).containsExactly(3, 1, 3, 3);
        assertThat(Correlation.ranks(Y)).containsExactly(1, 2.5, 4.5, 2.5, 4.5);
    }

    @Test
    void spearmanByHand() {
        // Ranks of Y: 1, 2.5, 4.5, 2.5, 4.5 (mean 3); Sxy 7, Sxx 10, Syy 9: 7 / sqrt(90) = 0.7378647873726218 (scipy).
        assertThat(Correlation.spearman(X, Y)).isCloseTo(0.7378647873726218, within(1e-12));
        assertThat(Correlation.spearman(X, new double[] {1, 4, 9, 16, 25})).isCloseTo(1, within(1e-12));
    }
}
