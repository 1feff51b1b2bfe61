package dev.raccoon.engine;

import dev.raccoon.engine.cpu.VectorBackend;
import dev.raccoon.engine.scalar.ScalarBackend;

import java.util.Locale;

/** Creates backends by name. */
public final class Backends {
    private Backends() {}

    /** The plain-loop reference backend. */
    public static Backend scalar() { return new ScalarBackend(); }

    /** The Vector API backend with {@code threads} worker threads (the caller counts as one). */
    public static Backend cpu(int threads) { return new VectorBackend(threads); }

    /**
     * A backend for a device name: "scalar", or "cpu" and "auto" (the Vector API backend, the default).
     *
     * @throws IllegalArgumentException for any other name
     */
    public static Backend create(String device, int threads) {
        return switch (device.toLowerCase(Locale.ROOT)) {
            case "scalar" -> scalar();
            case "cpu", "auto" -> cpu(threads);
            default -> throw new IllegalArgumentException("unknown device '" + device + "' (known: auto, cpu, scalar)");
        };
    }
}
