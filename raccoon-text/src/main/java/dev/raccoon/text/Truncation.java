package dev.raccoon.text;

import java.util.Locale;

/** Which tokens of a single text longer than the maximum length are kept. */
public enum Truncation {
    /** The first ones, as transformers truncates ({@code truncation=True}). */
    HEAD,
    /**
     * The first quarter and the last three quarters of the room, as Sun et al. (2019, "How to Fine-Tune BERT for
     * Text Classification") found best for long reviews: a Korean sentence ends with its verdict, and on NSMC dev
     * the last 30 characters of a long review were classified 5.3 points better than its first 30.
     */
    HEAD_AND_TAIL;

    /** "head" or "head-tail", as the command line writes it. */
    public String id() { return name().toLowerCase(Locale.ROOT).replace("_and_", "-"); }

    /** The truncation an {@link #id()} names, case-insensitive. */
    public static Truncation of(String id) {
        for (Truncation t : values()) if (t.id().equalsIgnoreCase(id)) return t;
        throw new IllegalArgumentException("unknown truncation '" + id + "' (head or head-tail)");
    }

    /** What the model reads of a text that does not fit: "the beginning" or "the first quarter and the end". */
    public String partRead() {
        return this == HEAD ? "the beginning" : "the first quarter and the end";
    }

    /** Tokens kept from the start of a text of more than {@code budget} tokens; the rest come from its end. */
    public int head(int budget) {
        return this == HEAD ? budget : budget / 4;
    }
}
