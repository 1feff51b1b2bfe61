package dev.raccoon.train.data;

import dev.raccoon.text.TextEncodings;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;

/**
 * How to read a labelled file: its format, the columns (null: the format's candidates), the label set and the
 * character encoding; {@code labels} null means regression, the label column then holds a number (KorSTS scores).
 */
public record DataSpec(DataFormat format, String textColumn, String pairColumn, String labelColumn, Labels labels,
                       Charset encoding) {
    public DataSpec {
        // Checked here, not only by the CLI: the readers split lines on bytes before decoding.
        encoding = TextEncodings.named(encoding.name());
    }

    /** A UTF-8 file. */
    public DataSpec(DataFormat format, String textColumn, String pairColumn, String labelColumn, Labels labels) {
        this(format, textColumn, pairColumn, labelColumn, labels, StandardCharsets.UTF_8);
    }

    public static DataSpec of(DataFormat format, Labels labels) {
        return new DataSpec(format, null, null, null, labels);
    }

    /** Why a line was skipped or a header refused when it did not decode, in a file that starts with {@code start}. */
    String undecodable(byte[] start) {
        return TextEncodings.notValidWithHint(encoding, start);
    }

    /** Resolved column names, spelled as in the file; {@code pair} is null when there is none. */
    record Columns(String text, String pair, String label) {}

    List<String> textNames() { return textColumn != null ? List.of(textColumn) : format.textCandidates; }

    List<String> pairNames() { return pairColumn != null ? List.of(pairColumn) : format.pairCandidates; }

    List<String> labelNames() { return labelColumn != null ? List.of(labelColumn) : format.labelCandidates; }

    /** Picks the columns of a header; a missing text or label column, or a named pair column, is an error. */
    Columns resolve(Collection<String> header, String source) throws IOException {
        TextEncodings.requireTextHeader(header, source);
        String text = require(textNames(), textColumn, header, "text", "--text-column", source);
        String label = require(labelNames(), labelColumn, header, "label", "--label-column", source);
        String pair = pairColumn != null ? require(pairNames(), pairColumn, header, "pair", "--pair-column", source)
                : find(pairNames(), header);
        return new Columns(text, pair, label);
    }

    /** The first of {@code wanted} present in {@code available} (case-insensitive), as spelled there, or null. */
    static String find(List<String> wanted, Collection<String> available) {
        for (String w : wanted) for (String a : available) if (a.strip().equalsIgnoreCase(w)) return a;
        return null;
    }

    private static String require(List<String> wanted, String named, Collection<String> header, String what,
                                  String option, String source) throws IOException {
        String found = find(wanted, header);
        if (found != null) return found;
        String columns = " (columns: " + String.join(", ", header) + ")";
        throw new IOException(named != null ? source + " has no column '" + named + "'" + columns
                : source + " has no " + what + " column (" + String.join(", ", wanted) + "); name one with " + option + columns);
    }
}
