package dev.raccoon.model;

import dev.raccoon.engine.Tensor;

/** Maps the encoder's last hidden state to one row of logits per sequence. */
public sealed interface ClassificationHead permits ElectraClassificationHead, BertClassificationHead {
    /** The [CLS] hidden states [size, hidden] (see {@link ElectraModel#firstTokenStates}) → logits [size, labels]. */
    Tensor forward(Tensor first);

    /** The last layer, whose outputs are the logits. */
    Linear output();

    /** What a head's training forward pass keeps for its backward pass. */
    sealed interface Saved permits ElectraClassificationHead.Saved, BertClassificationHead.Saved {
        Tensor logits();
    }

    /** The training forward pass, with the classifier dropout (classifier_dropout or hidden_dropout_prob). */
    Saved forwardForBackward(ElectraModel encoder, Tensor hidden, Batch batch, DropoutSeeds seeds);

    /**
     * Accumulates the head's gradients; returns the gradient of the hidden state (zero except at [CLS]).
     * {@code saved} must come from this head's {@link #forwardForBackward}.
     */
    Tensor backward(ElectraModel encoder, Tensor dLogits, Saved saved);
}
