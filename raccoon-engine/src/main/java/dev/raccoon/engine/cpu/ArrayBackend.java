package dev.raccoon.engine.cpu;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Checks;
import dev.raccoon.engine.Precision;
import dev.raccoon.engine.Tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * What the CPU backends share: {@link ArrayTensor} storage, memory operations and argument checks, so the
 * scalar reference and the vectorised backend accept and reject exactly the same calls; and the kernels with
 * nothing to vectorise (gather, scatterAdd, argmaxRows, sampleRows and the two pointwise losses), which tests
 * therefore check against known values, finite differences and the Hugging Face oracle rather than against the
 * scalar reference.
 */
public abstract class ArrayBackend implements Backend {
    private final Precision precision;

    protected ArrayBackend(Precision precision) { this.precision = Objects.requireNonNull(precision, "precision"); }

    @Override public Precision precision() { return precision; }

    /**
     * A matrix product's operand as the precision has it: itself, or under BF16 a copy with every element rounded
     * to bf16 (TF32 is exact fp32 on a CPU). Products of bf16 values are exact in fp32, so a product of the copies
     * is what a tensor core computes, up to the order of the sums.
     */
    protected ArrayTensor productOperand(Tensor t) {
        ArrayTensor a = arr(t);
        if (precision != Precision.BF16) return a;
        float[] rounded = new float[a.size()];
        for (int i = 0; i < rounded.length; i++) rounded[i] = Precision.roundToBf16(a.data()[a.offset() + i]);
        return new ArrayTensor(rounded, 0, t.shape());
    }

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
    public ArrayTensor constant(float[] data, int... shape) {
        return ArrayTensor.constant(data.clone(), shape);
    }

    @Override
    public float[] read(Tensor t) {
        ArrayTensor a = arr(t);
        return Arrays.copyOfRange(a.data(), a.offset(), a.offset() + a.size());
    }

    @Override
    public void write(Tensor t, float[] data) {
        ArrayTensor a = arr(t);
        if (a.isConstant()) throw new IllegalStateException("write into a constant tensor " + t);
        if (data.length != a.size())
            throw new IllegalArgumentException("write of " + data.length + " values into " + t);
        System.arraycopy(data, 0, a.data(), a.offset(), data.length);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        Checks.sameSize(src, dst);
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
        Checks.ids(table, ids, out);
        ArrayTensor T = arr(table), O = arr(out);
        int n = table.cols();
        for (int i = 0; i < ids.length; i++)
            for (int j = 0; j < n; j++) O.data()[O.offset() + i * n + j] = T.data()[T.offset() + ids[i] * n + j];
    }

    @Override
    public void scatterAdd(Tensor dOut, int[] ids, Tensor dTable) {
        Checks.ids(dTable, ids, dOut);
        ArrayTensor D = arr(dOut), T = arr(dTable);
        int n = dTable.cols();
        for (int i = 0; i < ids.length; i++)
            for (int j = 0; j < n; j++) T.data()[T.offset() + ids[i] * n + j] += D.data()[D.offset() + i * n + j];
    }

    @Override
    public int[] argmaxRows(Tensor x) {
        ArrayTensor a = arr(x);
        int cols = x.cols();
        int[] out = new int[x.rows()];
        for (int r = 0; r < out.length; r++) out[r] = CpuMath.argmax(a.data(), a.offset() + r * cols, cols);
        return out;
    }

    @Override
    public int[] sampleRows(Tensor probs, long seed) {
        ArrayTensor a = arr(probs);
        int cols = probs.cols();
        int[] out = new int[probs.rows()];
        for (int r = 0; r < out.length; r++) out[r] = CpuMath.sampleRow(a.data(), a.offset() + r * cols, cols, seed, r);
        return out;
    }

    @Override
    public float binaryCrossEntropy(Tensor logits, float[] targets, float[] weights, Tensor dLogits) {
        Checks.hostSize(logits, targets, "targets");
        Checks.hostSize(logits, weights, "weights");
        if (dLogits != null) Checks.sameSize(logits, dLogits);
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
        Checks.hostSize(pred, targets, "targets");
        if (dPred != null) Checks.sameSize(pred, dPred);
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

    // ---- storage ------------------------------------------------------------------------------------------

    protected static ArrayTensor arr(Tensor t) {
        if (t instanceof ArrayTensor a) return a;
        throw new IllegalArgumentException("not a CPU tensor: " + (t == null ? "null" : t.getClass().getName()));
    }
}
