// Raccoon's CUDA kernels: compiled once per process by NVRTC for the GPU present (CudaBackend), and by nvcc in
// the tests. NVRTC has no standard headers, so only builtins are used (expf, erfcf, atomicAdd, __shfl_xor_sync).
// Semantics follow Backend's javadoc and ScalarBackend; the comments say where the math differs in precision.
//
// Launch conventions (the host side relies on them): element-wise kernels are grid-stride loops over n elements
// with any grid; row kernels run one block per row with blockDim.x a multiple of 32 (at most 1024); column
// reductions run blockDim (32, 16) with one block per 32 columns.

typedef unsigned long long u64;

#define MASK_VALUE (-3.4028235e38f)            // torch.finfo(float32).min, added to the scores of padded keys
#define NEG_INF (__int_as_float(0xff800000))
#define FOR_EACH(i, n) \
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < (n); \
         i += (long long) blockDim.x * gridDim.x)

// ---- dropout generator: splitmix64 by element index, bit for bit CpuMath.splitmix64 / CpuMath.keep ----------

__device__ __forceinline__ u64 splitmix64(u64 seed, u64 index) {
    u64 z = seed + (index + 1ULL) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// A 24-bit uniform draw u keeps when u >= p; the conversion and the scaling by 2^-24 are exact, as in Java.
__device__ __forceinline__ bool keep(u64 seed, u64 index, float p) {
    return (float) (splitmix64(seed, index) >> 40) * 0x1p-24f >= p;
}

// ---- block reductions (blockDim.x a multiple of 32) ---------------------------------------------------------

struct Add {
    template <typename T> __device__ __forceinline__ T operator()(T a, T b) const { return a + b; }
};

struct Max {
    __device__ __forceinline__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

template <typename T, typename Op> __device__ __forceinline__ T warpReduce(T v, Op op) {
    for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Every thread gets the block's result. The trailing barrier lets the caller reduce again right away.
template <typename T, typename Op> __device__ T blockReduce(T v, T identity, Op op) {
    __shared__ T s[33];
    v = warpReduce(v, op);
    if ((threadIdx.x & 31) == 0) s[threadIdx.x >> 5] = v;
    __syncthreads();
    if (threadIdx.x < 32) {
        T t = threadIdx.x < (blockDim.x >> 5) ? s[threadIdx.x] : identity;
        t = warpReduce(t, op);
        if (threadIdx.x == 0) s[32] = t;
    }
    __syncthreads();
    T r = s[32];
    __syncthreads();
    return r;
}

__device__ float blockSum(float v) { return blockReduce(v, 0.f, Add()); }

__device__ double blockSumD(double v) { return blockReduce(v, 0.0, Add()); }

__device__ float blockMax(float v) { return blockReduce(v, NEG_INF, Max()); }

// ---- linear algebra helpers ---------------------------------------------------------------------------------

extern "C" __global__ void addBias(float* y, const float* bias, long long n, int cols) {
    FOR_EACH(i, n) y[i] += bias[i % cols];
}

// db[j] = beta * db[j] + sum over rows of dy[r, j]; deterministic (no atomics), accumulated in double.
extern "C" __global__ void sumRows(const float* dy, float* db, int rows, int cols, float beta) {
    __shared__ double s[16][33];
    int j = blockIdx.x * 32 + threadIdx.x;
    double acc = 0;
    if (j < cols)
        for (int r = threadIdx.y; r < rows; r += 16) acc += dy[(long long) r * cols + j];
    s[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && j < cols) {
        double t = 0;
        for (int k = 0; k < 16; k++) t += s[k][threadIdx.x];
        db[j] = (float) (t + (beta == 0.f ? 0.0 : (double) beta * db[j]));
    }
}

extern "C" __global__ void add(const float* a, const float* b, float* out, long long n) {
    FOR_EACH(i, n) out[i] = a[i] + b[i];
}

extern "C" __global__ void axpy(float alpha, const float* x, float* y, long long n) {
    FOR_EACH(i, n) y[i] += alpha * x[i];
}

extern "C" __global__ void scale(float* x, float alpha, long long n) {
    FOR_EACH(i, n) x[i] *= alpha;
}

// One partial sum of squares per block, in double; sumDoubles adds the partials up in a fixed order.
extern "C" __global__ void sumSquares(const float* x, long long n, double* partial) {
    double acc = 0;
    FOR_EACH(i, n) {
        double v = x[i];
        acc += v * v;
    }
    acc = blockSumD(acc);
    if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

// One block: out[0] = sum of x[0, n).
extern "C" __global__ void sumDoubles(const double* x, int n, double* out) {
    double acc = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) acc += x[i];
    acc = blockSumD(acc);
    if (threadIdx.x == 0) out[0] = acc;
}

// ---- activations --------------------------------------------------------------------------------------------

// Standard normal CDF through erfc, which keeps its relative accuracy in the negative tail.
__device__ __forceinline__ float normalCdf(float x) { return 0.5f * erfcf(-x * 0.70710678118654752f); }

extern "C" __global__ void gelu(const float* x, float* out, long long n) {
    FOR_EACH(i, n) {
        float v = x[i];
        out[i] = v * normalCdf(v);
    }
}

// x += bias (per column), out = gelu(x): the feed-forward block's bias and activation in one launch. out may alias x.
extern "C" __global__ void biasGelu(float* x, const float* bias, float* out, long long n, int cols) {
    FOR_EACH(i, n) {
        float v = x[i] + bias[i % cols];
        x[i] = v;
        out[i] = v * normalCdf(v);
    }
}

// d/dx x·Φ(x) = Φ(x) + x·φ(x)
extern "C" __global__ void geluBackward(const float* x, const float* dOut, float* dx, long long n) {
    FOR_EACH(i, n) {
        float v = x[i];
        dx[i] = dOut[i] * (normalCdf(v) + v * 0.39894228040143268f * expf(-0.5f * v * v));
    }
}

extern "C" __global__ void tanhForward(const float* x, float* out, long long n) {
    FOR_EACH(i, n) out[i] = tanhf(x[i]);
}

extern "C" __global__ void tanhBackward(const float* y, const float* dOut, float* dx, long long n) {
    FOR_EACH(i, n) {
        float t = y[i];
        dx[i] = dOut[i] * (1.f - t * t);
    }
}

// One block per row. out may alias x: each element is read by the thread that writes it, after both reductions.
extern "C" __global__ void softmax(const float* x, float* out, int cols) {
    long long o = (long long) blockIdx.x * cols;
    float m = NEG_INF;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) m = fmaxf(m, x[o + j]);
    m = blockMax(m);
    float s = 0;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += expf(x[o + j] - m);
    s = blockSum(s);
    for (int j = threadIdx.x; j < cols; j += blockDim.x) out[o + j] = expf(x[o + j] - m) / s;
}

// Inverted dropout with the element index as counter; p = 0 is a copy on the host side.
extern "C" __global__ void dropout(const float* x, float* out, long long n, float p, float scale, u64 seed) {
    FOR_EACH(i, n) out[i] = keep(seed, (u64) i, p) ? x[i] * scale : 0.f;
}

// ---- LayerNorm ----------------------------------------------------------------------------------------------

// One block per row, two-pass fp32 statistics (biased variance). out may alias x.
// With a residual (not null), x += residual first, in the pass for the mean; each thread later reads back only
// the elements it wrote.
extern "C" __global__ void layerNorm(float* x, const float* residual, const float* gamma, const float* beta, float eps,
                                     float* out, float* mean, float* rstd, int cols) {
    long long o = (long long) blockIdx.x * cols;
    float s = 0;
    if (residual)
        for (int j = threadIdx.x; j < cols; j += blockDim.x) {
            float v = x[o + j] + residual[o + j];
            x[o + j] = v;
            s += v;
        }
    else
        for (int j = threadIdx.x; j < cols; j += blockDim.x) s += x[o + j];
    float mu = blockSum(s) / cols;
    float v = 0;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        float d = x[o + j] - mu;
        v += d * d;
    }
    float rs = 1.f / sqrtf(blockSum(v) / cols + eps);
    for (int j = threadIdx.x; j < cols; j += blockDim.x) out[o + j] = (x[o + j] - mu) * rs * gamma[j] + beta[j];
    if (threadIdx.x == 0) {
        if (mean) mean[blockIdx.x] = mu;
        if (rstd) rstd[blockIdx.x] = rs;
    }
}

// dGamma[j] += sum_r dOut[r, j]·x̂[r, j], dBeta[j] += sum_r dOut[r, j]; launched before layerNormBackwardDx,
// which may overwrite dOut or x when dx aliases them.
extern "C" __global__ void layerNormBackwardParams(const float* dOut, const float* x, const float* mean,
                                                   const float* rstd, float* dGamma, float* dBeta, int rows,
                                                   int cols) {
    __shared__ double sg[16][33], sb[16][33];
    int j = blockIdx.x * 32 + threadIdx.x;
    double g = 0, b = 0;
    if (j < cols)
        for (int r = threadIdx.y; r < rows; r += 16) {
            long long i = (long long) r * cols + j;
            double d = dOut[i];
            g += d * ((x[i] - mean[r]) * rstd[r]);
            b += d;
        }
    sg[threadIdx.y][threadIdx.x] = g;
    sb[threadIdx.y][threadIdx.x] = b;
    __syncthreads();
    if (threadIdx.y == 0 && j < cols) {
        double tg = 0, tb = 0;
        for (int k = 0; k < 16; k++) {
            tg += sg[k][threadIdx.x];
            tb += sb[k][threadIdx.x];
        }
        dGamma[j] += (float) tg;
        dBeta[j] += (float) tb;
    }
}

// One block per row: dx = rstd · (g − mean(g) − x̂ · mean(g · x̂)) with g = dOut · gamma. dx may alias dOut or x.
extern "C" __global__ void layerNormBackwardDx(const float* dOut, const float* x, const float* gamma,
                                               const float* mean, const float* rstd, float* dx, int cols) {
    long long o = (long long) blockIdx.x * cols;
    float mu = mean[blockIdx.x], rs = rstd[blockIdx.x];
    float sumG = 0, sumGX = 0;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        float g = dOut[o + j] * gamma[j];
        sumG += g;
        sumGX += g * ((x[o + j] - mu) * rs);
    }
    sumG = blockSum(sumG) / cols;
    sumGX = blockSum(sumGX) / cols;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) {
        float xh = (x[o + j] - mu) * rs;
        dx[o + j] = rs * (dOut[o + j] * gamma[j] - sumG - xh * sumGX);
    }
}

