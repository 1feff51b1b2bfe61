package dev.raccoon.engine;

/** Argument checks of the kernels, shared so that every backend rejects the same calls with the same messages. */
public final class Checks {
    private Checks() {}

    public static void sameSize(Tensor a, Tensor b) {
        if (a.size() != b.size())
            throw new IllegalArgumentException("size mismatch: " + a + " vs " + b);
    }

    public static void sameMatrix(Tensor a, Tensor b) {
        if (a.rows() != b.rows() || a.cols() != b.cols())
            throw new IllegalArgumentException("shape mismatch: " + a + " vs " + b);
    }

    /** m, k, n of a matmul, after checking that the operands agree. */
    public static int[] matmulDims(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c) {
        int m = transA ? a.cols() : a.rows(), k = transA ? a.rows() : a.cols();
        int kb = transB ? b.cols() : b.rows(), n = transB ? b.rows() : b.cols();
        if (k != kb || c.rows() != m || c.cols() != n)
            throw new IllegalArgumentException("matmul shapes do not agree: op(A) " + m + "×" + k + ", op(B) " + kb
                    + "×" + n + ", C " + c.rows() + "×" + c.cols() + " (A " + a + (transA ? "ᵀ" : "") + ", B " + b
                    + (transB ? "ᵀ" : "") + ")");
        return new int[] {m, k, n};
    }

    public static void bias(Tensor y, Tensor bias) {
        if (bias.size() != y.cols())
            throw new IllegalArgumentException("bias " + bias + " does not match the columns of " + y);
    }

    public static void rowStats(Tensor x, Tensor stat, String name) {
        if (stat != null && stat.size() != x.rows())
            throw new IllegalArgumentException(name + " " + stat + " needs one value per row of " + x);
    }

    public static void ids(Tensor table, int[] ids, Tensor rowsOut) {
        if (rowsOut.rows() != ids.length || rowsOut.cols() != table.cols())
            throw new IllegalArgumentException(ids.length + " ids into " + table + " do not fit " + rowsOut);
        for (int id : ids)
            if (id < 0 || id >= table.rows())
                throw new IllegalArgumentException("id " + id + " outside table of " + table.rows() + " rows");
    }

    public static void attention(Tensor q, Tensor k, Tensor v, int[] mask, int batch, int seq, int heads, Tensor out,
                          Tensor probs) {
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

    public static void layerNorm(Tensor x, Tensor gamma, Tensor beta, Tensor out, Tensor mean, Tensor rstd) {
        sameMatrix(x, out);
        bias(x, gamma);
        bias(x, beta);
        rowStats(x, mean, "mean");
        rowStats(x, rstd, "rstd");
    }

    /** The backward pass needs the statistics its forward pass saved. */
    public static void layerNormBackward(Tensor dOut, Tensor x, Tensor gamma, Tensor mean, Tensor rstd,
                                         Tensor dx, Tensor dGamma, Tensor dBeta) {
        sameMatrix(x, dOut);
        sameMatrix(x, dx);
        bias(x, gamma);
        bias(x, dGamma);
        bias(x, dBeta);
        if (mean == null || rstd == null)
            throw new IllegalArgumentException("layerNormBackward needs the mean and rstd its forward pass saved");
        rowStats(x, mean, "mean");
        rowStats(x, rstd, "rstd");
    }

    /** AdamW's state is shaped like the parameter, and its bias corrections count steps from 1. */
    public static void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, int step) {
        sameSize(param, grad);
        sameSize(param, m);
        sameSize(param, v);
        if (step < 1) throw new IllegalArgumentException("AdamW step starts at 1, got " + step);
    }

    /** Index of class {@code label} within a row, or −1 for an ignored row. */
    public static int label(int label, int ignoreIndex, int classes) {
        if (label == ignoreIndex) return -1;
        if (label < 0 || label >= classes)
            throw new IllegalArgumentException("label " + label + " outside [0, " + classes + ")");
        return label;
    }

    public static void hostSize(Tensor t, float[] host, String what) {
        if (host != null && host.length != t.size())
            throw new IllegalArgumentException(what + " has " + host.length + " values for " + t);
    }
}
