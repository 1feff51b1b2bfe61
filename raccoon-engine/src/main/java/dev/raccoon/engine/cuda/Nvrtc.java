package dev.raccoon.engine.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * NVRTC bound with FFM (libnvrtc.so.13, else .12): compiles CUDA C to a CUBIN for the GPU present, or to PTX for
 * the newest architecture NVRTC knows when the GPU is newer than this NVRTC (the driver then JIT-compiles it).
 * nvrtcResult is an int; nvrtcProgram an opaque pointer; size_t a long.
 */
final class Nvrtc {
    static final String[] SONAMES = {"libnvrtc.so.13", "libnvrtc.so.12"};

    private final NativeLibrary lib;
    private final MethodHandle version, numSupportedArchs, supportedArchs, createProgram, compileProgram,
            destroyProgram, getProgramLogSize, getProgramLog, getPtxSize, getPtx, getCubinSize, getCubin,
            getErrorString;

    Nvrtc(NativeLibrary lib) {
        this.lib = lib;
        version = lib.function("nvrtcVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        numSupportedArchs = lib.function("nvrtcGetNumSupportedArchs", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        supportedArchs = lib.function("nvrtcGetSupportedArchs", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        createProgram = lib.function("nvrtcCreateProgram",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        compileProgram = lib.function("nvrtcCompileProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        destroyProgram = lib.function("nvrtcDestroyProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getProgramLogSize = lib.function("nvrtcGetProgramLogSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getProgramLog = lib.function("nvrtcGetProgramLog", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getPtxSize = lib.function("nvrtcGetPTXSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getPtx = lib.function("nvrtcGetPTX", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getCubinSize = lib.function("nvrtcGetCUBINSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getCubin = lib.function("nvrtcGetCUBIN", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        getErrorString = lib.function("nvrtcGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    static Nvrtc load() { return new Nvrtc(NativeLibrary.open(SONAMES)); }

    /** A compiled image for cuModuleLoadData and what it was compiled as ("sm_90", or "compute_90 PTX"). */
    record Image(byte[] bytes, String target) {}

    private void check(String call, int result) {
        if (result == 0) return;
        String text;
        try {
            MemorySegment s = (MemorySegment) getErrorString.invokeExact(result);
            text = s.equals(MemorySegment.NULL) ? "nvrtcResult " + result : s.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            text = "nvrtcResult " + result;
        }
        throw new CudaException(call + " failed: " + text, result, null);
    }

    String version() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment major = arena.allocate(JAVA_INT), minor = arena.allocate(JAVA_INT);
            check("nvrtcVersion", (int) version.invokeExact(major, minor));
            return major.get(JAVA_INT, 0) + "." + minor.get(JAVA_INT, 0);
        } catch (CudaException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new CudaException("nvrtcVersion failed: " + t, 0, t);
        }
    }

    /** The sm numbers this NVRTC can target (75, 80, 86, 89, 90, …), ascending. */
    int[] supportedArchitectures() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment n = arena.allocate(JAVA_INT);
            check("nvrtcGetNumSupportedArchs", (int) numSupportedArchs.invokeExact(n));
            MemorySegment archs = arena.allocate(JAVA_INT, n.get(JAVA_INT, 0));
            check("nvrtcGetSupportedArchs", (int) supportedArchs.invokeExact(archs));
            int[] a = archs.toArray(JAVA_INT);
            Arrays.sort(a);
            return a;
        } catch (CudaException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new CudaException("nvrtcGetSupportedArchs failed: " + t, 0, t);
        }
    }

    /**
     * Compiles {@code source} for compute capability {@code sm} (major·10 + minor): a CUBIN when NVRTC supports
     * that architecture, else PTX for the newest one below it.
     *
     * @throws CudaException with the program log when compilation fails, or when NVRTC supports nothing ≤ sm
     */
    Image compile(String source, String fileName, int sm) {
        int[] archs = supportedArchitectures();
        int target = -1;
        for (int a : archs) if (a <= sm) target = a;
        if (target < 0)
            throw new CudaException("NVRTC " + version() + " (" + lib.name() + ") cannot target sm_" + sm
                    + "; it supports " + Arrays.toString(archs));
        boolean cubin = target == sm;
        String arch = (cubin ? "sm_" : "compute_") + target;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment prog = arena.allocate(ADDRESS);
            check("nvrtcCreateProgram", (int) createProgram.invokeExact(prog, arena.allocateFrom(source),
                    arena.allocateFrom(fileName), 0, MemorySegment.NULL, MemorySegment.NULL));
            MemorySegment program = prog.get(ADDRESS, 0);
            Throwable failure = null;
            try {
                String[] options = {"--gpu-architecture=" + arch, "-std=c++17"};
                MemorySegment opts = arena.allocate(ADDRESS, options.length);
                for (int i = 0; i < options.length; i++) opts.setAtIndex(ADDRESS, i, arena.allocateFrom(options[i]));
                int r = (int) compileProgram.invokeExact(program, options.length, opts);
                if (r != 0) {
                    String log = log(arena, program);
                    try {
                        check("nvrtcCompileProgram(" + fileName + ", " + arch + ")", r);
                    } catch (CudaException e) {
                        throw new CudaException(e.getMessage() + ":\n" + log, r, null);
                    }
                }
                MemorySegment size = arena.allocate(JAVA_LONG);
                if (cubin) check("nvrtcGetCUBINSize", (int) getCubinSize.invokeExact(program, size));
                else check("nvrtcGetPTXSize", (int) getPtxSize.invokeExact(program, size));
                MemorySegment image = arena.allocate(size.get(JAVA_LONG, 0));
                if (cubin) check("nvrtcGetCUBIN", (int) getCubin.invokeExact(program, image));
                else check("nvrtcGetPTX", (int) getPtx.invokeExact(program, image)); // NUL included in the size
                return new Image(image.toArray(JAVA_BYTE), cubin ? arch : arch + " PTX");
            } catch (Throwable t) {
                failure = t;
                throw t;
            } finally {
                try {
                    check("nvrtcDestroyProgram", (int) destroyProgram.invokeExact(prog));
                } catch (CudaException e) {
                    if (failure == null) throw e;
                    failure.addSuppressed(e); // the compile error and its log matter more
                }
            }
        } catch (CudaException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new CudaException("NVRTC compilation failed: " + t, 0, t);
        }
    }

    private String log(Arena arena, MemorySegment program) throws Throwable {
        MemorySegment size = arena.allocate(JAVA_LONG);
        if ((int) getProgramLogSize.invokeExact(program, size) != 0) return "(no log)";
        MemorySegment log = arena.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
        if ((int) getProgramLog.invokeExact(program, log) != 0) return "(no log)";
        return log.getString(0);
    }
}
