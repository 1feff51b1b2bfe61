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

    // ---- kernels too cheap to be worth a second implementation ----------------------------------------

    @Override
    public void gather(Tensor table, int[] ids, Tensor out) {
        checkIds(table, ids, out);
        ArrayTensor T = arr(table), O = arr(out);
        int n = table.cols();
        for (int i = 0; i < ids.length; i++)
            for (int j = 0; j < n; j++) O.data()[O.offset() + i * n + j] = T.data()[T.offset() + ids[i] * n + j];
    }

    @Override
    public void scatterAdd(Tensor dOut, int[] ids, Tensor dTable) {
        checkIds(dTable, ids, dOut);
        ArrayTensor D = arr(dOut), T = arr(dTable);
        int n = dTable.cols();
        for (int i = 0; i < ids.length; i++)
            for (int j = 0; j < n; j++) T.data()[T.offset() + ids[i] * n + j] += D.data()[D.offset() + i * n + j];
    }

    @Override
    public float binaryCrossEntropy(Tensor logits, float[] targets, float[] weights, Tensor dLogits) {
        checkHostSize(logits, targets, "targets");
        checkHostSize(logits, weights, "weights");
        if (dLogits != null) sameSize(logits, dLogits);
        ArrayTensor L = arr(logits);
        double wsum = 0, loss = 0;
        for (int i = 0; i < targets.length; i++) wsum += weights == null ? 1 : weights[i];
        for (int i = 0; i < targets.length; i++) {
            double x = L.data()[L.offset() + i], y = targets[i], w = weights == null ? 1 : weights[i];
            if (w != 0) loss += w * (Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x))));
            if (dLogits != null)
                arr(dLogits).data()[arr(dLogits).offset() + i] =
                        wsum == 0 ? 0 : (float) (w * (1 / (1 + Math.exp(-x)) - y) / wsum);
        }
        return wsum == 0 ? 0 : (float) (loss / wsum);
    }

    @Override
    public float meanSquaredError(Tensor pred, float[] targets, Tensor dPred) {
        checkHostSize(pred, targets, "targets");
        if (dPred != null) sameSize(pred, dPred);
        ArrayTensor P = arr(pred);
        int n = pred.size();
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double diff = (double) P.data()[P.offset() + i] - targets[i];
            loss += diff * diff;
            if (dPred != null) arr(dPred).data()[arr(dPred).offset() + i] = (float) (2 * diff / n);
        }
        return n == 0 ? 0 : (float) (loss / n);
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