// ---- embeddings (ids are checked on the host) ---------------------------------------------------------------

extern "C" __global__ void gather(const float* table, const int* ids, float* out, long long n, int cols) {
    FOR_EACH(i, n) {
        long long r = i / cols;
        out[i] = table[(long long) ids[r] * cols + (i - r * cols)];
    }
}

// Repeated ids add up through atomics, so the order of the additions (and the last bits) may vary run to run.
extern "C" __global__ void scatterAdd(const float* dOut, const int* ids, float* dTable, long long n, int cols) {
    FOR_EACH(i, n) {
        long long r = i / cols;
        atomicAdd(&dTable[(long long) ids[r] * cols + (i - r * cols)], dOut[i]);
    }
}

// ---- attention ----------------------------------------------------------------------------------------------

// [batch·seq, heads·d] (heads side by side) to [batch·heads, seq, d], so each head is one strided-batch GEMM.
extern "C" __global__ void splitHeads(const float* src, float* dst, int seq, int heads, int d, long long n) {
    FOR_EACH(i, n) {
        long long t = i / d;
        int e = (int) (i - t * d);
        int s = (int) (t % seq);
        t /= seq;
        int h = (int) (t % heads);
        long long b = t / heads;
        dst[i] = src[((b * seq + s) * heads + h) * d + e];
    }
}

