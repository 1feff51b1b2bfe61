package dev.raccoon.train.metrics;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RocCurveTest {
    /** scikit-learn's roc_curve docstring example: y [1,1,2,2] (2 positive), scores [0.1,0.4,0.35,0.8]. */
    @Test
    void matchesScikitLearnsExample() {
        RocCurve roc = RocCurve.of(new double[] {0.1, 0.4, 0.35, 0.8}, new boolean[] {false, false, true, true});
        assertThat(roc.fpr()).containsExactly(0, 0, 0.5, 0.5, 1);
        assertThat(roc.tpr()).containsExactly(0, 0.5, 0.5, 1, 1);
        assertThat(roc.thresholds()).containsExactly(Double.POSITIVE_INFINITY, 0.8, 0.4, 0.35, 0.1);
        assertThat(roc.auc()).isCloseTo(0.75, within(1e-12));
    }

    @Test
    void tiedScoresCountHalf() {
        // Pairs (pos, neg): 0.5 vs 0.1 right, 0.5 vs 0.5 tie, 0.9 vs both right: (1 + 0.5 + 2) / 4.
        RocCurve roc = RocCurve.of(new double[] {0.1, 0.5, 0.5, 0.9}, new boolean[] {false, false, true, true});
        assertThat(roc.fpr()).containsExactly(0, 0, 0.5, 1);
        assertThat(roc.tpr()).containsExactly(0, 0.5, 1, 1);
        assertThat(roc.auc()).isCloseTo(0.875, within(1e-12));

        RocCurve allTied = RocCurve.of(new double[] {0.3, 0.3, 0.3, 0.3}, new boolean[] {false, true, false, true});
        assertThat(allTied.fpr()).containsExactly(0, 1);
        assertThat(allTied.auc()).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void perfectAndReversedRankings() {
        boolean[] y = {false, false, true, true, true};
        assertThat(RocCurve.of(new double[] {0.1, 0.2, 0.7, 0.8, 0.9}, y).auc()).isEqualTo(1.0);
        assertThat(RocCurve.of(new double[] {0.9, 0.8, 0.3, 0.2, 0.1}, y).auc()).isEqualTo(0.0);
    }

    @Test
    void undefinedWithOneClass() {
        assertThat(RocCurve.of(new double[] {0.1, 0.9}, new boolean[] {true, true})).isNull();
    }
}
