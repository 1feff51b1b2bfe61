package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.engine.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Dropout changes training outputs, reproducibly per seed, and never touches inference. */
class DropoutTrainingTest {
    private static Backend backend;

    @BeforeAll
    static void open() { backend = Backends.scalar(); }

    @AfterAll
    static void close() { backend.close(); }

    private static SequenceClassifier classifier(float dropout) {
        ElectraConfig base = BackwardGradientTest.electra(List.of("a", "b"));
        ElectraConfig config = new ElectraConfig("electra", List.of(), base.vocabSize(), base.embeddingSize(),
                base.hiddenSize(), base.numHiddenLayers(), base.numAttentionHeads(), base.intermediateSize(), "gelu",
                dropout, dropout, base.maxPositionEmbeddings(), 2, 0.02f, 1e-12f, 0, true, null, null,
                base.labels(), Map.of());
        SequenceClassifier model = (SequenceClassifier) PretrainedModel.create(
                Architecture.ELECTRA_FOR_SEQUENCE_CLASSIFICATION, config, backend);
        model.params().initialize(0.5f, 0, 3);
        return model;
    }

    private static float[] trainingLogits(SequenceClassifier model, Batch batch, long seed) {
        DropoutSeeds seeds = new DropoutSeeds(seed);
        Tensor hidden = model.encoder.forwardForBackward(batch, seeds).output();
        return backend.read(model.head.forwardForBackward(model.encoder, hidden, batch, seeds).logits());
    }

    @Test
    void trainingOutputsDependOnTheSeedOnly() {
        SequenceClassifier model = classifier(0.3f);
        Batch batch = BackwardGradientTest.paddedBatch();
        assertThat(trainingLogits(model, batch, 1)).containsExactly(trainingLogits(model, batch, 1));
        assertThat(trainingLogits(model, batch, 1)).isNotEqualTo(trainingLogits(model, batch, 2));
        assertThat(trainingLogits(model, batch, 1)).isNotEqualTo(backend.read(model.logits(batch)));
    }

    /** Inference equals the training forward of the same weights with every dropout set to 0. */
    @Test
    void inferenceHasNoDropout() {
        SequenceClassifier withDropout = classifier(0.3f);
        SequenceClassifier without = classifier(0f);
        Batch batch = BackwardGradientTest.paddedBatch();
        float[] inference = backend.read(withDropout.logits(batch));
        assertThat(backend.read(withDropout.logits(batch))).containsExactly(inference);
        assertThat(trainingLogits(without, batch, 1)).containsExactly(inference, within(1e-6f));
    }
}
