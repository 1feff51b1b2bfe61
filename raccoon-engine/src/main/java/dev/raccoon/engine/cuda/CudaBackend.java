package dev.raccoon.engine.cuda;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Checks;
import dev.raccoon.engine.Precision;
import dev.raccoon.engine.Tensor;
import dev.raccoon.engine.cpu.CpuMath;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The CUDA backend: fp32 kernels from {@code kernels.cu} (compiled once per process by NVRTC for the GPU
 * present), cuBLAS for the matrix products, all work queued on one stream of the device's primary context.
 * Only {@link #of}, {@link #read}, {@link #write}, the losses' results and the integer inputs cross the PCIe bus.
 *
 * <p>Precision: fp32 storage and math, with float or double accumulation as each kernel notes. The constructor's
 * {@link Precision} may let cuBLAS round the operands of products: TF32 tensor cores for every product (a 10-bit
 * mantissa), or bf16 operands with fp32 accumulation for {@link #matmul} (the dense layers; attention's products
 * stay fp32). Debugging: {@code -Draccoon.cuda.sync=true} synchronizes after every launch so an
 * asynchronous fault names its kernel.
 *
 * <p>Thread safety: as the Backend contract asks, calls may come from several threads; they are serialized on
 * the one stream, so the device runs them in the order they were queued.
 */
public final class CudaBackend implements Backend {
    /** Threads per block of the element-wise kernels. */
    private static final int THREADS = 256;
    /** Most blocks a grid-stride or partial-sum kernel gets. */
    private static final int MAX_PARTIALS = 1024;
    /** Recent integer uploads kept on the device, so the mask shared by every layer is copied once per batch. */
    private static final int INT_CACHE = 4;

    /**
     * Kernels of kernels.cu by their extern "C" names, with their parameters: p a pointer (a tensor, a Long
     * address or null), l a long long and u an unsigned long long (Long), i an int, f a float, d a double.
     * Launches are checked against these, and a test checks them against the PTX nvcc makes of kernels.cu.
     */
    private enum K {
        addBias("ppli"), sumRows("ppiif"), add("pppl"), axpy("fppl"), scale("pfl"), sumSquares("plp"),
        sumDoubles("pip"), gelu("ppl"), biasGelu("pppli"), geluBackward("pppl"), tanhForward("ppl"), tanhBackward("pppl"),
        softmax("ppi"), dropout("pplffu"), layerNorm("ppppfpppi"), layerNormBackwardParams("ppppppii"),
        layerNormBackwardDx("ppppppi"), gather("pppli"), scatterAdd("pppli"), splitHeads("ppiiil"),
        mergeHeads("ppiiil"), attentionSoftmax("ppiiffu"), attentionSoftmaxBackward("ppiffuf"),
        argmaxRows("pip"), sampleRows("piiup"), crossEntropy("ppiipp"), binaryCrossEntropy("pppldpp"),
        meanSquaredError("pplpp"),
        adamw("pppplfffffdd"), toBf16("ppl");

        final String params;

        K(String params) { this.params = params; }
    }

    /** Kernel name to parameter letters (see {@link K}), for the test that reads them back from PTX. */
    static Map<String, String> kernelParameters() {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (K k : K.values()) m.put(k.name(), k.params);
        return m;
    }

    private static final Map<Integer, Nvrtc.Image> IMAGES = new ConcurrentHashMap<>();
    private static Nvrtc nvrtc;
    private static volatile Cublas cublas;
    /** Per-thread kernel argument buffer: 8-byte value slots and the void*[] pointing at them. */
    private static final ThreadLocal<LaunchArgs> ARGS = ThreadLocal.withInitial(LaunchArgs::new);

    private final Driver driver;
    private final int device, sm, multiprocessors;
    private final String deviceName, target;
    private final Precision precision;
    private final boolean syncEachLaunch;
    private MemorySegment context, stream, module, blas;
    private final MemorySegment[] functions = new MemorySegment[K.values().length];
    private DevicePool pool;
    private final ArrayDeque<IntUpload> intCache = new ArrayDeque<>();
    private final PendingUploads uploads = new PendingUploads();
    /** cuBLAS allows one handle on several threads, but its calls are cheap to serialize and all share a stream. */
    private final Object blasLock = new Object();
    private volatile boolean closed;

    /** Device 0, fp32. */
    public CudaBackend() {
        this(0, Precision.FP32);
    }

    /**
     * Starts the backend on device {@code ordinal}.
     *
     * @param precision what matrix products may round their operands to (TF32 and BF16 use tensor cores, Ampere
     *                  and later: faster, ~1e-3 and ~1e-2 relative error per product)
     * @throws CudaException with a message that says why (no driver, no device, a missing library, a failed call)
     */
    public CudaBackend(int ordinal, Precision precision) {
        this.precision = java.util.Objects.requireNonNull(precision, "precision");
        this.syncEachLaunch = Boolean.getBoolean("raccoon.cuda.sync");
        driver = Driver.get(); // throws "no CUDA driver (libcuda.so.1 not found)"
        try {
            driver.init();
            int count = driver.deviceCount();
            if (count == 0) throw new CudaException("no CUDA device (cuDeviceGetCount found none)");
            if (ordinal < 0 || ordinal >= count)
                throw new CudaException("no CUDA device " + ordinal + " (" + count + " present)");
            device = driver.device(ordinal);
            deviceName = driver.deviceName(device);
            sm = 10 * driver.attribute(device, Driver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)
                    + driver.attribute(device, Driver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
            multiprocessors = driver.attribute(device, Driver.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        } catch (CudaException e) {
            if (e.getMessage().startsWith("no CUDA")) throw e;
            if (e.code() == 100) // CUDA_ERROR_NO_DEVICE
                throw new CudaException("no CUDA device (" + e.getMessage() + ")", e);
            throw new CudaException("CUDA unavailable (" + e.getMessage() + ")", e);
        }
        // cuBLAS takes bf16 operands from Ampere on; before, TF32's math mode merely falls back to fp32.
        if (precision == Precision.BF16 && sm < 80)
            throw new CudaException(deviceName + " (sm_" + sm + ") has no bf16 tensor cores (sm_80 and later have them);"
                    + " use --precision fp32");
        try {
            context = driver.retainPrimaryContext(device);
            makeCurrent();
            stream = driver.createStream();
            // Half the memory free now: room for the live set and for the garbage between two GCs.
            pool = new DevicePool(driver, this::synchronizeStream, driver.memoryInfo()[0] / 2);
            Nvrtc.Image image = image(sm);
            target = image.target();
            try (Arena arena = Arena.ofConfined()) {
                module = driver.loadModule(arena.allocateFrom(JAVA_BYTE, image.bytes()));
            } catch (CudaException e) {
                if (e.code() != Driver.CUDA_ERROR_UNSUPPORTED_PTX_VERSION) throw e;
                throw new CudaException(e.getMessage() + ": the " + target + " that NVRTC made is newer than this driver"
                        + " can JIT-compile; use the NVRTC of the driver's CUDA version (-Draccoon.cuda.libs=DIR)"
                        + " or a newer driver", e);
            }
            for (K k : K.values()) functions[k.ordinal()] = driver.function(module, k.name());
            Cublas lib = cublas();
            blas = lib.create();
            lib.setStream(blas, stream);
            lib.setMathMode(blas, precision == Precision.TF32 ? Cublas.CUBLAS_TF32_TENSOR_OP_MATH : Cublas.CUBLAS_DEFAULT_MATH);
        } catch (RuntimeException e) {
            try {
                release();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new CudaException("CUDA unavailable (" + e.getMessage() + ")", e);
        }
    }

    private static synchronized Cublas cublas() {
        if (cublas == null) cublas = Cublas.load();
        return cublas;
    }

    /** kernels.cu compiled for compute capability {@code sm}, once per process. */
    private static synchronized Nvrtc.Image image(int sm) {
        Nvrtc.Image image = IMAGES.get(sm);
        if (image != null) return image;
        if (nvrtc == null) nvrtc = Nvrtc.load();
        image = nvrtc.compile(kernelSource(), "kernels.cu", sm);
        IMAGES.put(sm, image);
        return image;
    }

    /** The CUDA C source of the kernels, a resource beside this class. */
    public static String kernelSource() {
        try (InputStream in = CudaBackend.class.getResourceAsStream("kernels.cu")) {
            if (in == null) throw new IllegalStateException("kernels.cu missing from the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override public String name() { return "cuda"; }

    /** One host thread drives the device. */
    @Override public int threads() { return 1; }

    @Override public Precision precision() { return precision; }

    /** "NVIDIA H100 80GB HBM3, sm_90" (", tf32" or ", bf16" when products use them), for the line Backends prints. */
    public String description() {
        return deviceName + ", sm_" + sm + (target.startsWith("sm_") ? "" : " via " + target)
                + (precision == Precision.FP32 ? "" : ", " + precision.label());
    }

    /** {bytes held by live tensors, bytes cached for reuse, bytes allocated from the device, GCs the pool asked for}. */
    public long[] memoryStats() { return pool.stats(); }

    @Override
    public String memorySummary() {
        long[] s = memoryStats();
        return String.format(java.util.Locale.ROOT, "GPU memory %.2f GB in tensors, %.2f GB cached, %.2f GB allocated, %d GCs asked for",
                s[0] / 1e9, s[1] / 1e9, s[2] / 1e9, s[3]);
    }

    // ---- plumbing ---------------------------------------------------------------------------------------------

    private void makeCurrent() {
        driver.makeCurrent(context);
    }

    /** Every public call starts here: open backend, context current on this thread. */
    private void enter() {
        if (closed) throw new IllegalStateException("the CUDA backend is closed");
        makeCurrent();
    }

    private static CudaTensor cu(Tensor t) {
        if (t instanceof CudaTensor c) return c;
        throw new IllegalArgumentException("not a CUDA tensor: " + (t == null ? "null" : t.getClass().getName()));
    }

    private static final class LaunchArgs {
        static final int SLOTS = 32;
        final MemorySegment values, pointers;

        LaunchArgs() {
            Arena arena = Arena.ofAuto();
            values = arena.allocate(8L * SLOTS, 8);
            pointers = arena.allocate(ADDRESS, SLOTS);
            for (int i = 0; i < SLOTS; i++) pointers.setAtIndex(ADDRESS, i, values.asSlice(8L * i, 8));
        }
    }

    /**
     * Launches a kernel on the stream with arguments as {@link K} declares them; a mismatch is a bug here and
     * throws before anything reaches the driver. Tensors stay reachable until the launch is queued, so the GC
     * cannot recycle their memory first.
     */
    private void launch(K kernel, long gridX, int blockX, int blockY, Object... args) {
        if (gridX <= 0) return;
        String params = kernel.params;
        if (args.length != params.length())
            throw new IllegalStateException(kernel + " takes " + params.length() + " arguments, got " + args.length);
        LaunchArgs a = ARGS.get();
        MemorySegment v = a.values;
        for (int i = 0; i < args.length; i++) {
            long off = 8L * i;
            Object arg = args[i];
            switch (params.charAt(i)) {
                case 'p' -> v.set(JAVA_LONG, off, switch (arg) {
                    case null -> 0L;
                    case Tensor t -> cu(t).address();
                    case Long address -> address;
                    default -> throw badArgument(kernel, i, arg);
                });
                case 'l', 'u' -> v.set(JAVA_LONG, off, arg instanceof Long l ? l : throwLong(kernel, i, arg));
                case 'i' -> v.set(JAVA_INT, off, arg instanceof Integer n ? n : throwInt(kernel, i, arg));
                case 'f' -> v.set(JAVA_FLOAT, off, arg instanceof Float f ? f : throwFloat(kernel, i, arg));
                case 'd' -> v.set(JAVA_DOUBLE, off, arg instanceof Double d ? d : throwDouble(kernel, i, arg));
                default -> throw new IllegalStateException("parameter letter " + params.charAt(i));
            }
        }
        driver.launch(kernel.name(), functions[kernel.ordinal()], Math.toIntExact(gridX), 1, blockX, blockY, 0,
                stream, a.pointers);
        if (syncEachLaunch) {
            try {
                synchronizeStream();
            } catch (CudaException e) {
                throw new CudaException("kernel " + kernel + " failed: " + e.getMessage(), e);
            }
        }
        Reference.reachabilityFence(args);
    }

    private static IllegalStateException badArgument(K kernel, int i, Object arg) {
        return new IllegalStateException(kernel + " argument " + i + " should be '" + kernel.params.charAt(i)
                + "', got " + (arg == null ? "null" : arg.getClass().getSimpleName()));
    }

    private static long throwLong(K kernel, int i, Object arg) { throw badArgument(kernel, i, arg); }

    private static int throwInt(K kernel, int i, Object arg) { throw badArgument(kernel, i, arg); }

    private static float throwFloat(K kernel, int i, Object arg) { throw badArgument(kernel, i, arg); }

    private static double throwDouble(K kernel, int i, Object arg) { throw badArgument(kernel, i, arg); }

    /** Grid for a grid-stride loop over n elements. */
    private long blocks(long n) {
        return Math.min((n + THREADS - 1) / THREADS, Math.max(1, multiprocessors) * 32L);
    }

    /** Block size of a one-block-per-row kernel: whole warps, more of them for long rows. */
    private static int rowThreads(int cols) {
        if (cols >= 4096) return 1024;
        return Math.max(32, Math.min(256, (cols + 31) / 32 * 32));
    }

    private void elementwise(K kernel, long n, Object... args) {
        if (n > 0) launch(kernel, blocks(n), THREADS, 1, args);
    }

    /** Device memory for one call, returned to the pool when closed (stream order makes that safe at once). */
    private final class Temp implements AutoCloseable {
        final long ptr, bytes;

        Temp(long bytes) {
            this.bytes = bytes;
            this.ptr = pool.allocateTemporary(bytes);
        }

        long at(long elementOffset, int elementBytes) { return ptr + elementOffset * elementBytes; }

        @Override public void close() { pool.release(ptr, bytes); }
    }

    private Temp floats(long n) { return new Temp(4 * n); }

    /** Host ints on the device; cached uploads are shared and released when evicted and no call uses them. */
    private final class IntUpload implements AutoCloseable {
        final int[] values;
        final long ptr, bytes;
        int users = 1;
        boolean evicted;

        IntUpload(int[] values) {
            this.values = values;
            this.bytes = 4L * values.length;
            this.ptr = pool.allocateTemporary(bytes);
            try {
                copyToDevice(ptr, arena -> arena.allocateFrom(JAVA_INT, values));
            } catch (RuntimeException | Error e) {
                pool.release(ptr, bytes);
                throw e;
            }
        }

        @Override
        public void close() {
            synchronized (intCache) {
                if (--users == 0 && evicted) pool.release(ptr, bytes);
            }
        }
    }

    private IntUpload ints(int[] values) {
        synchronized (intCache) {
            for (Iterator<IntUpload> it = intCache.iterator(); it.hasNext(); ) {
                IntUpload u = it.next();
                if (Arrays.equals(u.values, values)) {
                    it.remove(); // to the front, so that the mask every layer uses stays while others come and go
                    intCache.addFirst(u);
                    u.users++;
                    return u;
                }
            }
        }
        IntUpload u = new IntUpload(values.clone());
        synchronized (intCache) {
            intCache.addFirst(u);
            if (intCache.size() > INT_CACHE) {
                for (Iterator<IntUpload> it = intCache.descendingIterator(); it.hasNext(); ) {
                    IntUpload old = it.next();
                    it.remove();
                    old.evicted = true;
                    if (old.users == 0) pool.release(old.ptr, old.bytes);
                    break;
                }
            }
            return u;
        }
    }

    /** Host floats (loss targets, weights) in a temporary device buffer. */
    private Temp upload(float[] values) {
        Temp t = floats(values.length);
        try {
            if (values.length > 0) copyToDevice(t.ptr, arena -> arena.allocateFrom(JAVA_FLOAT, values));
        } catch (RuntimeException | Error e) {
            t.close();
            throw e;
        }
        return t;
    }

    /**
     * Queues a copy to device address {@code dst} of the host buffer that {@code fill} allocates from the arena
     * and fills. The buffer lives until a synchronization shows the copy done (see {@link PendingUploads}).
     */
    private void copyToDevice(long dst, Function<Arena, MemorySegment> fill) {
        Arena arena = Arena.ofShared();
        long bytes;
        try {
            MemorySegment host = fill.apply(arena);
            bytes = host.byteSize();
            driver.copyToDevice(dst, host, bytes, stream);
        } catch (RuntimeException | Error e) {
            arena.close(); // nothing was queued
            throw e;
        }
        if (uploads.queued(arena, bytes)) synchronizeStream();
    }

    /** Waits for everything queued on the stream, then frees the host buffers of the copies it has done. */
    private void synchronizeStream() {
        long mark = uploads.mark();
        driver.synchronize(stream);
        uploads.readBefore(mark);
    }

    private int[] readInts(long ptr, int n) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(JAVA_INT, n);
            driver.copyToHost(host, ptr, 4L * n, stream);
            synchronizeStream();
            return host.toArray(JAVA_INT);
        }
    }

    private double readDouble(long ptr) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(JAVA_DOUBLE);
            driver.copyToHost(host, ptr, 8, stream);
            synchronizeStream();
            return host.get(JAVA_DOUBLE, 0);
        }
    }

    /** Sum of the first n doubles at partial, added up on the device in a fixed order, read back (synchronizes). */
    private double sumOnDevice(Temp partial, int n) {
        long total = partial.at(n, 8);
        launch(K.sumDoubles, 1, 1024, 1, partial.ptr, n, total);
        return readDouble(total);
    }

    /** Row-major batched GEMM on contiguous matrices (see {@link Cublas#gemm}); k = 0 gives beta·C. */
    private void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, long b, float beta,
                      long c, int batch) {
        if (m == 0 || n == 0 || batch == 0) return;
        if (k == 0) {
            long count = (long) m * n * batch;
            if (beta == 0) driver.memset32(c, 0, count, stream);
            else elementwise(K.scale, count, c, beta, count);
            return;
        }
        int lda = transA ? m : k, ldb = transB ? k : n;
        synchronized (blasLock) {
            driver.rebind(); // a virtual thread that waited for the lock may run on another OS thread now
            if (batch == 1) cublas.gemm(blas, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, n);
            else cublas.gemmStridedBatched(blas, transA, transB, m, n, k, alpha, a, lda, (long) m * k, b, ldb,
                    (long) k * n, beta, c, n, (long) m * n, batch);
        }
    }

    // ---- memory -------------------------------------------------------------------------------------------

    private static long elements(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n *= d;
        }
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor too large: " + Arrays.toString(shape));
        return n;
    }

    @Override
    public CudaTensor zeros(int... shape) {
        enter();
        long n = elements(shape);
        CudaTensor t = new CudaTensor(pool.allocate(4 * n), 0, shape);
        if (n > 0) driver.memset32(t.address(), 0, n, stream);
        return t;
    }

    @Override
    public CudaTensor of(float[] data, int... shape) {
        enter();
        long n = elements(shape);
        if (n > data.length)
            throw new IllegalArgumentException("tensor of " + n + " elements at offset 0 does not fit an array of "
                    + data.length);
        CudaTensor t = new CudaTensor(pool.allocate(4 * n), 0, shape);
        if (n > 0)
            copyToDevice(t.address(), arena -> {
                MemorySegment host = arena.allocate(JAVA_FLOAT, n);
                MemorySegment.copy(data, 0, host, JAVA_FLOAT, 0, (int) n);
                return host;
            });
        return t;
    }

    @Override
    public float[] read(Tensor t) {
        enter();
        CudaTensor c = cu(t);
        float[] out = new float[c.size()];
        if (out.length == 0) return out;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(JAVA_FLOAT, out.length);
            driver.copyToHost(host, c.address(), 4L * out.length, stream);
            synchronizeStream();
            MemorySegment.copy(host, JAVA_FLOAT, 0, out, 0, out.length);
        }
        Reference.reachabilityFence(c);
        return out;
    }

    @Override
    public void write(Tensor t, float[] data) {
        enter();
        CudaTensor c = cu(t);
        if (data.length != c.size())
            throw new IllegalArgumentException("write of " + data.length + " values into " + t);
        if (data.length == 0) return;
        copyToDevice(c.address(), arena -> arena.allocateFrom(JAVA_FLOAT, data));
        Reference.reachabilityFence(c);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        enter();
        Checks.sameSize(src, dst);
        long bytes = 4L * src.size(), s = cu(src).address(), d = cu(dst).address();
        if (bytes == 0 || s == d) return;
        if (s < d + bytes && d < s + bytes) { // overlapping views: cuMemcpy needs disjoint ranges
            try (Temp t = new Temp(bytes)) {
                driver.copyOnDevice(t.ptr, s, bytes, stream);
                driver.copyOnDevice(d, t.ptr, bytes, stream);
            }
        } else driver.copyOnDevice(d, s, bytes, stream);
        Reference.reachabilityFence(src);
        Reference.reachabilityFence(dst);
    }

    @Override
    public void fill(Tensor t, float value) {
        enter();
        if (t.size() > 0) driver.memset32(cu(t).address(), Float.floatToRawIntBits(value), t.size(), stream);
        Reference.reachabilityFence(t);
    }

    // ---- linear algebra -----------------------------------------------------------------------------------

    @Override
    public void matmul(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, float alpha, float beta) {
        enter();
        int[] mkn = Checks.matmulDims(a, transA, b, transB, c);
        int m = mkn[0], k = mkn[1], n = mkn[2];
        if (m == 0 || n == 0) return;
        CudaTensor A = cu(a), B = cu(b), C = cu(c);
        if (k == 0) gemm(transA, transB, m, n, 0, alpha, 0, 0, beta, C.address(), 1);
        else if (precision == Precision.BF16) {
            // The operands rounded to bf16 (2 bytes an element) for this product; C stays fp32.
            try (Temp a16 = new Temp(2L * a.size()); Temp b16 = new Temp(2L * b.size())) {
                elementwise(K.toBf16, a.size(), A, a16.ptr, (long) a.size());
                elementwise(K.toBf16, b.size(), B, b16.ptr, (long) b.size());
                synchronized (blasLock) {
                    driver.rebind();
                    cublas.gemmBf16(blas, transA, transB, m, n, k, alpha, a16.ptr, a.cols(), b16.ptr, b.cols(), beta,
                            C.address(), n);
                }
            }
        } else synchronized (blasLock) { // tensors are contiguous: each leading dimension is the column count
            driver.rebind(); // a virtual thread that waited for the lock may run on another OS thread now
            cublas.gemm(blas, transA, transB, m, n, k, alpha, A.address(), a.cols(), B.address(), b.cols(), beta,
                    C.address(), n);
        }
        Reference.reachabilityFence(A);
        Reference.reachabilityFence(B);
        Reference.reachabilityFence(C);
    }

    @Override
    public void addBias(Tensor y, Tensor bias) {
        enter();
        Checks.bias(y, bias);
        elementwise(K.addBias, y.size(), y, bias, (long) y.size(), y.cols());
    }

    @Override
    public void sumRows(Tensor dy, Tensor db, float beta) {
        enter();
        Checks.bias(dy, db);
        int cols = dy.cols();
        if (cols > 0 && db.size() > 0) launch(K.sumRows, (cols + 31) / 32, 32, 16, dy, db, dy.rows(), cols, beta);
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        enter();
        Checks.sameSize(a, b);
        Checks.sameSize(a, out);
        elementwise(K.add, a.size(), a, b, out, (long) a.size());
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        enter();
        Checks.sameSize(x, y);
        elementwise(K.axpy, x.size(), alpha, x, y, (long) x.size());
    }

    @Override
    public void scale(Tensor x, float alpha) {
        enter();
        elementwise(K.scale, x.size(), x, alpha, (long) x.size());
    }

    @Override
    public double sumOfSquares(Tensor x) {
        enter();
        long n = x.size();
        if (n == 0) return 0;
        int grid = (int) Math.min(blocks(n), MAX_PARTIALS);
        try (Temp partial = new Temp(8L * (grid + 1))) {
            launch(K.sumSquares, grid, THREADS, 1, x, n, partial.ptr);
            return sumOnDevice(partial, grid);
        }
    }

    /** Every tensor's partial sums side by side in one buffer, added up on the device and read back once. */
    @Override
    public double sumOfSquares(List<? extends Tensor> xs) {
        enter();
        int[] grids = new int[xs.size()];
        long partials = 0;
        for (int i = 0; i < grids.length; i++) {
            grids[i] = (int) Math.min(blocks(xs.get(i).size()), MAX_PARTIALS);
            partials += grids[i];
        }
        if (partials == 0) return 0;
        try (Temp partial = new Temp(8L * (partials + 1))) {
            long at = 0;
            for (int i = 0; i < grids.length; i++) {
                Tensor x = xs.get(i);
                launch(K.sumSquares, grids[i], THREADS, 1, x, (long) x.size(), partial.at(at, 8));
                at += grids[i];
            }
            return sumOnDevice(partial, Math.toIntExact(partials));
        }
    }

    // ---- activations ----------------------------------------------------------------------------------------

    @Override
    public void gelu(Tensor x, Tensor out) {
        enter();
        Checks.sameSize(x, out);
        elementwise(K.gelu, x.size(), x, out, (long) x.size());
    }

    @Override
    public void biasGelu(Tensor x, Tensor bias, Tensor out) {
        enter();
        Checks.bias(x, bias);
        Checks.sameMatrix(x, out);
        elementwise(K.biasGelu, x.size(), x, bias, out, (long) x.size(), x.cols());
    }

    @Override
    public void geluBackward(Tensor x, Tensor dOut, Tensor dx) {
        enter();
        Checks.sameSize(x, dOut);
        Checks.sameSize(x, dx);
        elementwise(K.geluBackward, x.size(), x, dOut, dx, (long) x.size());
    }

    @Override
    public void tanh(Tensor x, Tensor out) {
        enter();
        Checks.sameSize(x, out);
        elementwise(K.tanhForward, x.size(), x, out, (long) x.size());
    }

    @Override
    public void tanhBackward(Tensor y, Tensor dOut, Tensor dx) {
        enter();
        Checks.sameSize(y, dOut);
        Checks.sameSize(y, dx);
        elementwise(K.tanhBackward, y.size(), y, dOut, dx, (long) y.size());
    }

    @Override
    public void softmax(Tensor x, Tensor out) {
        enter();
        Checks.sameMatrix(x, out);
        if (x.size() > 0) launch(K.softmax, x.rows(), rowThreads(x.cols()), 1, x, out, x.cols());
    }

    @Override
    public void dropout(Tensor x, float p, long seed, Tensor out) {
        enter();
        Checks.sameSize(x, out);
        float scale = CpuMath.dropoutScale(p);
        if (p == 0) copy(x, out);
        else elementwise(K.dropout, x.size(), x, out, (long) x.size(), p, scale, seed);
    }

    // ---- normalisation --------------------------------------------------------------------------------------

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor out, Tensor mean, Tensor rstd) {
        enter();
        Checks.layerNorm(x, gamma, beta, out, mean, rstd);
        if (x.size() > 0)
            launch(K.layerNorm, x.rows(), rowThreads(x.cols()), 1, x, null, gamma, beta, eps, out, mean, rstd, x.cols());
    }

    @Override
    public void residualLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps, Tensor out,
                                  Tensor mean, Tensor rstd) {
        enter();
        Checks.layerNorm(x, gamma, beta, out, mean, rstd);
        Checks.sameMatrix(x, residual);
        if (x.size() > 0)
            launch(K.layerNorm, x.rows(), rowThreads(x.cols()), 1, x, residual, gamma, beta, eps, out, mean, rstd,
                    x.cols());
    }

    @Override
    public void layerNormBackward(Tensor dOut, Tensor x, Tensor gamma, Tensor mean, Tensor rstd,
                                  Tensor dx, Tensor dGamma, Tensor dBeta) {
        enter();
        Checks.layerNormBackward(dOut, x, gamma, mean, rstd, dx, dGamma, dBeta);
        if (x.size() == 0) return;
        int rows = x.rows(), cols = x.cols();
        // Parameter gradients first: dx may alias dOut or x.
        launch(K.layerNormBackwardParams, (cols + 31) / 32, 32, 16, dOut, x, mean, rstd, dGamma, dBeta, rows, cols);
        launch(K.layerNormBackwardDx, rows, rowThreads(cols), 1, dOut, x, gamma, mean, rstd, dx, cols);
    }

    // ---- embeddings ---------------------------------------------------------------------------------------

    @Override
    public void gather(Tensor table, int[] ids, Tensor out) {
        enter();
        Checks.ids(table, ids, out);
        if (out.size() == 0) return;
        try (IntUpload d = ints(ids)) {
            elementwise(K.gather, out.size(), table, d.ptr, out, (long) out.size(), out.cols());
        }
    }

    @Override
    public void scatterAdd(Tensor dOut, int[] ids, Tensor dTable) {
        enter();
        Checks.ids(dTable, ids, dOut);
        if (dOut.size() == 0) return;
        try (IntUpload d = ints(ids)) {
            elementwise(K.scatterAdd, dOut.size(), dOut, d.ptr, dTable, (long) dOut.size(), dOut.cols());
        }
    }

    // ---- attention ----------------------------------------------------------------------------------------

    /** [batch·seq, heads·d] to [batch·heads, seq, d] (or back), for one strided-batch GEMM over all heads. */
    private void heads(K kernel, Object src, Object dst, int seq, int heads, int d, long n) {
        elementwise(kernel, n, src, dst, seq, heads, d, n);
    }

    /** scores[bh] = Q[bh]·K[bh]ᵀ / sqrt(d), then mask, softmax and dropout with probability p, in place. */
    private void probabilities(long qh, long kh, long scores, IntUpload mask, int bh, int seq, int heads, int d,
                               float p, float scale, long seed) {
        gemm(false, true, seq, seq, d, 1 / (float) Math.sqrt(d), qh, kh, 0, scores, bh);
        launch(K.attentionSoftmax, (long) bh * seq, rowThreads(seq), 1, scores, mask.ptr, heads, seq, p, scale, seed);
    }

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, int[] mask, int batch, int seq, int heads,
                          float dropout, long dropoutSeed, Tensor out, Tensor probs) {
        enter();
        Checks.attention(q, k, v, mask, batch, seq, heads, out, probs);
        float dropScale = CpuMath.dropoutScale(dropout);
        int d = q.cols() / heads, bh = batch * heads;
        long n = q.size(), pn = (long) bh * seq * seq;
        if (pn == 0) return;
        try (IntUpload m = ints(mask); Temp qh = floats(n); Temp kh = floats(n); Temp vh = floats(n);
             Temp ctx = floats(n); Temp scratch = floats(probs == null ? pn : 0)) {
            heads(K.splitHeads, q, qh.ptr, seq, heads, d, n);
            heads(K.splitHeads, k, kh.ptr, seq, heads, d, n);
            heads(K.splitHeads, v, vh.ptr, seq, heads, d, n);
            long p = probs == null ? scratch.ptr : cu(probs).address();
            probabilities(qh.ptr, kh.ptr, p, m, bh, seq, heads, d, dropout, dropScale, dropoutSeed);
            gemm(false, false, seq, d, seq, 1, p, vh.ptr, 0, ctx.ptr, bh); // ctx[bh] = P[bh]·V[bh]
            heads(K.mergeHeads, ctx.ptr, out, seq, heads, d, n);
        }
        Reference.reachabilityFence(probs);
    }

    @Override
    public void attentionBackward(Tensor dOut, Tensor q, Tensor k, Tensor v, Tensor probs, int[] mask,
                                  int batch, int seq, int heads, float dropout, long dropoutSeed,
                                  Tensor dq, Tensor dk, Tensor dv) {
        enter();
        Checks.attention(q, k, v, mask, batch, seq, heads, dOut, probs);
        for (Tensor t : new Tensor[] {dq, dk, dv}) Checks.sameMatrix(q, t);
        float dropScale = CpuMath.dropoutScale(dropout);
        int d = q.cols() / heads, bh = batch * heads;
        long n = q.size(), pn = (long) bh * seq * seq;
        if (pn == 0) return;
        boolean savedP = dropout == 0 && probs != null, savedPd = probs != null;
        try (IntUpload m = ints(mask); Temp qh = floats(n); Temp kh = floats(n); Temp vh = floats(n);
             Temp gh = floats(n); Temp dqh = floats(n); Temp dkh = floats(n); Temp dvh = floats(n);
             Temp pScratch = floats(savedP ? 0 : pn); Temp pdScratch = floats(dropout == 0 || savedPd ? 0 : pn);
             Temp ds = floats(pn)) {
            heads(K.splitHeads, q, qh.ptr, seq, heads, d, n);
            heads(K.splitHeads, k, kh.ptr, seq, heads, d, n);
            heads(K.splitHeads, v, vh.ptr, seq, heads, d, n);
            heads(K.splitHeads, dOut, gh.ptr, seq, heads, d, n);
            // P before dropout: the saved probabilities when there was no dropout, else recomputed from q and k.
            long p = savedP ? cu(probs).address() : pScratch.ptr;
            if (!savedP) probabilities(qh.ptr, kh.ptr, p, m, bh, seq, heads, d, 0, 1, 0);
            // Pd after dropout: P itself, the saved probabilities, or P dropped again with the same mask.
            long pd = dropout == 0 ? p : savedPd ? cu(probs).address() : pdScratch.ptr;
            if (dropout != 0 && !savedPd) elementwise(K.dropout, pn, p, pd, pn, dropout, dropScale, dropoutSeed);
            gemm(true, false, seq, d, seq, 1, pd, gh.ptr, 0, dvh.ptr, bh);  // dV = Pdᵀ·dO
            gemm(false, true, seq, seq, d, 1, gh.ptr, vh.ptr, 0, ds.ptr, bh); // dPd = dO·Vᵀ
            launch(K.attentionSoftmaxBackward, (long) bh * seq, rowThreads(seq), 1, p, ds.ptr, seq, dropout,
                    dropScale, dropoutSeed, (float) (1 / (double) (float) Math.sqrt(d)));
            gemm(false, false, seq, d, seq, 1, ds.ptr, kh.ptr, 0, dqh.ptr, bh); // dQ = dS·K
            gemm(true, false, seq, d, seq, 1, ds.ptr, qh.ptr, 0, dkh.ptr, bh);  // dK = dSᵀ·Q
            heads(K.mergeHeads, dqh.ptr, dq, seq, heads, d, n);
            heads(K.mergeHeads, dkh.ptr, dk, seq, heads, d, n);
            heads(K.mergeHeads, dvh.ptr, dv, seq, heads, d, n);
        }
        Reference.reachabilityFence(probs);
    }

    // ---- losses -------------------------------------------------------------------------------------------

    @Override
    public int[] argmaxRows(Tensor x) {
        enter();
        int rows = x.rows();
        if (rows == 0) return new int[0];
        try (Temp out = new Temp(4L * rows)) {
            launch(K.argmaxRows, rows, rowThreads(x.cols()), 1, x, x.cols(), out.ptr);
            return readInts(out.ptr, rows);
        }
    }

    @Override
    public int[] sampleRows(Tensor probs, long seed) {
        enter();
        int rows = probs.rows();
        if (rows == 0) return new int[0];
        try (Temp out = new Temp(4L * rows)) {
            // a thread per row: the walk along a row is sequential, and rows are few (the masked tokens)
            launch(K.sampleRows, (rows + 127) / 128, 128, 1, probs, rows, probs.cols(), seed, out.ptr);
            int[] drawn = readInts(out.ptr, rows);
            for (int r = 0; r < rows; r++)
                if (drawn[r] < 0)
                    throw new IllegalArgumentException("row " + r + " of the distribution has no positive probability");
            return drawn;
        }
    }

    @Override
    public float crossEntropy(Tensor logits, int[] labels, int ignoreIndex, Tensor dLogits) {
        enter();
        if (labels.length != logits.rows())
            throw new IllegalArgumentException(labels.length + " labels for " + logits);
        if (dLogits != null) Checks.sameMatrix(logits, dLogits);
        int classes = logits.cols(), rows = labels.length, counted = 0;
        int[] index = new int[rows];
        for (int r = 0; r < rows; r++) {
            index[r] = Checks.label(labels[r], ignoreIndex, classes);
            if (index[r] >= 0) counted++;
        }
        if (rows == 0 || classes == 0) return 0;
        try (IntUpload l = ints(index); Temp rowLoss = new Temp(8L * (rows + 1))) {
            launch(K.crossEntropy, rows, rowThreads(classes), 1, logits, l.ptr, classes, counted, rowLoss.ptr,
                    dLogits);
            double loss = sumOnDevice(rowLoss, rows);
            return counted == 0 ? 0 : (float) (loss / counted);
        }
    }

    @Override
    public float binaryCrossEntropy(Tensor logits, float[] targets, float[] weights, Tensor dLogits) {
        enter();
        Checks.hostSize(logits, targets, "targets");
        Checks.hostSize(logits, weights, "weights");
        if (dLogits != null) Checks.sameSize(logits, dLogits);
        long n = targets.length;
        double wsum = 0;
        for (int i = 0; i < n; i++) wsum += weights == null ? 1 : weights[i];
        if (n == 0) return 0;
        int grid = (int) Math.min(blocks(n), MAX_PARTIALS);
        try (Temp y = upload(targets); Temp w = weights == null ? null : upload(weights);
             Temp partial = new Temp(8L * (grid + 1))) {
            launch(K.binaryCrossEntropy, grid, THREADS, 1, logits, y.ptr, w == null ? 0L : w.ptr, n, wsum, dLogits,
                    partial.ptr);
            double loss = sumOnDevice(partial, grid);
            return wsum == 0 ? 0 : (float) (loss / wsum);
        }
    }

    @Override
    public float meanSquaredError(Tensor pred, float[] targets, Tensor dPred) {
        enter();
        Checks.hostSize(pred, targets, "targets");
        if (dPred != null) Checks.sameSize(pred, dPred);
        long n = pred.size();
        if (n == 0) return 0;
        int grid = (int) Math.min(blocks(n), MAX_PARTIALS);
        try (Temp y = upload(targets); Temp partial = new Temp(8L * (grid + 1))) {
            launch(K.meanSquaredError, grid, THREADS, 1, pred, y.ptr, n, dPred, partial.ptr);
            return (float) (sumOnDevice(partial, grid) / n);
        }
    }

    // ---- optimiser ----------------------------------------------------------------------------------------

    @Override
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, int step) {
        enter();
        Checks.adamw(param, grad, m, v, step);
        double bc1 = 1 - Math.pow(beta1, step), bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        elementwise(K.adamw, param.size(), param, grad, m, v, (long) param.size(), lr, beta1, beta2, eps, weightDecay,
                bc1, bc2Sqrt);
    }

    // ---- lifetime -----------------------------------------------------------------------------------------

    /** Waits for queued work, then frees every tensor of this backend, the module, stream and context. */
    @Override
    public synchronized void close() {
        if (closed) return;
        makeCurrent();
        RuntimeException failure = null;
        try {
            synchronizeStream();
        } catch (RuntimeException e) {
            failure = e;
        }
        uploads.clear();
        closed = true;
        try {
            release();
        } catch (RuntimeException e) {
            if (failure == null) failure = e;
            else failure.addSuppressed(e);
        }
        if (failure != null) throw failure;
    }

    /** Frees whatever the constructor got so far, in reverse order; the first failure is rethrown at the end. */
    private void release() {
        RuntimeException failure = null;
        Runnable[] steps = {
                () -> { if (blas != null) cublas.destroy(blas); },
                () -> {
                    synchronized (intCache) {
                        for (IntUpload u : intCache) if (u.users == 0) pool.release(u.ptr, u.bytes);
                        intCache.clear();
                    }
                },
                () -> { if (pool != null) pool.close(); },
                () -> { if (module != null) driver.unloadModule(module); },
                () -> { if (stream != null) driver.destroyStream(stream); },
                () -> { if (context != null) driver.releasePrimaryContext(device); }};
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            }
        }
        blas = module = stream = context = null;
        driver.forgetCurrent();
        if (failure != null) throw failure;
    }
}