// The inverse of splitHeads.
extern "C" __global__ void mergeHeads(const float* src, float* dst, int seq, int heads, int d, long long n) {
    FOR_EACH(i, n) {
        long long t = i / d;
        int e = (int) (i - t * d);
        int s = (int) (t % seq);
        t /= seq;
        int h = (int) (t % heads);
        long long b = t / heads;
        dst[((b * seq + s) * heads + h) * d + e] = src[i];
    }
}

// In place on the scaled scores [batch·heads·seq, seq], one block per row: add MASK_VALUE to padded keys,
// softmax, then dropout with the row-major index of the probability as counter (the CPU's (b·heads + h)·seq² +
// i·seq + j). p = 0 leaves the probabilities undropped.
extern "C" __global__ void attentionSoftmax(float* scores, const int* mask, int heads, int seq, float p,
                                            float scale, u64 seed) {
    long long row = blockIdx.x;
    long long b = row / ((long long) heads * seq);
    float* x = scores + row * seq;
    const int* mk = mask + b * seq;
    float m = NEG_INF;
    for (int j = threadIdx.x; j < seq; j += blockDim.x) m = fmaxf(m, x[j] + (mk[j] == 0 ? MASK_VALUE : 0.f));
    m = blockMax(m);
    float s = 0;
    for (int j = threadIdx.x; j < seq; j += blockDim.x) s += expf(x[j] + (mk[j] == 0 ? MASK_VALUE : 0.f) - m);
    s = blockSum(s);
    for (int j = threadIdx.x; j < seq; j += blockDim.x) {
        float pr = expf(x[j] + (mk[j] == 0 ? MASK_VALUE : 0.f) - m) / s;
        if (p > 0.f) pr = keep(seed, (u64) (row * seq + j), p) ? pr * scale : 0.f;
        x[j] = pr;
    }
}

