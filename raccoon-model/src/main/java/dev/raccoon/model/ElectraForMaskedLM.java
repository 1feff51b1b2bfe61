package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Tensor;

/**
 * The ELECTRA generator: dense → gelu → LayerNorm to the embedding size, then the vocabulary projection whose
 * weight is the word embeddings when tie_word_embeddings is set (transformers' default).
 */
public final class ElectraForMaskedLM extends PretrainedModel {
    public final Linear dense;
    public final LayerNorm layerNorm;
    public final Linear lmHead;

    /** The head's input, the dense pre-activation and the LayerNorm's saved state (its output feeds lmHead). */
    public record HeadSaved(Tensor hidden, Tensor preActivation, LayerNorm.Saved norm, Tensor logits) {}

    ElectraForMaskedLM(ElectraConfig config, Backend backend) {
        this(config, backend, null);
    }

    private ElectraForMaskedLM(ElectraConfig config, Backend backend, ElectraEmbeddings sharedEmbeddings) {
        super(config, backend, Architecture.ELECTRA_FOR_MASKED_LM, sharedEmbeddings);
        dense = new Linear(params, "generator_predictions.dense", config.hiddenSize(), config.embeddingSize());
        layerNorm = new LayerNorm(params, "generator_predictions.LayerNorm", config.embeddingSize(), config.layerNormEps());
        lmHead = config.tieWordEmbeddings()
                ? new Linear(params, "generator_lm_head", encoder.embeddings.wordEmbeddings)
                : new Linear(params, "generator_lm_head", config.embeddingSize(), config.vocabSize());
    }

    /**
     * An ELECTRA generator (parameters zero) whose word, position and token-type embeddings are the same
     * {@link Param}s as {@code discriminator}'s: both models save them, and gradients of both add up in them.
     * The config must have the discriminator's vocabulary, embedding size, positions and token types.
     */
    public static ElectraForMaskedLM sharingEmbeddings(ElectraConfig config, ElectraModel discriminator) {
        return new ElectraForMaskedLM(config, discriminator.backend(), discriminator.embeddings);
    }

    /** Vocabulary logits [size·seq, vocab]. */
    public Tensor logits(Batch batch) {
        return head(encoder.forward(batch));
    }

    public Tensor head(Tensor hidden) {
        return lmHead.forward(layerNorm.forward(dense.forwardGelu(hidden)));
    }

    /** The head's training forward pass (transformers has no dropout in it). */
    public HeadSaved headForBackward(Tensor hidden) {
        Tensor pre = backend().zeros(hidden.rows(), dense.out);
        Tensor activation = dense.forwardGelu(hidden, pre, backend().zeros(pre.shape()));
        LayerNorm.Saved norm = layerNorm.forwardForBackward(activation);
        return new HeadSaved(hidden, pre, norm, lmHead.forward(norm.output()));
    }

    /**
     * Accumulates the head's gradients; returns the gradient of the hidden state. With tied weights the
     * projection's gradient lands in the word embeddings' gradient, next to the one the embedding lookup adds.
     */
    public Tensor headBackward(Tensor dLogits, HeadSaved saved) {
        Tensor dNormOut = lmHead.backward(saved.norm().output(), dLogits);
        Tensor dActivation = layerNorm.backward(dNormOut, saved.norm());
        Tensor dPre = backend().zeros(dActivation.shape());
        backend().geluBackward(saved.preActivation(), dActivation, dPre);
        return dense.backward(saved.hidden(), dPre);
    }

    /**
     * Forward and backward with transformers' masked-LM loss: mean cross-entropy over the positions whose
     * label is not -100 (one label per position). Gradients accumulate into the parameters; returns the loss.
     */
    public float trainStep(Batch batch, int[] labels, long seed) {
        if (labels.length != batch.tokens())
            throw new IllegalArgumentException("need one label per position (" + batch.tokens() + "), -100 to skip");
        ElectraModel.Saved encoded = encoder.forwardForBackward(batch, new DropoutSeeds(seed));
        HeadSaved head = headForBackward(encoded.output());
        Tensor dLogits = backend().zeros(head.logits().shape());
        float loss = backend().crossEntropy(head.logits(), labels, SequenceClassifier.IGNORE_INDEX, dLogits);
        encoder.backward(headBackward(dLogits, head), encoded);
        return loss;
    }
}
