package dev.raccoon.train.data;

/**
 * One labelled row: a text, an optional second segment ({@code pair}, null when none) and either a class id
 * ({@code label} ≥ 0, {@code target} NaN) or a regression score ({@code target}, {@code label} −1).
 */
public record Example(String text, String pair, int label, float target) {
    public static Example classified(String text, String pair, int label) {
        return new Example(text, pair, label, Float.NaN);
    }

    public static Example scored(String text, String pair, float target) {
        return new Example(text, pair, -1, target);
    }

    public boolean isRegression() { return label < 0; }
}