// In place on dPd = dOut·Vᵀ, one block per row, given the pre-dropout probabilities P:
// ds = dPd·keep·scale, dS = P·(ds − Σ P·ds) / sqrt(d).
extern "C" __global__ void attentionSoftmaxBackward(const float* probs, float* grad, int seq, float p, float scale,
                                                    u64 seed, float invSqrtD) {
    long long row = blockIdx.x;
    const float* pr = probs + row * seq;
    float* g = grad + row * seq;
    float dot = 0;
    for (int j = threadIdx.x; j < seq; j += blockDim.x) {
        float ds = g[j];
        if (p > 0.f) ds = keep(seed, (u64) (row * seq + j), p) ? ds * scale : 0.f;
        g[j] = ds;
        dot += pr[j] * ds;
    }
    dot = blockSum(dot);
    for (int j = threadIdx.x; j < seq; j += blockDim.x) g[j] = pr[j] * (g[j] - dot) * invSqrtD;
}

// ---- losses -------------------------------------------------------------------------------------------------

// One block per row; labels are class indices or −1 for an ignored row. rowLoss gets max + log Σexp − x[label]
// (0 for ignored rows); dLogits (may be null) gets (softmax − onehot) / count, 0 on ignored rows.
extern "C" __global__ void crossEntropy(const float* logits, const int* labels, int cols, int count,
                                        double* rowLoss, float* dLogits) {
    long long o = (long long) blockIdx.x * cols;
    int label = labels[blockIdx.x];
    float m = NEG_INF;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) m = fmaxf(m, logits[o + j]);
    m = blockMax(m);
    double s = 0;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) s += expf(logits[o + j] - m);
    s = blockSumD(s);
    if (threadIdx.x == 0) rowLoss[blockIdx.x] = label < 0 ? 0.0 : m + log(s) - logits[o + label];
    if (dLogits) {
        float inv = (float) (1.0 / s);
        for (int j = threadIdx.x; j < cols; j += blockDim.x)
            dLogits[o + j] = label < 0 ? 0.f
                    : (expf(logits[o + j] - m) * inv - (j == label ? 1.f : 0.f)) / (float) count;
    }
}

// ---- choosing a column per row ---------------------------------------------------------------------------

// The first column of each row's largest value (CpuMath.argmax): (value, column) pairs reduced in the block, the
// larger value winning and the smaller column on a tie.
__device__ __forceinline__ void betterOf(float& v, int& c, float v2, int c2) {
    if (v2 > v || (v2 == v && c2 < c)) { v = v2; c = c2; }
}

extern "C" __global__ void argmaxRows(const float* x, int cols, int* out) {
    __shared__ float sv[32];
    __shared__ int sc[32];
    const float* row = x + (long long) blockIdx.x * cols;
    // CpuMath.argmax starts from column 0 and nothing compares greater than NaN: a NaN there keeps column 0.
    if (isnan(row[0])) {
        if (threadIdx.x == 0) out[blockIdx.x] = 0;
        return;
    }
    float v = NEG_INF;
    int c = 0x7fffffff;
    for (int j = threadIdx.x; j < cols; j += blockDim.x) betterOf(v, c, row[j], j);
    for (int o = 16; o > 0; o >>= 1)
        betterOf(v, c, __shfl_xor_sync(0xffffffffu, v, o), __shfl_xor_sync(0xffffffffu, c, o));
    if ((threadIdx.x & 31) == 0) { sv[threadIdx.x >> 5] = v; sc[threadIdx.x >> 5] = c; }
    __syncthreads();
    if (threadIdx.x < 32) {
        bool has = threadIdx.x < (blockDim.x >> 5);
        v = has ? sv[threadIdx.x] : NEG_INF;
        c = has ? sc[threadIdx.x] : 0x7fffffff;
        for (int o = 16; o > 0; o >>= 1)
            betterOf(v, c, __shfl_xor_sync(0xffffffffu, v, o), __shfl_xor_sync(0xffffffffu, c, o));
        // a row of -inf or NaN gives column 0, as on the CPU; a NaN after column 0 is skipped, as there
        if (threadIdx.x == 0) out[blockIdx.x] = c == 0x7fffffff ? 0 : c;
    }
}

