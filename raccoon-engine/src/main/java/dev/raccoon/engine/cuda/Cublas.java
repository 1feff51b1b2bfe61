package dev.raccoon.engine.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * cuBLAS bound with FFM (libcublas.so.13, else .12), row-major on top of its column-major API: a row-major m×n
 * matrix is a column-major n×m one, so {@code C = op(A)·op(B)} is computed as {@code Cᵀ = op(B)ᵀ·op(A)ᵀ} by
 * passing B before A with m and n swapped, each operand keeping its own transpose flag. cublasStatus_t,
 * cublasOperation_t and cublasMath_t are ints, the handle an opaque pointer, device pointers longs, alpha and
 * beta host pointers (the default CUBLAS_POINTER_MODE_HOST), strides long long.
 */
final class Cublas {
    static final String[] SONAMES = {"libcublas.so.13", "libcublas.so.12"};
    static final int CUBLAS_OP_N = 0, CUBLAS_OP_T = 1;
    static final int CUBLAS_DEFAULT_MATH = 0, CUBLAS_TF32_TENSOR_OP_MATH = 3;
    /** cudaDataType_t, cublasComputeType_t and cublasGemmAlgo_t values of cublasGemmEx. */
    static final int CUDA_R_32F = 0, CUDA_R_16BF = 14, CUBLAS_COMPUTE_32F = 68, CUBLAS_GEMM_DEFAULT = -1;

    private final MethodHandle create, destroy, setStream, setMathMode, sgemm, gemmEx, sgemmStridedBatched, statusString;

    Cublas(NativeLibrary lib) {
        create = lib.function("cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        destroy = lib.function("cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        setStream = lib.function("cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        setMathMode = lib.function("cublasSetMathMode", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        sgemm = lib.function("cublasSgemm_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG,
                JAVA_INT));
        gemmEx = lib.function("cublasGemmEx", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS,
                JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        sgemmStridedBatched = lib.function("cublasSgemmStridedBatched", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG,
                JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
        statusString = lib.optionalFunction("cublasGetStatusString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    static Cublas load() { return new Cublas(NativeLibrary.open(SONAMES)); }

    private void check(String call, int status) {
        if (status == 0) return;
        String text = "cublasStatus_t " + status;
        if (statusString != null) {
            try {
                MemorySegment s = (MemorySegment) statusString.invokeExact(status);
                if (!s.equals(MemorySegment.NULL)) text = s.reinterpret(Long.MAX_VALUE).getString(0);
            } catch (Throwable ignored) {
                // keep the number
            }
        }
        throw new CudaException(call + " failed: " + text, status, null);
    }

    private static CudaException wrap(String call, Throwable t) {
        if (t instanceof CudaException c) return c;
        if (t instanceof Error e) throw e;
        return new CudaException(call + " failed: " + t, 0, t);
    }

    MemorySegment create() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment h = arena.allocate(ADDRESS);
            check("cublasCreate_v2", (int) create.invokeExact(h));
            return h.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw wrap("cublasCreate_v2", t);
        }
    }

    void destroy(MemorySegment handle) {
        try {
            check("cublasDestroy_v2", (int) destroy.invokeExact(handle));
        } catch (Throwable t) {
            throw wrap("cublasDestroy_v2", t);
        }
    }

    void setStream(MemorySegment handle, MemorySegment stream) {
        try {
            check("cublasSetStream_v2", (int) setStream.invokeExact(handle, stream));
        } catch (Throwable t) {
            throw wrap("cublasSetStream_v2", t);
        }
    }

    /** CUBLAS_TF32_TENSOR_OP_MATH lets fp32 GEMMs use TF32 tensor cores (10-bit mantissa inputs). */
    void setMathMode(MemorySegment handle, int mode) {
        try {
            check("cublasSetMathMode", (int) setMathMode.invokeExact(handle, mode));
        } catch (Throwable t) {
            throw wrap("cublasSetMathMode", t);
        }
    }

    /**
     * Row-major {@code C = alpha·op(A)·op(B) + beta·C} with op(A) m×k, op(B) k×n, C m×n, where lda, ldb, ldc
     * are the row lengths of the stored matrices. beta 0 ignores C (NaN in it does not propagate).
     */
    void gemm(MemorySegment handle, boolean transA, boolean transB, int m, int n, int k, float alpha, long a,
              int lda, long b, int ldb, float beta, long c, int ldc) {
        try (Arena arena = Arena.ofConfined()) {
            check("cublasSgemm_v2(" + m + "×" + n + "×" + k + ")", (int) sgemm.invokeExact(handle,
                    transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k,
                    arena.allocateFrom(JAVA_FLOAT, alpha), b, ldb, a, lda, arena.allocateFrom(JAVA_FLOAT, beta), c,
                    ldc));
        } catch (Throwable t) {
            throw wrap("cublasSgemm_v2", t);
        }
    }

    /**
     * {@link #gemm} of bf16 operands (a and b hold 2-byte elements) into an fp32 C, accumulated in fp32: the
     * tensor-core path of bf16 mixed precision.
     */
    void gemmBf16(MemorySegment handle, boolean transA, boolean transB, int m, int n, int k, float alpha, long a,
                  int lda, long b, int ldb, float beta, long c, int ldc) {
        try (Arena arena = Arena.ofConfined()) {
            check("cublasGemmEx(bf16, " + m + "×" + n + "×" + k + ")", (int) gemmEx.invokeExact(handle,
                    transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k,
                    arena.allocateFrom(JAVA_FLOAT, alpha), b, CUDA_R_16BF, ldb, a, CUDA_R_16BF, lda,
                    arena.allocateFrom(JAVA_FLOAT, beta), c, CUDA_R_32F, ldc, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
        } catch (Throwable t) {
            throw wrap("cublasGemmEx", t);
        }
    }

    /** {@link #gemm} for {@code batch} matrices each, the i-th at a + i·strideA (elements) and so on. */
    void gemmStridedBatched(MemorySegment handle, boolean transA, boolean transB, int m, int n, int k, float alpha,
                            long a, int lda, long strideA, long b, int ldb, long strideB, float beta, long c,
                            int ldc, long strideC, int batch) {
        try (Arena arena = Arena.ofConfined()) {
            check("cublasSgemmStridedBatched(" + batch + " × " + m + "×" + n + "×" + k + ")",
                    (int) sgemmStridedBatched.invokeExact(handle, transB ? CUBLAS_OP_T : CUBLAS_OP_N,
                            transA ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, arena.allocateFrom(JAVA_FLOAT, alpha), b, ldb,
                            strideB, a, lda, strideA, arena.allocateFrom(JAVA_FLOAT, beta), c, ldc, strideC, batch));
        } catch (Throwable t) {
            throw wrap("cublasSgemmStridedBatched", t);
        }
    }
}
