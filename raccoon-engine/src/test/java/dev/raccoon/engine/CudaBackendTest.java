package dev.raccoon.engine;

import dev.raccoon.engine.backends.Backends;
import dev.raccoon.engine.cuda.CudaBackend;
import dev.raccoon.engine.cuda.CudaException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.raccoon.engine.Rand.assertClose;
import static dev.raccoon.engine.Rand.floats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The CUDA backend against the scalar reference: every kernel through {@link BackendParityTest} (fp32, within
 * 1e-4 where the CPU is held tighter; dropout masks bit for bit), plus what is particular to a device: pooled
 * memory, the upload cache, TF32, closing. Skipped where there is no CUDA driver or device; any other failure
 * to start (a missing NVRTC or cuBLAS, a compile error in kernels.cu) fails.
 */
class CudaBackendTest extends BackendParityTest {
    private static CudaBackend cuda;

    @BeforeAll
    static void start() {
        cuda = startOrSkip(Precision.FP32);
    }

    static CudaBackend startOrSkip(Precision precision) {
        try {
            return new CudaBackend(0, precision);
        } catch (CudaException e) {
            Assumptions.assumeFalse(e.getMessage().startsWith("no CUDA"), e.getMessage());
            throw e;
        }
    }

    @AfterAll
    static void stop() {
        if (cuda != null) cuda.close();
    }

    @Override
    protected Backend be() { return cuda; }

    @Override
    protected double tol(double cpu) { return cpu == 0 ? 0 : Math.max(cpu, 1e-4); }

    @Test
    void describesTheDevice() {
        assertThat(cuda.name()).isEqualTo("cuda");
        assertThat(cuda.description()).containsPattern("sm_\\d+");
    }

    @Test
    void freedTensorsComeBackThroughThePool() throws InterruptedException {
        long[] before = cuda.memoryStats();
        for (int i = 0; i < 50; i++) cuda.zeros(1 << 20); // 4 MiB each, garbage at once
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (cuda.memoryStats()[0] > before[0] && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        long[] after = cuda.memoryStats();
        assertThat(after[0]).as("bytes in live tensors").isLessThanOrEqualTo(before[0]);
        // The next allocations of that size reuse cached blocks rather than the driver.
        for (int i = 0; i < 10; i++) cuda.zeros(1 << 20);
        assertThat(cuda.memoryStats()[2]).as("bytes from the device").isEqualTo(after[2]);
        assertThat(cuda.memorySummary())
                .matches("GPU memory \\d+\\.\\d\\d GB in tensors, \\d+\\.\\d\\d GB cached, \\d+\\.\\d\\d GB allocated, \\d+ GCs asked for");
    }

    @Test
    void aMaskChangedInPlaceIsUploadedAgain() {
        // The upload cache compares contents, not array identity.
        int batch = 1, seq = 6, heads = 1, width = 4, tokens = batch * seq;
        float[] q = floats(rnd, tokens * width, 1), k = floats(rnd, tokens * width, 1), v = floats(rnd, tokens * width, 1);
        int[] mask = {1, 1, 1, 1, 1, 1};
        for (int round = 0; round < 2; round++) {
            Tensor pr = ref.zeros(batch, heads, seq, seq), pc = cuda.zeros(batch, heads, seq, seq);
            ref.attention(ref.of(q, tokens, width), ref.of(k, tokens, width), ref.of(v, tokens, width), mask, batch, seq,
                    heads, 0, 0, ref.zeros(tokens, width), pr);
            cuda.attention(cuda.of(q, tokens, width), cuda.of(k, tokens, width), cuda.of(v, tokens, width), mask, batch,
                    seq, heads, 0, 0, cuda.zeros(tokens, width), pc);
            assertClose("probs, round " + round, cuda.read(pc), ref.read(pr), 1e-5);
            mask[4] = mask[5] = 0;
        }
    }

    @Test
    void virtualThreadsKeepTheContextWhereverTheyResume() throws Exception {
        // A context is current per OS thread. These virtual threads park (sleep, and wait for the cuBLAS lock), so they
        // resume on other carrier threads, where every call must find the context current again.
        int m = 64, k = 48, n = 32;
        float[] a = floats(rnd, m * k, 1), b = floats(rnd, k * n, 1);
        Tensor expected = ref.zeros(m, n);
        ref.matmul(ref.of(a, m, k), false, ref.of(b, k, n), false, expected, 1, 0);
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            java.util.List<java.util.concurrent.Future<float[]>> results = new java.util.ArrayList<>();
            for (int t = 0; t < 64; t++)
                results.add(threads.submit(() -> {
                    float[] last = null;
                    for (int i = 0; i < 20; i++) {
                        Tensor c = cuda.zeros(m, n);
                        cuda.matmul(cuda.of(a, m, k), false, cuda.of(b, k, n), false, c, 1, 0);
                        Thread.sleep(1);
                        last = cuda.read(c);
                    }
                    return last;
                }));
            for (var r : results) assertClose("matmul on a virtual thread", r.get(), ref.read(expected), 1e-4);
        }
    }

