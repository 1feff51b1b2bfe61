package dev.raccoon.engine;

import java.util.Arrays;

/**
 * A dense row-major float tensor owned by one {@link Backend}. Kernels see every tensor as a matrix of
 * {@link #rows()} × {@link #cols()} (the last dimension is the row), which is all ELECTRA needs.
 * Storage is backend specific; views made with {@link #view} share it.
 */
public abstract class Tensor {
    private final int[] shape;
    private final int size;

    protected Tensor(int[] shape) {
        this.shape = shape.clone();
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n *= d;
        }
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor too large: " + Arrays.toString(shape));
        this.size = (int) n;
    }

    public final int[] shape() { return shape.clone(); }

    public final int dim(int i) { return shape[i < 0 ? shape.length + i : i]; }

    public final int rank() { return shape.length; }

    public final int size() { return size; }

    /** The last dimension (1 for a scalar). */
    public final int cols() { return shape.length == 0 ? 1 : shape[shape.length - 1]; }

    /** Product of all dimensions but the last. */
    public final int rows() { return cols() == 0 ? 0 : size / cols(); }

    /** A view of {@code count} consecutive elements starting at {@code offset}, with the given shape. */
    public abstract Tensor view(int offset, int... shape);

    /** Rows {@code [start, start + count)} of the rows × cols matrix view. */
    public final Tensor rowRange(int start, int count) {
        int[] s = shape.clone();
        if (s.length == 0) throw new IllegalArgumentException("scalar has no rows");
        // Collapse leading dims so the row range is contiguous.
        return view(start * cols(), count, cols());
    }

    protected final void checkView(int offset, int[] newShape) {
        long n = 1;
        for (int d : newShape) n *= d;
        if (offset < 0 || offset + n > size)
            throw new IllegalArgumentException("view [" + offset + ", +" + n + ") outside tensor of " + size
                    + " elements " + Arrays.toString(shape));
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + Arrays.toString(shape);
    }
}
