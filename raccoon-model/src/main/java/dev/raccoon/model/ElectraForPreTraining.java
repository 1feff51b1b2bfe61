package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Tensor;

/** The ELECTRA discriminator: one replaced-token logit per position (dense → activation → dense_prediction). */
public final class ElectraForPreTraining extends PretrainedModel {
    public final Linear dense;
    public final Linear densePrediction;

    /** The head's input, the dense pre-activation and the gelu output. */
    public record HeadSaved(Tensor hidden, Tensor preActivation, Tensor activation, Tensor logits) {}

    ElectraForPreTraining(ElectraConfig config, Backend backend) {
        super(config, backend, Architecture.ELECTRA_FOR_PRE_TRAINING);
        dense = new Linear(params, "discriminator_predictions.dense", config.hiddenSize(), config.hiddenSize());
        densePrediction = new Linear(params, "discriminator_predictions.dense_prediction", config.hiddenSize(), 1);
    }

    /** Logits [size·seq, 1]: positive means "replaced". */
    public Tensor logits(Batch batch) {
        return head(encoder.forward(batch));
    }

    public Tensor head(Tensor hidden) {
        return densePrediction.forward(dense.forwardGelu(hidden));
    }

    /** The head's training forward pass (transformers has no dropout in it). */
    public HeadSaved headForBackward(Tensor hidden) {
        Tensor pre = backend().zeros(hidden.rows(), dense.out);
        Tensor activation = dense.forwardGelu(hidden, pre, backend().zeros(pre.shape()));
        return new HeadSaved(hidden, pre, activation, densePrediction.forward(activation));
    }

    /** Accumulates the head's gradients; returns the gradient of the hidden state. */
    public Tensor headBackward(Tensor dLogits, HeadSaved saved) {
        Tensor dActivation = densePrediction.backward(saved.activation(), dLogits);
        Tensor dPre = backend().zeros(dActivation.shape());
        backend().geluBackward(saved.preActivation(), dActivation, dPre);
        return dense.backward(saved.hidden(), dPre);
    }

    /**
     * Forward and backward with transformers' discriminator loss: binary cross-entropy of every real token's
     * logit against {@code replaced} (1 replaced, 0 original; one value per position, padding ignored), averaged
     * over the real tokens. Gradients accumulate into the parameters; returns the loss.
     */
    public float trainStep(Batch batch, float[] replaced, long seed) {
        if (replaced.length != batch.tokens())
            throw new IllegalArgumentException("need one replaced-token target per position (" + batch.tokens() + ")");
        ElectraModel.Saved encoded = encoder.forwardForBackward(batch, new DropoutSeeds(seed));
        HeadSaved head = headForBackward(encoded.output());
        float[] weights = new float[batch.tokens()];
        for (int i = 0; i < weights.length; i++) weights[i] = batch.attentionMask()[i];
        Tensor dLogits = backend().zeros(head.logits().shape());
        float loss = backend().binaryCrossEntropy(head.logits(), replaced, weights, dLogits);
        encoder.backward(headBackward(dLogits, head), encoded);
        return loss;
    }
}
