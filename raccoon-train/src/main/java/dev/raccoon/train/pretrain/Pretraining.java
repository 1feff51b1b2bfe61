package dev.raccoon.train.pretrain;

import dev.raccoon.engine.Backend;
import dev.raccoon.model.Architecture;
import dev.raccoon.model.Batch;
import dev.raccoon.model.ElectraConfig;
import dev.raccoon.model.ElectraForMaskedLM;
import dev.raccoon.model.ElectraForPreTraining;
import dev.raccoon.model.Params;
import dev.raccoon.model.PretrainedModel;
import dev.raccoon.text.Vocabulary;

import java.util.LinkedHashMap;
import java.util.Map;

/** The models of a pretraining run with their training step; {@link ElectraPretraining} or {@link MlmPretraining}. */
public sealed interface Pretraining permits ElectraPretraining, MlmPretraining {

    Objective objective();

    /** The models to save, by directory name ("discriminator" and "generator", or "mlm"). */
    Map<String, PretrainedModel> models();

    /** The model whose encoder is fine-tuned later. */
    PretrainedModel encoderModel();

    /** The loss's settings, by name, for the options a resumed run must share (mask share, which tokens count). */
    Map<String, String> lossSettings();

    /** Every distinct parameter of {@link #models()}, each once, for the optimizer and gradient clipping. */
    default Params params() {
        Map<String, Params> byModel = new LinkedHashMap<>();
        models().forEach((name, model) -> byModel.put(name + "/", model.params()));
        return Params.join(byModel);
    }

    /** One forward and backward pass; gradients accumulate into the parameters. Random choices follow {@code seed}. */
    StepStats trainStep(Batch batch, long seed);

    /** Training FLOPs of one step of {@code batch} sequences of {@code seq} tokens (see {@link Flops}). */
    double flopsPerStep(int batch, int seq);

    /** transformers' initialisation of every model (shared tables end up as the discriminator's). */
    default void initialize(long seed) {
        long s = seed;
        for (PretrainedModel m : models().values().stream().toList().reversed())
            m.params().initialize(m.config().initializerRange(), m.config().padTokenId(), s++);
    }

    /**
     * The objective's models, fresh; {@code chooseProb} is the share of tokens chosen for prediction (0.15 in BERT
     * and ELECTRA); ELECTRA's generator is {@link #generatorConfig} of {@code config} at {@code generatorFraction}.
     */
    static Pretraining create(Objective objective, ElectraConfig config, float generatorFraction, float chooseProb,
                              Vocabulary vocab, Backend backend, DiscriminatorLoss discriminatorLoss) {
        return switch (objective) {
            case ELECTRA -> electra(config, generatorConfig(config, generatorFraction), chooseProb, vocab, backend,
                    discriminatorLoss);
            case MLM -> mlm(config, chooseProb, vocab, backend);
        };
    }

    /** ELECTRA with a generator of any size that shares the discriminator's embedding tables. */
    static ElectraPretraining electra(ElectraConfig discriminator, ElectraConfig generator, float chooseProb,
                                      Vocabulary vocab, Backend backend, DiscriminatorLoss discriminatorLoss) {
        return new ElectraPretraining(
                (ElectraForPreTraining) PretrainedModel.create(Architecture.ELECTRA_FOR_PRE_TRAINING, discriminator, backend),
                generator, vocab, chooseProb, discriminatorLoss);
    }

    /** BERT's masked language modelling with the encoder of {@code config}. */
    static MlmPretraining mlm(ElectraConfig config, float chooseProb, Vocabulary vocab, Backend backend) {
        return new MlmPretraining(
                (ElectraForMaskedLM) PretrainedModel.create(Architecture.ELECTRA_FOR_MASKED_LM, config, backend), vocab,
                chooseProb);
    }

    /**
     * ELECTRA's generator for a discriminator: the same depth and embedding size, hidden and FFN sizes scaled by
     * {@code fraction}, and the discriminator's head size, hence fewer heads (at least one), as ELECTRA's
     * get_generator_config does (ELECTRA-small: 256 → 64 hidden, 4 → 1 heads, 1024 → 256 FFN).
     */
    static ElectraConfig generatorConfig(ElectraConfig d, float fraction) {
        if (!(fraction > 0 && fraction <= 1))
            throw new IllegalArgumentException("the generator fraction must lie in (0, 1], got " + fraction);
        int hidden = Math.max(1, Math.round(d.hiddenSize() * fraction));
        int heads = Math.max(1, hidden / d.headSize());
        while (hidden % heads != 0) heads--;
        int ffn = Math.max(1, Math.round(d.intermediateSize() * fraction));
        return new ElectraConfig(d.modelType(), d.architectures(), d.vocabSize(), d.embeddingSize(), hidden,
                d.numHiddenLayers(), heads, ffn, d.hiddenAct(), d.hiddenDropoutProb(), d.attentionProbsDropoutProb(),
                d.maxPositionEmbeddings(), d.typeVocabSize(), d.initializerRange(), d.layerNormEps(), d.padTokenId(),
                d.tieWordEmbeddings(), d.classifierDropout(), d.problemType(), d.labels(), d.extra());
    }

    /** SplitMix64 of a seed and a stream number: independent seeds for the step's masking, sampling and dropout. */
    static long mix(long seed, long stream) {
        long z = seed + 0x9E3779B97F4A7C15L * (stream + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
