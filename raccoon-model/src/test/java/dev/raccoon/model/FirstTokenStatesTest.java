package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The classifier's shortcut through the last layer ([CLS] rows only) gives what the full pass gives there. */
class FirstTokenStatesTest {
    @ParameterizedTest
    @CsvSource({"scalar, ELECTRA_FOR_SEQUENCE_CLASSIFICATION", "cpu, ELECTRA_FOR_SEQUENCE_CLASSIFICATION",
            "scalar, BERT_FOR_SEQUENCE_CLASSIFICATION", "cpu, BERT_FOR_SEQUENCE_CLASSIFICATION"})
    void firstTokenStatesAreTheFullPassAtCls(String device, Architecture architecture) {
        try (Backend backend = Backends.create(device, 2)) {
            List<String> labels = List.of("a", "b", "c");
            ElectraConfig config = architecture == Architecture.BERT_FOR_SEQUENCE_CLASSIFICATION
                    ? BackwardGradientTest.bert(labels) : BackwardGradientTest.electra(labels);
            SequenceClassifier model = (SequenceClassifier) PretrainedModel.create(architecture, config, backend);
            model.params().initialize(0.5f, 0, 11);
            Batch batch = BackwardGradientTest.paddedBatch();

            float[] full = backend.read(model.encoder.firstTokens(model.encoder.forward(batch), batch));
            float[] shortcut = backend.read(model.encoder.firstTokenStates(batch));

            assertThat(shortcut).hasSize(batch.size() * config.hiddenSize());
            // Same rows through the same kernels: equal to the last bit, not just close.
            assertThat(shortcut).containsExactly(full);
        }
    }
}