    @Test
    void tf32GemmsStayClose() {
        try (CudaBackend tf32 = startOrSkip(Precision.TF32)) {
            assertThat(tf32.description()).endsWith(", tf32");
            int m = 256, k = 512, n = 128;
            float[] a = floats(rnd, m * k, 1), b = floats(rnd, k * n, 1);
            Tensor cr = ref.zeros(m, n), ct = tf32.zeros(m, n);
            ref.matmul(ref.of(a, m, k), false, ref.of(b, k, n), false, cr, 1, 0);
            tf32.matmul(tf32.of(a, m, k), false, tf32.of(b, k, n), false, ct, 1, 0);
            // TF32 keeps 10 mantissa bits of each input: about 1e-3 relative per product, √k-ish in the sum.
            assertClose("TF32 matmul", tf32.read(ct), ref.read(cr), 2e-3 * Math.sqrt(k));
        }
    }

    @Test
    void bf16GemmsMatchTheCpuThatRoundsTheSameOperands() {
        try (CudaBackend bf16 = startOrSkip(Precision.BF16); Backend cpu = Backends.scalar(Precision.BF16)) {
            assertThat(bf16.description()).endsWith(", bf16");
            for (boolean ta : new boolean[] {false, true})
                for (boolean tb : new boolean[] {false, true}) {
                    int m = 130, k = 257, n = 66;
                    float[] a = floats(rnd, m * k, 1), b = floats(rnd, k * n, 1), c = floats(rnd, m * n, 1);
                    Tensor cc = cpu.of(c, m, n), cg = bf16.of(c, m, n);
                    cpu.matmul(cpu.of(a, ta ? k : m, ta ? m : k), ta, cpu.of(b, tb ? n : k, tb ? k : n), tb, cc, 0.5f, 0.25f);
                    bf16.matmul(bf16.of(a, ta ? k : m, ta ? m : k), ta, bf16.of(b, tb ? n : k, tb ? k : n), tb, cg, 0.5f, 0.25f);
                    // The same bf16 operands, exact products, fp32 sums in another order: fp32 rounding apart.
                    assertClose("bf16 matmul ta=" + ta + " tb=" + tb, bf16.read(cg), cpu.read(cc), 1e-5 * Math.sqrt(k));
                }
        }
    }

    @Test
    void rejectsForeignTensorsAndCallsAfterClose() {
        assertThatThrownBy(() -> cuda.scale(ref.zeros(3), 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a CUDA tensor");
        CudaBackend other = startOrSkip(Precision.FP32);
        Tensor t = other.of(new float[] {1, 2, 3}, 3);
        other.close();
        assertThatThrownBy(() -> other.read(t)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> cuda.read(t)).isInstanceOf(IllegalStateException.class);
        // closing one backend leaves the other (same primary context) working
        assertThat(cuda.read(cuda.of(new float[] {4, 5}, 2))).containsExactly(4, 5);
    }

    @Test
    void largeElementwiseAndReductions() {
        // Beyond one grid of grid-stride blocks and one block of partial sums.
        int n = 5_000_003;
        float[] x = floats(rnd, n, 1);
        Tensor xr = ref.of(x, n), xc = cuda.of(x, n);
        assertThat(cuda.sumOfSquares(xc)).isCloseTo(ref.sumOfSquares(xr),
                org.assertj.core.data.Percentage.withPercentage(1e-8));
        ref.gelu(xr, xr);
        cuda.gelu(xc, xc);
        assertClose("gelu over 5M elements", cuda.read(xc), ref.read(xr), 1e-5);
    }
}
