package dev.raccoon.train.data;

/**
 * One training row: a text, an optional second segment ({@code pair}, null when none) and either a class id
 * ({@code label} ≥ 0, {@code target} NaN) or a regression score ({@code target}, {@code label} −1). A distilled row
 * also carries {@code probabilities}, the distribution over the labels it is trained towards (null otherwise);
 * its {@code label} is then the gold label, or the most probable one for an unlabelled text.
 */
public record Example(String text, String pair, int label, float target, float[] probabilities) {
    public static Example classified(String text, String pair, int label) {
        return new Example(text, pair, label, Float.NaN, null);
    }

    public static Example scored(String text, String pair, float target) {
        return new Example(text, pair, -1, target, null);
    }

    /** A row trained towards {@code probabilities}; {@code label} as {@link #classified}, for metrics and summaries. */
    public static Example distilled(String text, String pair, int label, float[] probabilities) {
        if (label < 0 || label >= probabilities.length)
            throw new IllegalArgumentException("label " + label + " for " + probabilities.length + " probabilities");
        return new Example(text, pair, label, Float.NaN, probabilities);
    }

    public boolean isRegression() { return label < 0; }
}
