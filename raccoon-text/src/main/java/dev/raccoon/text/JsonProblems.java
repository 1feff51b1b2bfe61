package dev.raccoon.text;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;

/**
 * A JSON parser's complaint in words a user can act on: why, and where (line and column), without the parser's notes
 * on its own settings (a source it was told to hide, the constraint that a limit comes from).
 */
public final class JsonProblems {
    private JsonProblems() {}

    /** Why the text is not the JSON wanted, in one line. */
    public static String why(JacksonException e) {
        String why = String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("")
                .replaceAll("\\s*\\(?[a-z ]*\\[Source: [^\\]]*\\]\\)?", "")
                .replaceFirst(", from `StreamReadConstraints[^`]*`\\)", ")")
                // a client cannot turn on the parser's leniencies: say what is wrong, not which feature would allow it
                .replaceFirst(": enable `JsonReadFeature\\.[A-Z_]+` to allow$", "")
                .replaceFirst("maybe a \\(non-standard\\) comment\\? \\(not recognized as one since Feature '[A-Z_]+' not enabled for parser\\)",
                        "JSON has no comments");
        return why.startsWith("Trailing token") ? "more follows the JSON value" : why;
    }

    /** {@link #why}, after "line L, column C: " where the parser knows them. */
    public static String describe(JacksonException e) {
        JsonLocation at = e.getLocation();
        return (at == null || at.getLineNr() < 1 ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ") + why(e);
    }
}
