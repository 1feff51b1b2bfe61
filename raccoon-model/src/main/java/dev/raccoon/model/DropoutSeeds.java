package dev.raccoon.model;

/**
 * Hands every dropout call site of one training step its own seed, derived from the step seed and a counter
 * in call order. The forward pass visits the sites in a fixed order, so a step seed fixes every mask: same
 * seed, backend and thread count give the same result.
 */
public final class DropoutSeeds {
    private final long stepSeed;
    private long counter;

    public DropoutSeeds(long stepSeed) {
        this.stepSeed = stepSeed;
    }

    public Dropout next(float p) {
        if (!(p >= 0f && p < 1f)) throw new IllegalArgumentException("dropout probability " + p + " outside [0, 1)");
        return new Dropout(p, mix(stepSeed + ++counter * 0x9E3779B97F4A7C15L));
    }

    /** SplitMix64's finaliser: neighbouring counters give unrelated seeds. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
