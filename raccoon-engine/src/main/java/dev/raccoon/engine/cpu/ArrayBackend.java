package dev.raccoon.engine.cpu;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Tensor;

import java.util.Arrays;

/**
 * What the CPU backends share: {@link ArrayTensor} storage, memory operations and argument checks, so the
 * scalar reference and the vectorised backend accept and reject exactly the same calls.
 */
public abstract class ArrayBackend implements Backend {

    @Override
    public ArrayTensor zeros(int... shape) {
        long n = 1;
        for (int d : shape) n *= Math.max(d, 0);
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor too large: " + Arrays.toString(shape));
        return new ArrayTensor(new float[(int) n], 0, shape);
    }

    @Override
    public ArrayTensor of(float[] data, int... shape) {
        return new ArrayTensor(data.clone(), 0, shape);
    }

    @Override
    public float[] read(Tensor t) {
        ArrayTensor a = arr(t);
        return Arrays.copyOfRange(a.data(), a.offset(), a.offset() + a.size());
    }

    @Override
    public void write(Tensor t, float[] data) {
        ArrayTensor a = arr(t);
        if (data.length != a.size())
            throw new IllegalArgumentException("write of " + data.length + " values into " + t);
        System.arraycopy(data, 0, a.data(), a.offset(), data.length);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        sameSize(src, dst);
        ArrayTensor s = arr(src), d = arr(dst);
        System.arraycopy(s.data(), s.offset(), d.data(), d.offset(), s.size());
    }

    @Override
    public void fill(Tensor t, float value) {
        ArrayTensor a = arr(t);
        Arrays.fill(a.data(), a.offset(), a.offset() + a.size(), value);
    }

    // ---- checks shared by both backends -------------------------------------------------------------------

    protected static ArrayTensor arr(Tensor t) {
        if (t instanceof ArrayTensor a) return a;
        throw new IllegalArgumentException("not a CPU tensor: " + (t == null ? "null" : t.getClass().getName()));
    }

    protected static void sameSize(Tensor a, Tensor b) {
        if (a.size() != b.size())
            throw new IllegalArgumentException("size mismatch: " + a + " vs " + b);
    }

    protected static void sameMatrix(Tensor a, Tensor b) {
        if (a.rows() != b.rows() || a.cols() != b.cols())
            throw new IllegalArgumentException("shape mismatch: " + a + " vs " + b);
    }

    /** m, k, n of a matmul, after checking that the operands agree. */
    protected static int[] matmulDims(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c) {
        int m = transA ? a.cols() : a.rows(), k = transA ? a.rows() : a.cols();
        int kb = transB ? b.cols() : b.rows(), n = transB ? b.rows() : b.cols();
        if (k != kb || c.rows() != m || c.cols() != n)
            throw new IllegalArgumentException("matmul shapes do not agree: op(A) " + m + "×" + k + ", op(B) " + kb
                    + "×" + n + ", C " + c.rows() + "×" + c.cols() + " (A " + a + (transA ? "ᵀ" : "") + ", B " + b
                    + (transB ? "ᵀ" : "") + ")");
        return new int[] {m, k, n};
    }

    protected static void checkBias(Tensor y, Tensor bias) {
        if (bias.size() != y.cols())
            throw new IllegalArgumentException("bias " + bias + " does not match the columns of " + y);
    }

    protected static void checkRowStats(Tensor x, Tensor stat, String name) {
        if (stat != null && stat.size() != x.rows())
            throw new IllegalArgumentException(name + " " + stat + " needs one value per row of " + x);
    }

    protected static void checkIds(Tensor table, int[] ids, Tensor rowsOut) {
        if (rowsOut.rows() != ids.length || rowsOut.cols() != table.cols())
            throw new IllegalArgumentException(ids.length + " ids into " + table + " do not fit " + rowsOut);
        for (int id : ids)
            if (id < 0 || id >= table.rows())
                throw new IllegalArgumentException("id " + id + " outside table of " + table.rows() + " rows");
    }

    protected static void checkAttention(Tensor q, Tensor k, Tensor v, int[] mask, int batch, int seq, int heads,
                                         Tensor out, Tensor probs) {
        int tokens = batch * seq;
        if (heads <= 0 || q.cols() % heads != 0)
            throw new IllegalArgumentException(heads + " heads do not divide the width of " + q);
        for (Tensor t : new Tensor[] {k, v, out})
            sameMatrix(q, t);
        if (q.rows() != tokens)
            throw new IllegalArgumentException(q + " needs batch·seq = " + tokens + " rows");
        if (mask.length != tokens)
            throw new IllegalArgumentException("mask of " + mask.length + " values for " + tokens + " tokens");
        if (probs != null && probs.size() != tokens * heads * seq)
            throw new IllegalArgumentException("probs " + probs + " needs batch·heads·seq·seq values");
    }

    /** Index of class {@code label} within a row, or −1 for an ignored row. */
    protected static int checkLabel(int label, int ignoreIndex, int classes) {
        if (label == ignoreIndex) return -1;
        if (label < 0 || label >= classes)
            throw new IllegalArgumentException("label " + label + " outside [0, " + classes + ")");
        return label;
    }

    protected static void checkHostSize(Tensor t, float[] host, String what) {
        if (host != null && host.length != t.size())
            throw new IllegalArgumentException(what + " has " + host.length + " values for " + t);
    }
}
