package dev.raccoon.engine.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The CUDA driver API calls Raccoon needs, bound with FFM from libcuda.so.1. Types as in cuda.h on 64-bit Linux:
 * CUresult, CUdevice and unsigned int are 32-bit ints; CUdeviceptr (unsigned long long) and size_t are longs;
 * CUcontext, CUstream, CUmodule and CUfunction are opaque pointers. Every wrapper checks the CUresult and throws
 * a {@link CudaException} naming the call and the driver's error name and string.
 */
final class Driver implements DevicePool.DeviceMemory {
    static final int CUDA_SUCCESS = 0;
    static final int CUDA_ERROR_OUT_OF_MEMORY = 2;
    static final int CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222;
    static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    static final String SONAME = "libcuda.so.1";

    private static volatile Driver instance;
    private static CudaException loadFailure;

    private final MethodHandle cuInit, cuDeviceGetCount, cuDeviceGet, cuDeviceGetName,
            cuDeviceGetAttribute, cuDevicePrimaryCtxRetain, cuDevicePrimaryCtxRelease,
            cuCtxSetCurrent, cuMemAlloc, cuMemFree, cuMemGetInfo, cuMemcpyHtoDAsync, cuMemcpyDtoHAsync,
            cuMemcpyDtoDAsync, cuMemsetD32Async, cuStreamCreate, cuStreamSynchronize, cuStreamDestroy,
            cuModuleLoadData, cuModuleUnload, cuModuleGetFunction, cuLaunchKernel, cuGetErrorName,
            cuGetErrorString;

