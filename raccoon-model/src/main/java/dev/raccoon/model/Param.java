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
    private Tensor frozenTranspose;

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
        if (frozenTranspose != null) throw new IllegalStateException(name + " is frozen for inference");
        if (grad == null) grad = backend.zeros(value.shape());
        return grad;
    }

    /**
     * The value transposed, held once {@link Params#freeze} made the parameters read-only, else null. A dense
     * layer multiplies by Wᵀ; the CPU backend packs a transposed operand element by element, which cost as
     * much as the multiply at 64 rows, while a row-major one packs with vector copies.
     */
    public Tensor frozenTranspose() { return frozenTranspose; }

    void freeze(Backend backend) {
        if (frozenTranspose != null || kind != Kind.WEIGHT || value.rank() != 2) return;
        int rows = value.dim(0), cols = value.dim(1);
        float[] v = backend.read(value), t = new float[v.length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = v[r * cols + c];
        frozenTranspose = backend.constant(t, cols, rows);
    }

    public boolean hasGrad() { return grad != null; }
}
