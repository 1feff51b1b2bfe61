package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Freezing for inference keeps the logits to the bit and refuses training and loading afterwards. */
class FrozenParamsTest {

    @Test
    void frozenModelGivesTheSameLogitsAndCannotBeTrained() {
        for (Backend backend : new Backend[] {Backends.scalar(), Backends.cpu(2)}) {
            try (backend) {
                SequenceClassifier model = (SequenceClassifier) PretrainedModel.create(
                        Architecture.ELECTRA_FOR_SEQUENCE_CLASSIFICATION,
                        BackwardGradientTest.electra(List.of("a", "b")), backend);
                model.params().initialize(0.5f, 0, 3);
                Batch batch = BackwardGradientTest.paddedBatch();
                float[] before = backend.read(model.logits(batch));

                model.params().freeze();
                assertThat(backend.read(model.logits(batch))).as(backend.name()).containsExactly(before);
                assertThatThrownBy(() -> model.trainStep(batch, new int[batch.size()], null, 1))
                        .hasMessageContaining("frozen for inference");
                assertThatThrownBy(() -> model.params().initialize(0.5f, 0, 3))
                        .hasMessageContaining("frozen for inference");
            }
        }
    }
}
