package dev.raccoon.engine;

import java.util.List;

/**
 * The only place that knows about hardware: allocation, copies and the kernels ELECTRA needs, each with its
 * backward. Implementations: {@code ScalarBackend} (plain loops, the reference in tests), {@code VectorBackend}
 * (Vector API, the CPU default) and {@code CudaBackend} (CUDA through FFM). Kernels treat tensors as rows × cols matrices
 * ({@link Tensor#rows()}, {@link Tensor#cols()}); all math is float32 with float or wider accumulation.
 *
 * <p>Integer inputs (token ids, masks, labels) are host arrays: they are per-batch data the caller has anyway,
 * and a device backend uploads them itself.
 *
 * <p>A backend may be used from several threads at once as long as the calls touch different output tensors.
 */
public interface Backend extends AutoCloseable {
    /** The most threads a backend takes: far above any core count that helps; beyond it the OS runs out of threads before the work starts. */
    int MAX_THREADS = 1024;

    /** A short name: "scalar", "cpu", "cuda". */
    String name();

    /** Worker threads the backend uses for one kernel. */
    int threads();

    /** What matrix products may round their operands to (FP32 unless the backend was made with another). */
    default Precision precision() { return Precision.FP32; }

    // ---- memory -------------------------------------------------------------------------------------------

    /** A new tensor filled with zeros. */
    Tensor zeros(int... shape);

    /** A new tensor holding a copy of {@code data}. */
    Tensor of(float[] data, int... shape);

    default Tensor of(HostTensor host) { return of(host.data(), host.shape()); }

    /**
     * A new tensor holding a copy of {@code data} that is never written again (a frozen model's weights), so a
     * backend may keep derived forms of it: the CPU backend keeps the packed copy its matrix product reads when the
     * tensor is the right operand. Writing into it is an error where a backend can tell.
     */
    default Tensor constant(float[] data, int... shape) { return of(data, shape); }

    /** A copy of the tensor's values on the Java heap. */
    float[] read(Tensor t);

    /** Overwrites the tensor's values from {@code data} (same size). */
    void write(Tensor t, float[] data);

    void copy(Tensor src, Tensor dst);

    void fill(Tensor t, float value);

    // ---- linear algebra -----------------------------------------------------------------------------------

    /**
     * {@code C = alpha · op(A) · op(B) + beta · C} on the 2-D matrix views, where op transposes when asked.
     * A is m×k (k×m when transposed), B is k×n (n×k when transposed), C is m×n. With beta 0 the old C is
     * ignored (NaN in it does not propagate).
     */
    void matmul(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, float alpha, float beta);

    /** {@code y[r, :] += bias} for every row r. */
    void addBias(Tensor y, Tensor bias);

    /** Bias gradient: {@code db = beta · db + Σ_r dy[r, :]}. */
    void sumRows(Tensor dy, Tensor db, float beta);

    /** {@code out = a + b} elementwise (out may alias a or b). */
    void add(Tensor a, Tensor b, Tensor out);

    /** {@code y += alpha · x}. */
    void axpy(float alpha, Tensor x, Tensor y);

    /** {@code x *= alpha}. */
    void scale(Tensor x, float alpha);

    /** Σ x², accumulated in double (for gradient norms). */
    double sumOfSquares(Tensor x);

    /**
     * Σ x² over all the tensors, in double: a model's global gradient norm. A device backend overrides it to read
     * one value back instead of one per tensor (hundreds of round trips a step for ELECTRA's two models).
     */
    default double sumOfSquares(List<? extends Tensor> xs) {
        double sum = 0;
        for (Tensor x : xs) sum += sumOfSquares(x);
        return sum;
    }

    // ---- activations ----------------------------------------------------------------------------------------

    /** Exact GELU, {@code x · Φ(x)} with erf (Hugging Face's "gelu"). out may alias x. */
    void gelu(Tensor x, Tensor out);

    /** {@code dx = dOut · gelu'(x)}. */
    void geluBackward(Tensor x, Tensor dOut, Tensor dx);

