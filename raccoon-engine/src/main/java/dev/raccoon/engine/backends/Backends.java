package dev.raccoon.engine.backends;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Precision;
import dev.raccoon.engine.cpu.VectorBackend;
import dev.raccoon.engine.cuda.CudaBackend;
import dev.raccoon.engine.cuda.CudaException;
import dev.raccoon.engine.scalar.ScalarBackend;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * Creates backends by name. The one place that knows every backend, apart from the engine's core package, so
 * that the backends depend on the core and nothing in the core depends on them.
 */
public final class Backends {
    /** The Vector API is an incubator module: present only when the JVM was started with it. */
    private static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private Backends() {}

    /** The plain-loop reference backend. */
    public static Backend scalar() { return new ScalarBackend(); }

    /** The plain-loop reference backend with matrix products in {@code precision}. */
    public static Backend scalar(Precision precision) { return new ScalarBackend(precision); }

    /**
     * The Vector API backend with {@code threads} worker threads (the caller counts as one).
     *
     * @throws IllegalStateException when the JVM runs without the Vector API module
     */
    public static Backend cpu(int threads) { return cpu(threads, Precision.FP32); }

    /** {@link #cpu(int)} with matrix products in {@code precision}. */
    public static Backend cpu(int threads, Precision precision) {
        if (!VECTOR_API)
            throw new IllegalStateException("the cpu backend needs the Vector API: start java with --add-modules "
                    + "jdk.incubator.vector (in Surefire's argLine too), or choose the device 'scalar' (plain loops, slower)");
        return new VectorBackend(threads, precision);
    }

    /** The CUDA backend on device 0, fp32. */
    public static Backend cuda() { return cuda(Precision.FP32); }

    /**
     * The CUDA backend on device 0 with matrix products in {@code precision}.
     *
     * @throws CudaException saying why it cannot start (no driver, no device, a missing library)
     */
    public static Backend cuda(Precision precision) {
        try {
            return new CudaBackend(0, precision);
        } catch (CudaException e) {
            throw new CudaException("cannot start the CUDA backend: " + e.getMessage(), e);
        }
    }

    /** The device names {@link #create} takes. */
    public static final List<String> DEVICES = List.of("auto", "cpu", "cuda", "scalar");

    /** The device name in lower case, one of {@link #DEVICES}; IllegalArgumentException for any other. */
    public static String requireKnown(String device) {
        String name = device.toLowerCase(Locale.ROOT);
        if (!DEVICES.contains(name))
            throw new IllegalArgumentException("unknown device '" + device + "' (known: " + String.join(", ", DEVICES) + ")");
        return name;
    }

    /**
     * A backend for a device name: "scalar", "cpu" (the Vector API backend), "cuda", or "auto": CUDA when a
     * driver and a device are there, else the CPU (the scalar backend when the JVM lacks the Vector API), after one
     * line on stderr that says which and why.
     *
     * @throws IllegalArgumentException for any other name
     * @throws CudaException for "cuda" when the CUDA backend cannot start
     */
    public static Backend create(String device, int threads) { return create(device, threads, Precision.FP32); }

    /** {@link #create(String, int)} with matrix products in {@code precision}. */
    public static Backend create(String device, int threads, Precision precision) {
        return switch (requireKnown(device)) {
            case "scalar" -> scalar(precision);
            case "cpu" -> cpu(threads, precision);
            case "cuda" -> cuda(precision);
            default -> auto(threads, precision, System.err);
        };
    }

    /** CUDA if it starts, else the CPU backend; never throws for a missing or broken CUDA setup or Vector API. */
    static Backend auto(int threads, Precision precision, PrintStream log) {
        try {
            CudaBackend cuda = new CudaBackend(0, precision);
            log.println("raccoon: using cuda (" + cuda.description() + ")");
            return cuda;
        } catch (RuntimeException | LinkageError e) {
            // Beyond CudaException: a JVM denying native access, a library file that is not what its name says.
            if (VECTOR_API) {
                log.println("raccoon: " + reason(e) + "; using cpu");
                return cpu(threads, precision);
            }
            log.println("raccoon: " + reason(e) + "; using scalar (the cpu backend needs --add-modules jdk.incubator.vector)");
            return scalar(precision);
        }
    }

    private static String reason(Throwable e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        return e instanceof CudaException ? m : "CUDA unavailable (" + m + ")";
    }
}
