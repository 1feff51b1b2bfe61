package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The distillation step: soft targets train through the same forward and backward pass as labels. Cross-entropy is
 * linear in the targets, so a one-hot row must give the labelled step's loss and gradients, and a mixture of two
 * one-hot rows the same mixture of their losses and gradients.
 */
class SoftTargetTrainingTest {
    private static Backend backend;

    @BeforeAll
    static void open() { backend = Backends.scalar(); }

    @AfterAll
    static void close() { backend.close(); }

    private static SequenceClassifier classifier() {
        SequenceClassifier model = (SequenceClassifier) PretrainedModel.create(
                Architecture.ELECTRA_FOR_SEQUENCE_CLASSIFICATION, BackwardGradientTest.electra(List.of("a", "b", "c")), backend);
        model.params().initialize(0.5f, 0, 3);
        return model;
    }

    /** Loss and every gradient of one step (gradients cleared first). */
    private record Step(float loss, Map<String, float[]> grads) {}

    private static Step step(SequenceClassifier model, java.util.function.ToDoubleFunction<SequenceClassifier> run) {
        for (Param p : model.params().owned().values()) backend.fill(p.grad(backend), 0);
        float loss = (float) run.applyAsDouble(model);
        Map<String, float[]> grads = new LinkedHashMap<>();
        for (Param p : model.params().owned().values()) grads.put(p.name(), backend.read(p.grad(backend)));
        return new Step(loss, grads);
    }

    @Test
    void oneHotTargetsAreLabelsAndMixturesMix() {
        SequenceClassifier model = classifier();
        Batch batch = BackwardGradientTest.paddedBatch();
        int[] first = {0, 2, 1}, second = {1, 1, 0};
        float[] oneHotFirst = new float[9], oneHotSecond = new float[9], mixed = new float[9];
        for (int r = 0; r < 3; r++) {
            oneHotFirst[r * 3 + first[r]] = 1;
            oneHotSecond[r * 3 + second[r]] = 1;
        }
        float w = 0.3f;
        for (int i = 0; i < 9; i++) mixed[i] = w * oneHotFirst[i] + (1 - w) * oneHotSecond[i];

        Step hardFirst = step(model, m -> m.trainStep(batch, first, null, 5));
        Step hardSecond = step(model, m -> m.trainStep(batch, second, null, 5));
        Step softFirst = step(model, m -> m.trainStepSoft(batch, oneHotFirst, 5));
        Step softMixed = step(model, m -> m.trainStepSoft(batch, mixed, 5));

        assertThat(softFirst.loss()).isCloseTo(hardFirst.loss(), within(1e-6f));
        assertThat(softMixed.loss()).isCloseTo(w * hardFirst.loss() + (1 - w) * hardSecond.loss(), within(1e-5f));
        assertThat(hardFirst.grads()).isNotEmpty();
        for (String name : hardFirst.grads().keySet()) {
            float[] a = hardFirst.grads().get(name), b = hardSecond.grads().get(name);
            float[] one = softFirst.grads().get(name), mix = softMixed.grads().get(name);
            for (int i = 0; i < a.length; i++) {
                assertThat(one[i]).as("%s[%d], one-hot", name, i).isCloseTo(a[i], within(1e-6f));
                assertThat(mix[i]).as("%s[%d], mixture", name, i).isCloseTo(w * a[i] + (1 - w) * b[i], within(1e-5f));
            }
        }
    }

    @Test
    void wrongSizedTargetsAreRefused() {
        SequenceClassifier model = classifier();
        assertThatThrownBy(() -> model.trainStepSoft(BackwardGradientTest.paddedBatch(), new float[] {1, 0, 0}, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 × 3 probabilities, got 3");
    }
}