    private Driver(NativeLibrary lib) {
        cuInit = lib.function("cuInit", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        cuDeviceGetCount = lib.function("cuDeviceGetCount", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuDeviceGet = lib.function("cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuDeviceGetName = lib.function("cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuDeviceGetAttribute = lib.function("cuDeviceGetAttribute",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuDevicePrimaryCtxRetain = lib.function("cuDevicePrimaryCtxRetain",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuDevicePrimaryCtxRelease = lib.function("cuDevicePrimaryCtxRelease_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        cuCtxSetCurrent = lib.function("cuCtxSetCurrent", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuMemAlloc = lib.function("cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        cuMemFree = lib.function("cuMemFree_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        cuMemGetInfo = lib.function("cuMemGetInfo_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cuMemcpyHtoDAsync = lib.function("cuMemcpyHtoDAsync_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
        cuMemcpyDtoHAsync = lib.function("cuMemcpyDtoHAsync_v2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
        cuMemcpyDtoDAsync = lib.function("cuMemcpyDtoDAsync_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
        cuMemsetD32Async = lib.function("cuMemsetD32Async",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS));
        cuStreamCreate = lib.function("cuStreamCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuStreamSynchronize = lib.function("cuStreamSynchronize", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuStreamDestroy = lib.function("cuStreamDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuModuleLoadData = lib.function("cuModuleLoadData", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cuModuleUnload = lib.function("cuModuleUnload", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuModuleGetFunction = lib.function("cuModuleGetFunction",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        cuLaunchKernel = lib.function("cuLaunchKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        cuGetErrorName = lib.function("cuGetErrorName", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        cuGetErrorString = lib.function("cuGetErrorString", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }

    /**
     * The driver bindings, loading libcuda.so.1 on first use.
     *
     * @throws CudaException when the library is missing (the same exception every time)
     */
    static Driver get() {
        Driver d = instance;
        if (d != null) return d;
        synchronized (Driver.class) {
            if (instance != null) return instance;
            if (loadFailure != null) throw loadFailure;
            try {
                instance = new Driver(NativeLibrary.open(SONAME));
                return instance;
            } catch (CudaException e) {
                loadFailure = new CudaException("no CUDA driver (" + SONAME + " not found)", 0, e);
                throw loadFailure;
            }
        }
    }

    // ---- error handling -------------------------------------------------------------------------------------

    @Override
    public void check(String call, int result) {
        if (result != CUDA_SUCCESS) throw new CudaException(call + " failed: " + describe(result), result, null);
    }

    /** "CUDA_ERROR_OUT_OF_MEMORY (out of memory)", or the number when the driver does not know it. */
    String describe(int result) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(ADDRESS);
            String name = (int) cuGetErrorName.invokeExact(result, p) == CUDA_SUCCESS ? cString(p) : null;
            String text = (int) cuGetErrorString.invokeExact(result, p) == CUDA_SUCCESS ? cString(p) : null;
            if (name == null) return "CUresult " + result;
            return text == null ? name : name + " (" + text + ")";
        } catch (Throwable t) {
            return "CUresult " + result;
        }
    }

    /** The NUL-terminated string a {@code const char**} out-parameter points to. */
    static String cString(MemorySegment pointerToString) {
        MemorySegment s = pointerToString.get(ADDRESS, 0);
        return s.equals(MemorySegment.NULL) ? null : s.reinterpret(Long.MAX_VALUE).getString(0);
    }

    private static CudaException rethrow(String call, Throwable t) {
        if (t instanceof CudaException c) return c;
        if (t instanceof RuntimeException r) throw r;
        if (t instanceof Error e) throw e;
        return new CudaException(call + " failed: " + t, 0, t);
    }

    // ---- device and context ---------------------------------------------------------------------------------

    void init() {
        try {
            check("cuInit", (int) cuInit.invokeExact(0));
        } catch (Throwable t) {
            throw rethrow("cuInit", t);
        }
    }

    int deviceCount() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment n = arena.allocate(JAVA_INT);
            check("cuDeviceGetCount", (int) cuDeviceGetCount.invokeExact(n));
            return n.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow("cuDeviceGetCount", t);
        }
    }

    int device(int ordinal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment d = arena.allocate(JAVA_INT);
            check("cuDeviceGet", (int) cuDeviceGet.invokeExact(d, ordinal));
            return d.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow("cuDeviceGet", t);
        }
    }

    String deviceName(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(JAVA_BYTE, 256);
            check("cuDeviceGetName", (int) cuDeviceGetName.invokeExact(buf, 256, device));
            return buf.getString(0);
        } catch (Throwable t) {
            throw rethrow("cuDeviceGetName", t);
        }
    }

    int attribute(int device, int attribute) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            check("cuDeviceGetAttribute", (int) cuDeviceGetAttribute.invokeExact(v, attribute, device));
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow("cuDeviceGetAttribute", t);
        }
    }

    /** The device's primary context (shared with the CUDA runtime, hence with cuBLAS), retained once more. */
    MemorySegment retainPrimaryContext(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ctx = arena.allocate(ADDRESS);
            check("cuDevicePrimaryCtxRetain", (int) cuDevicePrimaryCtxRetain.invokeExact(ctx, device));
            return ctx.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow("cuDevicePrimaryCtxRetain", t);
        }
    }

    void releasePrimaryContext(int device) {
        try {
            check("cuDevicePrimaryCtxRelease_v2", (int) cuDevicePrimaryCtxRelease.invokeExact(device));
        } catch (Throwable t) {
            throw rethrow("cuDevicePrimaryCtxRelease_v2", t);
        }
    }

    /**
     * The context each thread works in. A context is current per OS thread, and a virtual thread can move to another
     * OS thread wherever it blocks (a contended lock, say), so for a virtual thread every call that needs the context
     * makes it current again first ({@link #rebind}); nothing blocks between that and the call itself. A platform
     * thread makes it current once.
     */
    private static final ThreadLocal<MemorySegment> CONTEXT = new ThreadLocal<>();

    /** Makes {@code context} current on this thread, unless it already is. */
    void makeCurrent(MemorySegment context) {
        if (CONTEXT.get() != context || Thread.currentThread().isVirtual()) {
            setCurrent(context);
            CONTEXT.set(context);
        }
    }

    /** Forgets this thread's context (the backend closed). */
    void forgetCurrent() {
        CONTEXT.remove();
    }

    /** Before a call that needs the context: on a virtual thread, makes it current on the OS thread it now runs on. */
    void rebind() {
        if (!Thread.currentThread().isVirtual()) return;
        MemorySegment context = CONTEXT.get();
        if (context != null) setCurrent(context);
    }

    private void setCurrent(MemorySegment context) {
        try {
            check("cuCtxSetCurrent", (int) cuCtxSetCurrent.invokeExact(context));
        } catch (Throwable t) {
            throw rethrow("cuCtxSetCurrent", t);
        }
    }

    // ---- memory -------------------------------------------------------------------------------------------

    /** cuMemAlloc_v2's result code and, on success, the pointer in {@code out[0]}: the pool retries on OOM. */
    @Override
    public int tryAlloc(long bytes, long[] out) {
        rebind();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(JAVA_LONG);
            int r = (int) cuMemAlloc.invokeExact(p, bytes);
            if (r == CUDA_SUCCESS) out[0] = p.get(JAVA_LONG, 0);
            return r;
        } catch (Throwable t) {
            throw rethrow("cuMemAlloc_v2", t);
        }
    }

    @Override
    public void free(long ptr) {
        rebind();
        try {
            check("cuMemFree_v2", (int) cuMemFree.invokeExact(ptr));
        } catch (Throwable t) {
            throw rethrow("cuMemFree_v2", t);
        }
    }

    /** {free, total} bytes of the current context's device. */
    long[] memoryInfo() {
        rebind();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(JAVA_LONG), total = arena.allocate(JAVA_LONG);
            check("cuMemGetInfo_v2", (int) cuMemGetInfo.invokeExact(free, total));
            return new long[] {free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
        } catch (Throwable t) {
            throw rethrow("cuMemGetInfo_v2", t);
        }
    }

    /**
     * Host to device on the stream. The caller keeps {@code src} until the stream has been synchronized: from
     * pageable memory the driver documents this copy only as "might be synchronous with respect to host".
     */
    void copyToDevice(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        rebind();
        try {
            check("cuMemcpyHtoDAsync_v2", (int) cuMemcpyHtoDAsync.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw rethrow("cuMemcpyHtoDAsync_v2", t);
        }
    }

    /** Device to host on the stream; the caller synchronizes the stream before reading dst. */
    void copyToHost(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        rebind();
        try {
            check("cuMemcpyDtoHAsync_v2", (int) cuMemcpyDtoHAsync.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw rethrow("cuMemcpyDtoHAsync_v2", t);
        }
    }

    void copyOnDevice(long dst, long src, long bytes, MemorySegment stream) {
        rebind();
        try {
            check("cuMemcpyDtoDAsync_v2", (int) cuMemcpyDtoDAsync.invokeExact(dst, src, bytes, stream));
        } catch (Throwable t) {
            throw rethrow("cuMemcpyDtoDAsync_v2", t);
        }
    }

    /** Sets {@code count} 32-bit words at dst to {@code bits}. */
    void memset32(long dst, int bits, long count, MemorySegment stream) {
        rebind();
        try {
            check("cuMemsetD32Async", (int) cuMemsetD32Async.invokeExact(dst, bits, count, stream));
        } catch (Throwable t) {
            throw rethrow("cuMemsetD32Async", t);
        }
    }

    // ---- streams, modules, launches ---------------------------------------------------------------------------

    MemorySegment createStream() {
        rebind();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(ADDRESS);
            check("cuStreamCreate", (int) cuStreamCreate.invokeExact(s, 0)); // CU_STREAM_DEFAULT
            return s.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow("cuStreamCreate", t);
        }
    }

    /** Waits for the stream; an error here may come from any earlier asynchronous launch or copy. */
    void synchronize(MemorySegment stream) {
        rebind();
        try {
            int r = (int) cuStreamSynchronize.invokeExact(stream);
            if (r != CUDA_SUCCESS)
                throw new CudaException("cuStreamSynchronize failed: " + describe(r)
                        + " (raised by an earlier asynchronous kernel or copy; -Draccoon.cuda.sync=true names it)",
                        r, null);
        } catch (Throwable t) {
            throw rethrow("cuStreamSynchronize", t);
        }
    }

    void destroyStream(MemorySegment stream) {
        rebind();
        try {
            check("cuStreamDestroy_v2", (int) cuStreamDestroy.invokeExact(stream));
        } catch (Throwable t) {
            throw rethrow("cuStreamDestroy_v2", t);
        }
    }

    /** Loads a CUBIN or NUL-terminated PTX image into the current context. */
    MemorySegment loadModule(MemorySegment image) {
        rebind();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(ADDRESS);
            check("cuModuleLoadData", (int) cuModuleLoadData.invokeExact(m, image));
            return m.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow("cuModuleLoadData", t);
        }
    }

    void unloadModule(MemorySegment module) {
        rebind();
        try {
            check("cuModuleUnload", (int) cuModuleUnload.invokeExact(module));
        } catch (Throwable t) {
            throw rethrow("cuModuleUnload", t);
        }
    }

    MemorySegment function(MemorySegment module, String name) {
        rebind();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f = arena.allocate(ADDRESS);
            check("cuModuleGetFunction(" + name + ")",
                    (int) cuModuleGetFunction.invokeExact(f, module, arena.allocateFrom(name)));
            return f.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow("cuModuleGetFunction", t);
        }
    }

    /** Launches on the stream; {@code params} is the kernel's void*[] of pointers to each argument's value. */
    void launch(String name, MemorySegment function, int gridX, int gridY, int blockX, int blockY, int sharedBytes,
                MemorySegment stream, MemorySegment params) {
        rebind();
        try {
            int r = (int) cuLaunchKernel.invokeExact(function, gridX, gridY, 1, blockX, blockY, 1, sharedBytes, stream,
                    params, MemorySegment.NULL);
            if (r != CUDA_SUCCESS)
                throw new CudaException("cuLaunchKernel(" + name + ", grid " + gridX + "×" + gridY + ", block "
                        + blockX + "×" + blockY + ") failed: " + describe(r), r, null);
        } catch (Throwable t) {
            throw rethrow("cuLaunchKernel", t);
        }
    }
}
