package dev.raccoon.train.run;

/**
 * A 64-bit digest of a run's input, kept in its checkpoint so that a resume on other data of the same size is
 * caught. Not cryptographic: it tells data sets apart, it does not defend against crafted ones.
 */
public final class Fingerprint {
    private long h = 0x9E3779B97F4A7C15L;

    public Fingerprint add(long value) {
        long z = (h ^ value) * 0xBF58476D1CE4E5B9L;
        h = z ^ (z >>> 31);
        return this;
    }

    public String hex() {
        return String.format("%016x", h);
    }
}
