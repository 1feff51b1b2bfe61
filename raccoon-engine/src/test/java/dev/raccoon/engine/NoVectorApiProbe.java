package dev.raccoon.engine;

import dev.raccoon.engine.backends.Backends;

/** Run by {@link CudaAvailabilityTest} in a JVM started without --add-modules jdk.incubator.vector. */
public final class NoVectorApiProbe {
    private NoVectorApiProbe() {}

    public static void main(String[] args) {
        try (Backend auto = Backends.create("auto", 2)) {
            System.out.println("auto: " + auto.name());
        }
        try (Backend cpu = Backends.create("cpu", 2)) {
            System.out.println("cpu: " + cpu.name());
        } catch (IllegalStateException e) {
            System.out.println("cpu refused: " + e.getMessage());
        }
    }
}
