package dev.raccoon.engine.cuda;

/** A CUDA, NVRTC or cuBLAS call failed, or the CUDA backend cannot start; the message names the call and error. */
public final class CudaException extends RuntimeException {
    private final int code;

    public CudaException(String message) {
        this(message, 0, null);
    }

    public CudaException(String message, Throwable cause) {
        this(message, cause instanceof CudaException c ? c.code : 0, cause);
    }

    CudaException(String message, int code, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** The library's status code (CUresult, nvrtcResult or cublasStatus_t), 0 when there is none. */
    public int code() { return code; }
}
