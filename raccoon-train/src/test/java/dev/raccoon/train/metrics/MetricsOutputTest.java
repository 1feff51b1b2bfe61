package dev.raccoon.train.metrics;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class MetricsOutputTest {
    @Test
    void classificationTextAndJson() {
        ClassificationMetrics m = new ClassificationMetrics(List.of("negative", "positive"));
        m.add(0, 0, 0.1);
        m.add(0, 1, 0.6);
        m.add(1, 1, 0.9);
        m.add(1, 0, 0.4);
        ObjectNode json = m.toJson();
        assertThat(json.get("n").asLong()).isEqualTo(4);
        assertThat(json.get("accuracy").asDouble()).isEqualTo(0.5);
        assertThat(json.get("macro_f1").asDouble()).isEqualTo(0.5);
        assertThat(json.get("roc_auc").asDouble()).isCloseTo(0.75, within(1e-12));
        assertThat(json.at("/per_class/positive/precision").asDouble()).isEqualTo(0.5);
        assertThat(json.at("/per_class/negative/support").asLong()).isEqualTo(2);
        assertThat(json.get("confusion_matrix").toString()).isEqualTo("[[1,1],[1,1]]");
        assertThat(m.toText()).contains("accuracy   0.5000").contains("ROC-AUC    0.7500")
                .contains("confusion matrix (rows: gold, columns: predicted)").contains("positive");
    }

    /** Hangul takes two terminal columns a character: the table lines up on a terminal, not by character count. */
    @Test
    void koreanLabelsLineUpInTerminalColumns() {
        ClassificationMetrics m = new ClassificationMetrics(List.of("부정", "매우긍정적"));
        m.add(0, 0, 0.1);
        m.add(1, 1, 0.9);
        List<String> lines = m.toText().lines().toList();
        String header = lines.stream().filter(l -> l.startsWith("class")).findFirst().orElseThrow();
        int precisionAt = ClassificationMetrics.columns(header.substring(0, header.indexOf("precision")));
        for (String label : List.of("부정", "매우긍정적")) {
            String row = lines.stream().filter(l -> l.startsWith(label) && l.contains("1.0000")).findFirst().orElseThrow();
            assertThat(ClassificationMetrics.columns(row.substring(0, row.indexOf("1.0000")))).as(row).isEqualTo(precisionAt + 3);
        }
        assertThat(ClassificationMetrics.columns("부정 ok")).isEqualTo(7);
    }

    @Test
    void figuresTheRowsLeaveUndefinedAreSaidToBe() {
        ClassificationMetrics allPositive = new ClassificationMetrics(List.of("negative", "positive"));
        allPositive.add(1, 1, 0.9);
        allPositive.add(1, 0, 0.2);
        assertThat(allPositive.undefined()).containsExactly(
                "recall of 'negative' is 0/0 (no row has it): shown as 0, and its F1 of 0 counts in macro-F1",
                "ROC-AUC is undefined: every row's label is 'positive'");
        ObjectNode json = allPositive.toJson();
        assertThat(json.get("roc_auc").isNull()).isTrue();
        assertThat(json.get("undefined")).hasSize(2);
        assertThat(allPositive.toText()).contains("note: ROC-AUC is undefined");

        ClassificationMetrics neverNegative = new ClassificationMetrics(List.of("negative", "neutral", "positive"));
        neverNegative.add(0, 2, Double.NaN);
        neverNegative.add(2, 2, Double.NaN);
        assertThat(neverNegative.undefined()).containsExactly(
                "precision of 'negative' is 0/0 (no answer is it): shown as 0, and its F1 of 0 counts in macro-F1",
                "precision and recall of 'neutral' are 0/0 (no row has it and no answer is it): shown as 0, left out of macro-F1");
        assertThat(neverNegative.toText()).contains("note: precision of 'negative' is 0/0");

        ClassificationMetrics defined = new ClassificationMetrics(List.of("negative", "positive"));
        defined.add(0, 1, 0.7);
        defined.add(1, 0, 0.3);
        assertThat(defined.undefined()).isEmpty();
        assertThat(defined.toJson().get("undefined")).as("always there, for scripts").isEmpty();
    }

    @Test
    void threeClassesHaveNoRoc() {
        ClassificationMetrics m = new ClassificationMetrics(List.of("negative", "neutral", "positive"));
        m.add(2, 2, Double.NaN);
        m.add(1, 0, Double.NaN);
        assertThat(m.roc()).isNull();
        assertThat(m.toJson().has("roc_auc")).isFalse();
        assertThat(m.toText()).doesNotContain("ROC-AUC");
    }

    @Test
    void regressionJsonWritesNullForUndefinedCorrelation() {
        RegressionMetrics m = new RegressionMetrics();
        m.add(1, 1);
        m.add(2, 3);
        m.add(3, 2);
        ObjectNode json = m.toJson();
        assertThat(json.get("n").asLong()).isEqualTo(3);
        assertThat(json.get("pearson").asDouble()).isCloseTo(0.5, within(1e-12));
        assertThat(json.get("spearman").asDouble()).isCloseTo(0.5, within(1e-12));
        assertThat(json.get("mse").asDouble()).isCloseTo(2 / 3.0, within(1e-12));
        RegressionMetrics constant = new RegressionMetrics();
        constant.add(1, 1);
        constant.add(1, 2);
        assertThat(constant.toJson().get("pearson").isNull()).isTrue();
    }
}
