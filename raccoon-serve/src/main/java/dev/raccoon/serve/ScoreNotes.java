package dev.raccoon.serve;

import dev.raccoon.text.TextEncodings;
import dev.raccoon.text.Truncation;

import java.nio.charset.Charset;
import java.util.Locale;

/**
 * What {@code raccoon score} and the Spark job tell about a scoring run, in the same words (eval and the other
 * commands that read a model share the notes on its reading); each puts its own name before them.
 */
public final class ScoreNotes {
    private ScoreNotes() {}

    public static String rows(long n) {
        return n + (n == 1 ? " row" : " rows");
    }

    /** For rows written with an error instead of predictions. */
    public static String notScored(long rows) {
        return rows(rows) + " could not be scored; see the error column";
    }

    /** For those of the rows not scored that are not valid in the input's encoding, with what to do about it. */
    public static String undecodable(long rows, Charset encoding) {
        return rows + " of them " + (rows == 1 ? "is " : "are ") + TextEncodings.notValidWithHint(encoding);
    }

    /** For rows longer than the model reads; {@code hint} says where to find them or what to change. */
    public static String truncated(long rows, int maxLength, Truncation truncation, String hint) {
        return String.format(Locale.ROOT, "%,d row%s longer than the model reads (%d tokens): it read %s of each"
                        + " (%s; a larger --max-length reads more, up to the model's positions)", rows,
                rows == 1 ? "" : "s", maxLength, truncation.partRead(), hint);
    }

    /** For a --max-length above the model's positions, {@code read}, to which texts are read instead. */
    public static String maxLengthAbovePositions(int maxLength, int read, Object model) {
        return "--max-length " + maxLength + " is more than the " + read + " positions of " + model
                + "; texts are read to " + read + " tokens";
    }
}
