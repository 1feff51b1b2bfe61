package dev.raccoon.train.data;

import dev.raccoon.text.TextFiles;
import dev.raccoon.text.WordPieceTokenizer;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams the examples of a labelled file one at a time. Bad rows are skipped and counted in {@link #summary()}
 * with their line numbers; problems with the file as a whole (no header, a missing column) throw.
 *
 * <pre>{@code
 * try (ExampleReader reader = ExampleReader.open(path, DataSpec.of(DataFormat.NSMC, Labels.BINARY))) {
 *     for (Example e = reader.next(); e != null; e = reader.next()) ...
 *     System.err.println(reader.summary());
 * }
 * }</pre>
 */
public abstract sealed class ExampleReader implements Closeable permits DelimitedReader, JsonReader {
    /** Signals a skipped row from the row-building code; carries no stack trace. */
    static final class BadRow extends Exception {
        final DataSummary.Reason reason;

        BadRow(DataSummary.Reason reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }

    final DataSpec spec;
    final DataSummary summary;
    private long line;

    ExampleReader(DataSpec spec, String source) {
        if (spec.format().labelsFromRatings() && (spec.labels() == null || spec.labels().size() > 3))
            throw new IllegalArgumentException("ratings of " + source + " map to 2 or 3 classes, not "
                    + (spec.labels() == null ? "a regression score" : spec.labels().size() + " labels"));
        this.spec = spec;
        this.summary = new DataSummary(source);
    }

    public static ExampleReader open(Path file, DataSpec spec) throws IOException {
        return open(TextFiles.open(file), file.toString(), spec);
    }

    /** Reads from a stream; {@code source} names it in messages. The reader closes the stream. */
    public static ExampleReader open(InputStream in, String source, DataSpec spec) throws IOException {
        InputStream buffered = new BufferedInputStream(in, 1 << 16);
        try {
            return spec.format().isJson() ? new JsonReader(buffered, source, spec) : new DelimitedReader(buffered, source, spec);
        } catch (IOException | RuntimeException e) {
            buffered.close();
            throw e;
        }
    }

    /** Reads a whole file into a list (training and dev sets) and returns it with its summary. */
    public static Loaded load(Path file, DataSpec spec) throws IOException {
        try (ExampleReader reader = open(file, spec)) {
            List<Example> examples = new ArrayList<>();
            for (Example e = reader.next(); e != null; e = reader.next()) examples.add(e);
            return new Loaded(examples, reader.summary());
        }
    }

    public record Loaded(List<Example> examples, DataSummary summary) {}

    /** The next usable example, or null at the end of the file. */
    public abstract Example next() throws IOException;

    /** Bytes of the file consumed so far, for progress. */
    public abstract long bytesRead();

    public DataSummary summary() { return summary; }

    /** The line of the file the example {@link #next} returned last starts on (1-based; a CSV record may span several). */
    public long line() { return line; }

    /** The example of a row, or null when it is skipped (and counted). */
    final Example build(long line, String text, String pair, String label) {
        try {
            Example e = example(text, pair, label);
            summary.used();
            this.line = line;
            return e;
        } catch (BadRow bad) {
            summary.skip(bad.reason, line, bad.getMessage());
            return null;
        }
    }

    final void skip(DataSummary.Reason reason, long line, String detail) {
        summary.skip(reason, line, detail);
    }

    /**
     * Advances {@code lines} to the next line that decodes and is not blank and returns its text, skipping (and
     * counting) the others; null at the end. {@link LineReader#number()} is then that line's number.
     */
    final String nextUsableLine(LineReader lines) throws IOException {
        while (lines.next()) {
            String line = lines.text();
            if (line == null) skip(DataSummary.Reason.UNDECODABLE, lines.number(), spec.undecodable(lines.head()));
            else if (line.isBlank()) skip(DataSummary.Reason.BLANK_LINE, lines.number(), null);
            else return line;
        }
        return null;
    }

    private static void requireUnicode(String text, String what) throws BadRow {
        String invalid = WordPieceTokenizer.invalidUnicode(text);
        if (invalid != null) throw new BadRow(DataSummary.Reason.UNDECODABLE, what + " " + invalid);
    }

    private Example example(String text, String pair, String label) throws BadRow {
        if (text == null) throw new BadRow(DataSummary.Reason.MISSING_FIELD, "no text field (" + String.join(", ", spec.textNames()) + ")"
                + (spec.format() == DataFormat.NSMC_JSON ? "; a .json file is read as NSMC's crawl (review, rating): give JSON"
                + " lines the name .jsonl or --format jsonl" : ""));
        requireUnicode(text, "text");
        if (pair != null) requireUnicode(pair, "second text");
        if (WordPieceTokenizer.isBlank(text)) throw new BadRow(DataSummary.Reason.EMPTY_TEXT, null);
        if (pair != null && WordPieceTokenizer.isBlank(pair)) throw new BadRow(DataSummary.Reason.EMPTY_TEXT, "empty second text");
        if (label == null) throw new BadRow(DataSummary.Reason.MISSING_FIELD, "no label field (" + String.join(", ", spec.labelNames()) + ")");
        Labels labels = spec.labels();
        if (labels == null) {
            float score;
            try {
                score = Float.parseFloat(label.strip());
            } catch (NumberFormatException e) {
                score = Float.NaN;
            }
            if (!Float.isFinite(score)) throw new BadRow(DataSummary.Reason.BAD_SCORE, "score '" + label + "' is not a number");
            return Example.scored(text, pair, score);
        }
        if (spec.format().labelsFromRatings()) {
            int rating;
            try {
                rating = Integer.parseInt(label.strip());
            } catch (NumberFormatException e) {
                rating = 0;
            }
            if (rating < 1 || rating > 10) throw new BadRow(DataSummary.Reason.BAD_RATING, "rating '" + label + "' is not 1–10");
            int id = labels.fromRating(rating);
            if (id < 0) throw new BadRow(DataSummary.Reason.NEUTRAL_SKIPPED, null);
            return Example.classified(text, pair, id);
        }
        int id = labels.id(label);
        if (id < 0) throw new BadRow(DataSummary.Reason.UNKNOWN_LABEL, "label '" + label + "' is not one of " + labels);
        return Example.classified(text, pair, id);
    }
}
