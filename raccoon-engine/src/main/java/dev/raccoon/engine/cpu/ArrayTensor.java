package dev.raccoon.engine.cpu;

import dev.raccoon.engine.Tensor;

/** A tensor stored in a Java float[] from {@link #offset()} on; views share the array. Used by the CPU backends. */
public final class ArrayTensor extends Tensor {
    private final float[] data;
    private final int offset;

    public ArrayTensor(float[] data, int offset, int... shape) {
        super(shape);
        if (offset < 0 || (long) offset + size() > data.length)
            throw new IllegalArgumentException("tensor of " + size() + " elements at offset " + offset
                    + " does not fit an array of " + data.length);
        this.data = data;
        this.offset = offset;
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
