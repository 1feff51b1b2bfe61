package dev.raccoon.train.pretrain;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.model.Batch;
import dev.raccoon.model.ElectraConfig;
import dev.raccoon.model.FiniteDifferences;
import dev.raccoon.model.Param;
import dev.raccoon.model.Params;
import dev.raccoon.model.SequenceClassifier;
import dev.raccoon.text.Vocabulary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleSupplier;

import static dev.raccoon.train.pretrain.TinyVocab.CLS;
import static dev.raccoon.train.pretrain.TinyVocab.MASK;
import static dev.raccoon.train.pretrain.TinyVocab.PAD;
import static dev.raccoon.train.pretrain.TinyVocab.SEP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Finite differences of the whole pretraining loss against the analytic gradients, in float32 on the scalar
 * backend ({@link FiniteDifferences}: central differences, each tensor compared as a whole). For ELECTRA the generator's
 * samples are fixed (sampling has no gradient), so the loss is a smooth function of every parameter, the shared
 * embedding tables included, whose gradient must hold the generator's part, the discriminator's and the tied LM
 * head's.
 */
class PretrainingGradientTest {
    private static Backend backend;
    private static final Vocabulary VOCAB = TinyVocab.of(10);

    @BeforeAll
    static void open() { backend = Backends.scalar(); }

    @AfterAll
    static void close() { backend.close(); }

    private static ElectraConfig config() {
        return ElectraConfig.electra(VOCAB.size(), 6, 8, 1, 2, 12, 8, List.of("x"));
    }

    /** Two sequences of 6, the second with two padding positions. */
    private static Batch batch() {
        int[] ids = {CLS, 5, 6, 7, 8, SEP, CLS, 9, 10, SEP, PAD, PAD};
        int[] mask = new int[ids.length];
        for (int i = 0; i < ids.length; i++) mask[i] = ids[i] == PAD ? 0 : 1;
        return new Batch(2, 6, ids, new int[ids.length], mask);
    }

    @ParameterizedTest(name = "discriminator loss over {0}")
    @EnumSource(DiscriminatorLoss.class)
    void electraLossWithSharedEmbeddings(DiscriminatorLoss discriminatorLoss) {
        var electra = (ElectraPretraining) Pretraining.create(Objective.ELECTRA, config(), 0.5f, Masking.DEFAULT_CHOOSE_PROB, VOCAB,
                backend, discriminatorLoss);
        assertThat(electra.generator().encoder.embeddings.wordEmbeddings)
                .isSameAs(electra.discriminator().encoder.embeddings.wordEmbeddings);
        assertThat(electra.generator().encoder.embeddings.positionEmbeddings)
                .isSameAs(electra.discriminator().encoder.embeddings.positionEmbeddings);
        assertThat(electra.generator().encoder.embeddings.tokenTypeEmbeddings)
                .isSameAs(electra.discriminator().encoder.embeddings.tokenTypeEmbeddings);
        assertThat(electra.generator().config().hiddenSize()).isEqualTo(4);
        Params params = electra.params();
        FiniteDifferences.randomize(backend, params, 7);
        Batch batch = batch();
        // Chosen: positions 1 (masked), 3 (kept) of the first sequence, 7 (masked) and 8 (masked) of the second.
        int[] ids = batch.inputIds().clone();
        int[] labels = new int[ids.length];
        Arrays.fill(labels, SequenceClassifier.IGNORE_INDEX);
        for (int i : new int[] {1, 3, 7, 8}) labels[i] = ids[i];
        ids[1] = MASK;
        ids[7] = MASK;
        ids[8] = MASK;
        Masking.Masked masked = new Masking.Masked(ids, labels, new int[] {1, 3, 7, 8});
        // Two samples equal their originals (position 3: id 7, position 7: id 9), so they count as original.
        int[] samples = {11, 7, 9, 12};
        ElectraPretraining.Sampler fixed = probs -> samples.clone();
        DoubleSupplier loss = () -> {
            zeroGrads(params);
            return electra.trainStep(batch, masked, fixed, 99).loss();
        };
        StepStats stats = electra.trainStep(batch, masked, fixed, 99);
        zeroGrads(params);
        electra.trainStep(batch, masked, fixed, 99);
        assertThat(stats.chosen()).isEqualTo(4);
        assertThat(stats.realTokens()).isEqualTo(10);
        assertThat(stats.originals()).isEqualTo(8); // positions 1 and 8 replaced; 3 and 7 sampled their originals
        assertThat(stats.content()).isEqualTo(6);   // the 10 real tokens less two [CLS] and two [SEP]
        assertThat(stats.contentOriginals()).isEqualTo(4);
        // The content tokens' BCE is part of the mean over all real tokens, the specials' part being positive.
        assertThat(stats.contentDiscLossSum()).isPositive().isLessThan(10 * stats.discLoss());
        // Without the specials the loss is the mean over the six content tokens alone.
        if (discriminatorLoss == DiscriminatorLoss.EVERY_REAL_TOKEN)
            assertThat(stats.discLoss()).isNotCloseTo(stats.contentDiscLossSum() / 6, org.assertj.core.data.Offset.offset(1e-4));
        else
            assertThat(stats.discLoss()).isCloseTo(stats.contentDiscLossSum() / 6, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(stats.loss()).isCloseTo(stats.mlmLoss() + 50 * stats.discLoss(), org.assertj.core.data.Offset.offset(1e-4));
        check(params, loss);
    }

    @Test
    void mlmLoss() {
        Pretraining mlm = Pretraining.create(Objective.MLM, config(), 0.25f, Masking.DEFAULT_CHOOSE_PROB, VOCAB, backend, DiscriminatorLoss.EVERY_REAL_TOKEN);
        Params params = mlm.params();
        FiniteDifferences.randomize(backend, params, 3);
        Batch batch = batch();
        long seed = 5; // with this seed some positions are chosen
        StepStats stats = mlm.trainStep(batch, seed);
        assertThat(stats.chosen()).isPositive();
        DoubleSupplier loss = () -> {
            zeroGrads(params);
            return mlm.trainStep(batch, seed).loss();
        };
        zeroGrads(params);
        mlm.trainStep(batch, seed);
        check(params, loss);
    }

    private static void check(Params params, DoubleSupplier loss) {
        FiniteDifferences.check(backend, FiniteDifferences.paramTargets(backend, params, PAD), loss);
    }

    private static void zeroGrads(Params params) {
        for (Param p : params.owned().values()) if (p.hasGrad()) backend.fill(p.grad(backend), 0f);
    }
}
