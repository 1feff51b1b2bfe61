package dev.raccoon.train.metrics;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ConfusionMatrixTest {
    private static final double EPS = 1e-12;

    /** scikit-learn's f1_score docstring example: y_true [0,1,2,0,1,2], y_pred [0,2,1,0,0,1], macro-F1 0.2667. */
    @Test
    void matchesScikitLearnsThreeClassExample() {
        int[] gold = {0, 1, 2, 0, 1, 2}, predicted = {0, 2, 1, 0, 0, 1};
        ConfusionMatrix m = new ConfusionMatrix(3);
        for (int i = 0; i < gold.length; i++) m.add(gold[i], predicted[i]);
        assertThat(m.total()).isEqualTo(6);
        assertThat(m.accuracy()).isCloseTo(1 / 3.0, within(EPS));
        assertThat(m.precision(0)).isCloseTo(2 / 3.0, within(EPS));
        assertThat(m.recall(0)).isCloseTo(1.0, within(EPS));
        assertThat(m.f1(0)).isCloseTo(0.8, within(EPS));
        assertThat(m.f1(1)).isZero();
        assertThat(m.f1(2)).isZero();
        assertThat(m.macroF1()).isCloseTo(0.26666666666666666, within(EPS));
        assertThat(m.count(1, 2)).isEqualTo(1);
        assertThat(m.count(2, 1)).isEqualTo(2);
        assertThat(m.support(2)).isEqualTo(2);
    }

    @Test
    void binaryByHand() {
        // 4 TN, 1 FP, 2 FN, 3 TP.
        ConfusionMatrix m = new ConfusionMatrix(2);
        for (int i = 0; i < 4; i++) m.add(0, 0);
        m.add(0, 1);
        for (int i = 0; i < 2; i++) m.add(1, 0);
        for (int i = 0; i < 3; i++) m.add(1, 1);
        assertThat(m.accuracy()).isCloseTo(0.7, within(EPS));
        assertThat(m.precision(1)).isCloseTo(0.75, within(EPS));
        assertThat(m.recall(1)).isCloseTo(0.6, within(EPS));
        assertThat(m.f1(1)).isCloseTo(2 * 0.75 * 0.6 / 1.35, within(EPS));
        assertThat(m.precision(0)).isCloseTo(4 / 6.0, within(EPS));
        assertThat(m.recall(0)).isCloseTo(0.8, within(EPS));
        assertThat(m.macroF1()).isCloseTo((2 * 0.75 * 0.6 / 1.35 + 2 * (4 / 6.0) * 0.8 / (4 / 6.0 + 0.8)) / 2, within(EPS));
    }

    @Test
    void classNeverPredictedHasPrecisionZero() {
        ConfusionMatrix m = new ConfusionMatrix(2);
        m.add(0, 0);
        m.add(1, 0);
        assertThat(m.precision(1)).isZero();
        assertThat(m.f1(1)).isZero();
        assertThat(new ConfusionMatrix(2).accuracy()).isNaN();
        assertThat(new ConfusionMatrix(2).macroF1()).isNaN();
    }

    /** f1_score([1], [1], average='macro') is 1.0: a class in neither the gold labels nor the answers is left out. */
    @Test
    void macroF1LeavesOutAClassNeitherGoldNorAnswered() {
        ConfusionMatrix one = new ConfusionMatrix(2);
        one.add(1, 1);
        assertThat(one.macroF1()).isEqualTo(1.0);
        // f1_score([0, 1, 0], [0, 1, 1], average='macro') with a third class unseen: (2/3 + 2/3) / 2
        ConfusionMatrix three = new ConfusionMatrix(3);
        three.add(0, 0);
        three.add(1, 1);
        three.add(0, 1);
        assertThat(three.macroF1()).isCloseTo(2 / 3.0, within(EPS));
        // a class only answered, never gold, counts with its F1 of 0
        three.add(1, 2);
        assertThat(three.macroF1()).isCloseTo((2 / 3.0 + 0.5 + 0) / 3, within(EPS));
    }
}
