package dev.raccoon.engine.cpu;

import dev.raccoon.engine.Tensor;

/** A tensor stored in a Java float[] from {@link #offset()} on; views share the array. Used by the CPU backends. */
public final class ArrayTensor extends Tensor {
    private final float[] data;
    private final int offset;
    private final boolean constant;
    /** For a constant matrix: its GEMM-packed copy as a right operand, made on first use (a benign race). */
    private volatile float[] packedRight;

    public ArrayTensor(float[] data, int offset, int... shape) {
        this(data, offset, false, shape);
    }

    private ArrayTensor(float[] data, int offset, boolean constant, int... shape) {
        super(shape);
        this.constant = constant;
        if (offset < 0 || (long) offset + size() > data.length)
            throw new IllegalArgumentException("tensor of " + size() + " elements at offset " + offset
                    + " does not fit an array of " + data.length);
        this.data = data;
        this.offset = offset;
    }

    /** A tensor over {@code data} (not copied) that nobody writes again; see {@link dev.raccoon.engine.Backend#constant}. */
    static ArrayTensor constant(float[] data, int... shape) {
        return new ArrayTensor(data, 0, true, shape);
    }

    public boolean isConstant() { return constant; }

    /** A constant matrix [k, n] packed as {@link Gemm}'s right operand, made once. */
    float[] packedRight() {
        if (!constant || rank() != 2) throw new IllegalStateException("only a constant matrix is kept packed, not " + this);
        float[] p = packedRight;
        if (p == null) packedRight = p = Gemm.packRight(data, offset, dim(1), dim(0), dim(1));
        return p;
    }

    /** The backing array, shared with every view of it. */
    public float[] data() { return data; }

    /** Index of element 0 in {@link #data()}. */
    public int offset() { return offset; }

    @Override
    public ArrayTensor view(int offset, int... shape) {
        checkView(offset, shape);
        return new ArrayTensor(data, this.offset + offset, shape);
    }
}
