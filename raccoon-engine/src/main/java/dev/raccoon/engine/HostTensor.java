package dev.raccoon.engine;

import java.util.Arrays;

/** A float tensor on the Java heap, as read from or written to a checkpoint. Row-major. */
public record HostTensor(int[] shape, float[] data) {
    public HostTensor {
        long n = 1;
        for (int d : shape) n *= d;
        if (n != data.length)
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
    }

    public int size() { return data.length; }

    public String shapeString() { return Arrays.toString(shape); }
}