// Draw k of row r is the uniform double splitmix64(seed, r·2^32 + k) >> 11 times 2^-53, as CpuMath.uniform.
__device__ __forceinline__ double uniformDraw(u64 seed, u64 index) {
    return (double) (splitmix64(seed, index) >> 11) * 0x1p-53;
}

__device__ __forceinline__ double exponentialDraw(u64 seed, u64 index) {
    return -log(1.0 - uniformDraw(seed, index));
}

// One draw per row from the distribution it holds: CpuMath.sampleRow's exponential race walked with skips, a
// thread per row, the same draws in the same order. A row with no positive probability gets −1 (the host throws).
extern "C" __global__ void sampleRows(const float* probs, int rows, int cols, u64 seed, int* out) {
    int r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= rows) return;
    const float* p = probs + (long long) r * cols;
    u64 draw = (u64) r << 32;
    int leader = -1;
    double time = 0, skip = 0;
    for (int i = 0; i < cols; i++) {
        double w = p[i];
        if (!(w > 0)) continue;
        if (leader < 0) {
            leader = i;
            time = exponentialDraw(seed, draw++) / w;
            skip = exponentialDraw(seed, draw++) / time;
            continue;
        }
        skip -= w;
        if (skip <= 0) {
            time = -log1p(uniformDraw(seed, draw++) * expm1(-w * time)) / w;
            leader = i;
            skip = exponentialDraw(seed, draw++) / time;
        }
    }
    out[r] = leader;
}

// Σ w·bce(x, y) per block in double (weights null means all ones; a weight of 0 excludes the element);
// dLogits (may be null) gets w·(σ(x) − y) / Σw.
extern "C" __global__ void binaryCrossEntropy(const float* logits, const float* targets, const float* weights,
                                              long long n, double wsum, float* dLogits, double* partial) {
    double acc = 0;
    FOR_EACH(i, n) {
        double x = logits[i], y = targets[i], w = weights ? (double) weights[i] : 1.0;
        if (w != 0.0) acc += w * (fmax(x, 0.0) - x * y + log1p(exp(-fabs(x))));
        if (dLogits) dLogits[i] = wsum == 0.0 ? 0.f : (float) (w * (1.0 / (1.0 + exp(-x)) - y) / wsum);
    }
    acc = blockSumD(acc);
    if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

// Σ (pred − target)² per block in double; dPred (may be null) gets 2·(pred − target) / n.
extern "C" __global__ void meanSquaredError(const float* pred, const float* targets, long long n, float* dPred,
                                            double* partial) {
    double acc = 0;
    FOR_EACH(i, n) {
        double diff = (double) pred[i] - targets[i];
        acc += diff * diff;
        if (dPred) dPred[i] = (float) (2.0 * diff / (double) n);
    }
    acc = blockSumD(acc);
    if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

// ---- optimiser ----------------------------------------------------------------------------------------------

// torch.optim.AdamW, in double like the reference; bc1 = 1 − β1^step, bc2Sqrt = sqrt(1 − β2^step).
extern "C" __global__ void adamw(float* param, const float* grad, float* m, float* v, long long n, float lr,
                                 float beta1, float beta2, float eps, float weightDecay, double bc1,
                                 double bc2Sqrt) {
    FOR_EACH(i, n) {
        double p = param[i], g = grad[i];
        p -= (double) lr * weightDecay * p;
        double mi = beta1 * (double) m[i] + (1 - (double) beta1) * g;
        double vi = beta2 * (double) v[i] + (1 - (double) beta2) * g * g;
        p -= lr / bc1 * mi / (sqrt(vi) / bc2Sqrt + eps);
        param[i] = (float) p;
        m[i] = (float) mi;
        v[i] = (float) vi;
    }
}

// fp32 to bf16 (the upper 16 bits), rounded to nearest even, NaN kept quiet: Precision.roundToBf16 bit for bit.
extern "C" __global__ void toBf16(const float* x, unsigned short* out, long long n) {
    FOR_EACH(i, n) {
        unsigned int b = __float_as_uint(x[i]);
        if ((b & 0x7fffffffu) > 0x7f800000u) out[i] = (unsigned short) ((b | 0x00400000u) >> 16);
        else out[i] = (unsigned short) ((b + 0x7fffu + ((b >> 16) & 1u)) >> 16);
    }
}