    /**
     * The feed-forward block's bias and activation in one pass: {@code x += bias} (a bias per column), then
     * {@code out = gelu(x)}; x keeps the pre-activation that {@link #geluBackward} needs. out may alias x.
     */
    default void biasGelu(Tensor x, Tensor bias, Tensor out) {
        addBias(x, bias);
        gelu(x, out);
    }

    void tanh(Tensor x, Tensor out);

    /** {@code dx = dOut · (1 − y²)} where y = tanh(x). */
    void tanhBackward(Tensor y, Tensor dOut, Tensor dx);

    /** Row-wise softmax. */
    void softmax(Tensor x, Tensor out);

    /**
     * Inverted dropout: {@code out = x · keep / (1 − p)} with keep drawn from a counter-based generator seeded by
     * {@code seed} and the element index, so {@link #dropoutBackward} regenerates the same mask and results do
     * not depend on the thread count. p = 0 copies.
     */
    void dropout(Tensor x, float p, long seed, Tensor out);

    /** The same mask and scale as {@link #dropout}: dropout is linear in x. */
    default void dropoutBackward(Tensor dOut, float p, long seed, Tensor dx) {
        dropout(dOut, p, seed, dx);
    }

    // ---- normalisation --------------------------------------------------------------------------------------

    /**
     * Row-wise LayerNorm with biased variance, as torch does. {@code mean} and {@code rstd} (one value per row)
     * are written when not null, for the backward pass.
     */
    void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor out, Tensor mean, Tensor rstd);

    /**
     * A post-LN residual connection in one pass: {@code x += residual}, then {@link #layerNorm} of x into out;
     * x keeps the sum that {@link #layerNormBackward} needs. out may alias x.
     */
    default void residualLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps, Tensor out,
                                   Tensor mean, Tensor rstd) {
        add(x, residual, x);
        layerNorm(x, gamma, beta, eps, out, mean, rstd);
    }

    /** Writes dx; accumulates into dGamma and dBeta. */
    void layerNormBackward(Tensor dOut, Tensor x, Tensor gamma, Tensor mean, Tensor rstd,
                           Tensor dx, Tensor dGamma, Tensor dBeta);

    // ---- embeddings ---------------------------------------------------------------------------------------

    /** {@code out[i, :] = table[ids[i], :]}; an id outside the table throws IllegalArgumentException. */
    void gather(Tensor table, int[] ids, Tensor out);

    /** {@code dTable[ids[i], :] += dOut[i, :]} (repeated ids add up). */
    void scatterAdd(Tensor dOut, int[] ids, Tensor dTable);

    // ---- attention ----------------------------------------------------------------------------------------

    /**
     * Multi-head scaled dot-product self-attention core, as BERT/ELECTRA compute it.
     * q, k, v and out are [batch·seq, heads·headDim] (heads side by side in a row, Hugging Face's layout).
     * {@code mask[b·seq + t]} is 1 for a real token and 0 for padding; padded keys get −3.4028235e38 added to
     * their scores (torch.finfo(float32).min, as transformers does), padded queries are computed like any other.
     * {@code probs} ([batch, heads, seq, seq]) receives the attention probabilities after dropout when not null;
     * training keeps it for the backward pass. Dropout on the probabilities uses {@code dropoutSeed}.
     */
    void attention(Tensor q, Tensor k, Tensor v, int[] mask, int batch, int seq, int heads,
                   float dropout, long dropoutSeed, Tensor out, Tensor probs);

    /**
     * Gradients of {@link #attention} given the probabilities it saved (before and after dropout are both
     * recoverable from probs and the seed). Writes dq, dk, dv.
     */
    void attentionBackward(Tensor dOut, Tensor q, Tensor k, Tensor v, Tensor probs, int[] mask,
                           int batch, int seq, int heads, float dropout, long dropoutSeed,
                           Tensor dq, Tensor dk, Tensor dv);

    // ---- choosing a column per row -----------------------------------------------------------------------

    /**
     * The column of the largest value in each row of x, the first on a tie: a generator's predictions, without
     * bringing its [rows, vocab] logits to the host.
     */
    int[] argmaxRows(Tensor x);

    /**
     * One column drawn from each row of {@code probs}, which holds a distribution (non-negative; rows sum to 1),
     * the way {@link dev.raccoon.engine.cpu.CpuMath#sampleRow} draws it. The draws depend only on the seed and the
     * row's index, so every backend draws the same columns from the same probabilities (up to the last bit of its
     * logarithms). A row with no positive probability is an IllegalArgumentException.
     */
    int[] sampleRows(Tensor probs, long seed);

    // ---- losses -------------------------------------------------------------------------------------------

    /**
     * Mean softmax cross-entropy over the rows whose label is not {@code ignoreIndex}; writes the gradient of
     * that mean into dLogits when not null (zero on ignored rows), which must not be logits itself. Returns the loss
     * (0 when every row is ignored).
     */
    float crossEntropy(Tensor logits, int[] labels, int ignoreIndex, Tensor dLogits);

    /**
     * Mean softmax cross-entropy against soft targets, as knowledge distillation trains on a teacher's
     * probabilities: {@code −Σ_c t[r,c]·log softmax(logits[r])_c} averaged over the rows, {@code targets} row-major
     * like the logits, each row a probability distribution (non-negative, summing to 1 within 1e-3). Writes the
     * gradient {@code (softmax − t) / rows} into dLogits when not null. One-hot targets give {@link #crossEntropy}.
     * A default on the host for every backend: the rows are a classifier's, few and narrow, so one round trip costs
     * less than a kernel would save.
     */
    default float softCrossEntropy(Tensor logits, float[] targets, Tensor dLogits) {
        if (targets.length != logits.size())
            throw new IllegalArgumentException(targets.length + " targets for " + logits);
        if (dLogits != null && (dLogits.rows() != logits.rows() || dLogits.cols() != logits.cols()))
            throw new IllegalArgumentException("gradient " + dLogits + " for logits " + logits);
        int rows = logits.rows(), classes = logits.cols();
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                float t = targets[r * classes + c];
                if (!(t >= 0)) throw new IllegalArgumentException("target " + t + " in row " + r + " is not a probability");
                sum += t;
            }
            if (Math.abs(sum - 1) > 1e-3) throw new IllegalArgumentException("the targets of row " + r + " sum to " + sum + ", not 1");
        }
        if (rows == 0) return 0;
        float[] x = read(logits);
        float[] grad = dLogits == null ? null : new float[x.length];
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            int o = r * classes;
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int c = 0; c < classes; c++) max = Math.max(max, x[o + c]);
            for (int c = 0; c < classes; c++) sum += Math.exp(x[o + c] - max);
            double logSum = max + Math.log(sum);
            for (int c = 0; c < classes; c++) {
                double t = targets[o + c];
                if (t > 0) loss -= t * (x[o + c] - logSum);
                if (grad != null) grad[o + c] = (float) ((Math.exp(x[o + c] - max) / sum - t) / rows);
            }
        }
        if (grad != null) write(dLogits, grad);
        return (float) (loss / rows);
    }

    /**
     * Binary cross-entropy with logits, {@code Σ w·bce(x, y) / Σ w} over one logit per row (weights may be null
     * for all ones; a weight of 0 excludes the row). Writes the gradient into dLogits when not null.
     */
    float binaryCrossEntropy(Tensor logits, float[] targets, float[] weights, Tensor dLogits);

    /** Mean squared error over all elements against host targets; gradient into dPred when not null. */
    float meanSquaredError(Tensor pred, float[] targets, Tensor dPred);

    // ---- optimiser ----------------------------------------------------------------------------------------

    /**
     * One AdamW step as torch.optim.AdamW does it (decoupled weight decay, bias correction with {@code step}
     * starting at 1): {@code p -= lr·wd·p; m = b1·m + (1−b1)·g; v = b2·v + (1−b2)·g²;
     * p -= lr · (m / (1−b1^step)) / (sqrt(v / (1−b2^step)) + eps)}.
     */
    void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
               float weightDecay, int step);

    /**
     * How the backend's own memory stands, for the progress lines of long runs ("" when it has none to speak of:
     * on the CPU the heap is the JVM's).
     */
    default String memorySummary() { return ""; }

    @Override
    default void close() {}
}
