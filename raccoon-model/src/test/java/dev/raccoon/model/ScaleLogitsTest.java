package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Temperature scaling kept in the weights: both heads' logits come out multiplied by the factor. */
class ScaleLogitsTest {
    @Test
    void everyLogitIsMultipliedForBothHeads() {
        for (Architecture architecture : List.of(Architecture.ELECTRA_FOR_SEQUENCE_CLASSIFICATION, Architecture.BERT_FOR_SEQUENCE_CLASSIFICATION)) {
            try (Backend backend = Backends.scalar()) {
                List<String> labels = List.of("a", "b", "c");
                SequenceClassifier model = (SequenceClassifier) PretrainedModel.create(architecture,
                        architecture == Architecture.BERT_FOR_SEQUENCE_CLASSIFICATION ? BackwardGradientTest.bert(labels)
                                : BackwardGradientTest.electra(labels), backend);
                model.params().initialize(0.5f, 0, 7);
                Batch batch = BackwardGradientTest.paddedBatch();
                float[] before = backend.read(model.logits(batch));
                model.scaleLogits(0.25f);
                float[] after = backend.read(model.logits(batch));
                assertThat(after).hasSameSizeAs(before);
                for (int i = 0; i < before.length; i++)
                    assertThat(after[i]).as(architecture + " logit " + i).isCloseTo(before[i] * 0.25f, within(1e-6f));
                float largest = 0;
                for (float v : before) largest = Math.max(largest, Math.abs(v));
                assertThat(largest).as("a test that scales zeros proves nothing").isGreaterThan(0.01f);
            }
        }
    }

    @Test
    void refusesFrozenWeightsAndBadFactors() {
        try (Backend backend = Backends.scalar()) {
            SequenceClassifier model = (SequenceClassifier) PretrainedModel.create(
                    Architecture.ELECTRA_FOR_SEQUENCE_CLASSIFICATION, BackwardGradientTest.electra(List.of("a", "b")), backend);
            assertThatThrownBy(() -> model.scaleLogits(0f)).hasMessageContaining("positive and finite");
            assertThatThrownBy(() -> model.scaleLogits(Float.NaN)).hasMessageContaining("positive and finite");
            model.params().freeze();
            assertThatThrownBy(() -> model.scaleLogits(2f)).hasMessageContaining("frozen for inference");
        }
    }
}
