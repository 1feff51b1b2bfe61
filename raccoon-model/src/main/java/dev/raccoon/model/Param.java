package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Tensor;

/**
 * A named trainable tensor. The name is its Hugging Face state-dict key, so checkpoints need no mapping.
 * The gradient is allocated on first use: inference never pays for it.
 */
public final class Param {
    /** How a parameter is initialised and whether AdamW decays it. */
    public enum Kind { WEIGHT, BIAS, EMBEDDING, NORM_WEIGHT, NORM_BIAS }

    private final String name;
    private final Kind kind;
    private final Tensor value;
    private Tensor grad;

    Param(String name, Kind kind, Tensor value) {
        this.name = name;
        this.kind = kind;
        this.value = value;
    }

    public String name() { return name; }

    public Kind kind() { return kind; }

    public Tensor value() { return value; }

    public int[] shape() { return value.shape(); }

    /** Biases and LayerNorm parameters are not weight-decayed by default (as in BERT/ELECTRA recipes). */
    public boolean decayedByDefault() { return kind == Kind.WEIGHT || kind == Kind.EMBEDDING; }

    public Tensor grad(Backend backend) {
        if (grad == null) grad = backend.zeros(value.shape());
        return grad;
    }

    public boolean hasGrad() { return grad != null; }
}
