package dev.raccoon.train.metrics;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class CalibrationTest {
    private static final double EPS = 1e-6;

    /**
     * Four rows worked by hand. Confidences 0.9 (right), 0.9 (wrong), 0.6 (right), 0.55 (wrong): bins of 1/15 put
     * the two 0.9s in (0.867, 0.933] (accuracy 0.5, mean 0.9), 0.6 in (0.533, 0.6] and 0.55 in (0.533, 0.6] too
     * (accuracy 0.5, mean 0.575): ECE = 0.5 · 0.4 + 0.5 · 0.075 = 0.2375.
     */
    @Test
    void fourRowsByHand() {
        Calibration c = new Calibration();
        c.add(1, new float[] {0.1f, 0.9f});
        c.add(0, new float[] {0.1f, 0.9f});
        c.add(0, new float[] {0.6f, 0.4f});
        c.add(1, new float[] {0.55f, 0.45f});

        assertThat(c.n()).isEqualTo(4);
        assertThat(c.expectedCalibrationError()).isCloseTo(0.2375, within(EPS));
        // Brier, as scikit-learn's for two classes (the second's probability against 1 or 0):
        // 0.1² = 0.01, 0.9² = 0.81, 0.4² = 0.16, 0.55² = 0.3025; mean 0.320625
        assertThat(c.brier()).isCloseTo(0.320625, within(EPS));
        assertThat(c.logLoss()).isCloseTo(-(Math.log(0.9) + Math.log(0.1) + Math.log(0.6) + Math.log(0.45)) / 4, within(EPS));
        List<Calibration.Bin> filled = c.bins().stream().filter(b -> b.count() > 0).toList();
        assertThat(filled).hasSize(2);
        assertThat(filled.get(0).from()).isCloseTo(8.0 / 15, within(1e-12));
        assertThat(filled.get(0).meanConfidence()).isCloseTo(0.575, within(EPS));
        assertThat(filled.get(1).accuracy()).isEqualTo(0.5);
        assertThat(c.bins()).hasSize(Calibration.BINS);

        List<Calibration.Selective> selective = c.selective();
        assertThat(selective.getFirst()).isEqualTo(new Calibration.Selective(0.5, 4, 1.0, 0.5));
        assertThat(selective.get(1).answered()).isEqualTo(3); // ≥ 0.6: the 0.6 row counts
        assertThat(selective.get(1).accuracy()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(selective.get(4)).isEqualTo(new Calibration.Selective(0.9, 2, 0.5, 0.5));
        assertThat(selective.getLast().answered()).isZero();
        assertThat(selective.getLast().accuracy()).isNaN();

        ObjectNode json = c.toJson();
        assertThat(json.get("ece").asDouble()).isCloseTo(0.2375, within(EPS));
        assertThat(json.get("bins")).hasSize(2); // empty bins are left out
        assertThat(json.at("/selective/6/accuracy").isNull()).isTrue();
    }

    @Test
    void probabilitiesThatMatchTheFrequenciesAreCalibrated() {
        Calibration c = new Calibration();
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 200_000; i++) {
            float p = (float) (0.5 + 0.5 * random.nextDouble());
            int gold = random.nextDouble() < p ? 1 : 0; // class 1 is right with probability p
            c.add(gold, new float[] {1 - p, p});
        }
        assertThat(c.expectedCalibrationError()).isLessThan(0.01);
        Calibration overconfident = new Calibration();
        random = new SplittableRandom(3);
        for (int i = 0; i < 200_000; i++) {
            float p = (float) (0.5 + 0.5 * random.nextDouble());
            int gold = random.nextDouble() < 0.5 + (p - 0.5) / 2 ? 1 : 0; // right less often than it says
            overconfident.add(gold, new float[] {1 - p, p});
        }
        // the true accuracy is halfway between 0.5 and p, so the gap averages (p - 0.5) / 2 = 0.125
        assertThat(overconfident.expectedCalibrationError()).isCloseTo(0.125, within(0.01));
    }

    @Test
    void certainMistakesAndTiesStayFinite() {
        Calibration c = new Calibration();
        c.add(0, new float[] {0f, 1f, 0f});
        c.add(2, new float[] {1 / 3f, 1 / 3f, 1 / 3f}); // a tie answers the first class
        assertThat(c.logLoss()).isCloseTo((-Math.log(Calibration.MIN_PROBABILITY) - Math.log(1 / 3.0)) / 2, within(EPS));
        assertThat(c.selective().get(1).answered()).isEqualTo(1); // at 0.5, only the certain mistake
        assertThat(c.selective().get(1).accuracy()).isZero();
        assertThatThrownBy(() -> c.add(2, new float[] {0.5f, 0.5f})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gold class 2 for 2 probabilities");
    }

    @Test
    void moreThanTwoClassesStartTheSelectiveTableAtEveryRow() {
        Calibration c = new Calibration();
        c.add(0, new float[] {0.4f, 0.3f, 0.3f});
        c.add(1, new float[] {0.6f, 0.2f, 0.2f});
        assertThat(c.classes()).isEqualTo(3);
        assertThat(c.selective().getFirst()).isEqualTo(new Calibration.Selective(0, 2, 1.0, 0.5));
        assertThat(c.selective().get(1)).isEqualTo(new Calibration.Selective(0.5, 1, 0.5, 0.0));
        assertThatThrownBy(() -> c.add(0, new float[] {0.5f, 0.5f})).hasMessageContaining("2 probabilities after rows of 3");
    }

    /** Probabilities that round to 1 in float tie; the logit margin ranks the rows as the exact probabilities would. */
    @Test
    void theRocCurveRanksByTheScoreGivenBesideTheProbabilities() {
        ClassificationMetrics m = new ClassificationMetrics(List.of("negative", "positive"));
        m.add(1, new float[] {0f, 1f}, 40.0);
        m.add(1, new float[] {0f, 1f}, 35.0);
        m.add(0, new float[] {0f, 1f}, 30.0);
        assertThat(m.roc().auc()).isEqualTo(1.0); // both positives above the negative
        ClassificationMetrics tied = new ClassificationMetrics(List.of("negative", "positive"));
        tied.add(1, new float[] {0f, 1f});
        tied.add(1, new float[] {0f, 1f});
        tied.add(0, new float[] {0f, 1f});
        assertThat(tied.roc().auc()).isEqualTo(0.5); // the probabilities tie: half a correct ranking a pair
    }

    @Test
    void accuracyCoverageGoesFromTheMostConfidentRowToAll() {
        Calibration c = new Calibration();
        c.add(1, new float[] {0.01f, 0.99f}); // right
        c.add(1, new float[] {0.8f, 0.2f}); // wrong
        c.add(0, new float[] {0.7f, 0.3f}); // right
        c.add(0, new float[] {0.4f, 0.6f}); // wrong
        double[][] all = c.accuracyCoverage(100);
        assertThat(all[0]).containsExactly(0.25, 0.5, 0.75, 1.0);
        assertThat(all[1]).containsExactly(1.0, 0.5, 2.0 / 3, 0.5);
        double[][] two = c.accuracyCoverage(2);
        assertThat(two[0]).containsExactly(0.5, 1.0);
        assertThat(two[1]).containsExactly(0.5, 0.5);
    }

    @Test
    void brierOfMoreClassesSumsOverThem() {
        Calibration c = new Calibration();
        c.add(0, new float[] {0.5f, 0.3f, 0.2f}); // 0.5² + 0.3² + 0.2² = 0.38
        c.add(2, new float[] {0.1f, 0.1f, 0.8f}); // 0.1² + 0.1² + 0.2² = 0.06
        assertThat(c.brier()).isCloseTo(0.22, within(EPS));
        assertThat(c.brierForm()).isEqualTo("squared errors summed over the classes, 0–2");
    }

    @Test
    void classificationMetricsReportCalibrationOnlyWhenEveryRowHadProbabilities() {
        ClassificationMetrics m = new ClassificationMetrics(List.of("negative", "positive"));
        m.add(1, new float[] {0.1f, 0.9f});
        m.add(0, new float[] {0.7f, 0.3f});
        assertThat(m.accuracy()).isEqualTo(1.0);
        assertThat(m.roc().auc()).isEqualTo(1.0);
        assertThat(m.calibration().n()).isEqualTo(2);
        assertThat(m.toText()).contains("ECE        0.2000").contains("Brier").contains("log loss")
                .contains("      0.90     50.0%    1.0000");
        assertThat(m.toJson().at("/calibration/brier").asDouble()).isCloseTo((0.01 + 0.09) / 2, within(EPS));
        assertThat(m.toText()).contains("Brier      0.0500  (squared error of the second class's probability, 0–1)");

        m.add(0, 0, 0.2); // a lexicon score: no probabilities
        assertThat(m.calibration()).isNull();
        assertThat(m.toText()).doesNotContain("ECE");
        assertThat(m.toJson().has("calibration")).isFalse();
        assertThatThrownBy(() -> m.add(0, new float[] {1f})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 probabilities for 2 labels");
    }
}
