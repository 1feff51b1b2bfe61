package dev.raccoon.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.api.Classifier;
import dev.raccoon.serve.ScoreNotes;
import dev.raccoon.text.Encoding;
import dev.raccoon.text.Truncation;
import dev.raccoon.train.data.DataFormat;
import dev.raccoon.train.data.DataSpec;
import dev.raccoon.train.data.DataSummary;
import dev.raccoon.train.data.Example;
import dev.raccoon.train.data.ExampleReader;
import dev.raccoon.train.data.Labels;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** One labelled data file that a model is scored on (eval, calibrate), read in chunks with a progress bar. */
final class LabelledDataOptions {
    /** Rows scored per call of the model: bounds memory on large files. */
    private static final int CHUNK = 1024;
    /** Files at least this large get a progress bar. */
    private static final long PROGRESS_BYTES = 1 << 20;

    static final class FormatConverter implements CommandLine.ITypeConverter<DataFormat> {
        @Override
        public DataFormat convert(String value) {
            try {
                return DataFormat.named(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @Option(names = "--data", paramLabel = "FILE", required = true, description = "Labelled data to score the model on.")
    Path data;

    @Mixin
    EncodingOption encoding;

    @Option(names = "--format", paramLabel = "FORMAT", converter = FormatConverter.class,
            description = "nsmc, tsv, csv, jsonl or nsmc-json (default: by file name: .csv, .jsonl, .json for the NSMC crawl, else tsv).")
    DataFormat format;

    @Option(names = "--text-column", paramLabel = "C", description = "Header name (JSON: key) of the text (default: the first of text, document, review, sentence, sentence1, comments, content).")
    String textColumn;

    @Option(names = "--pair-column", paramLabel = "C", description = "Header name (JSON: key) of the second text of a pair.")
    String pairColumn;

    @Option(names = "--label-column", paramLabel = "C", description = "Header name (JSON: key) of the label, score or rating.")
    String labelColumn;

    /** The format --format names, or the one the file's name suggests. */
    DataFormat format(Path file) {
        return format != null ? format : DataFormat.guess(file);
    }

    /** How to read --data with these labels (null: regression targets). */
    DataSpec spec(Labels labels) {
        return spec(format(data), labels);
    }

    DataSpec spec(DataFormat dataFormat, Labels labels) {
        return new DataSpec(dataFormat, textColumn, pairColumn, labelColumn, labels, encoding.encoding);
    }

    interface ChunkScorer {
        /** {@code lines}: the line of the file each example starts on, for pointing at a row. */
        void score(List<Example> chunk, long[] lines);
    }

    /**
     * Streams --data through {@code scorer} in chunks, with a progress bar named {@code task} on stderr for large
     * files when stderr is a terminal (in a log its frames would make one endless line).
     */
    DataSummary score(DataSpec dataSpec, String task, ChunkScorer scorer) throws IOException {
        long size = Files.size(data);
        try (ExampleReader reader = ExampleReader.open(data, dataSpec);
             ProgressBar bar = size < PROGRESS_BYTES || !ComputeOptions.bars(false) ? null : new ProgressBarBuilder().setTaskName(task).setInitialMax(size)
                     .setUnit(" MiB", 1 << 20).setConsumer(new ConsoleProgressBarConsumer(System.err)).build()) {
            List<Example> chunk = new ArrayList<>(CHUNK);
            long[] lines = new long[CHUNK];
            for (Example e = reader.next(); ; e = reader.next()) {
                if (e != null) {
                    lines[chunk.size()] = reader.line();
                    chunk.add(e);
                }
                if (chunk.size() == CHUNK || (e == null && !chunk.isEmpty())) {
                    scorer.score(chunk, Arrays.copyOf(lines, chunk.size()));
                    chunk.clear();
                    if (bar != null) bar.stepTo(reader.bytesRead()).setExtraMessage(String.format("%,d rows", reader.summary().rowsUsed()));
                }
                if (e == null) break;
            }
            return reader.summary();
        }
    }

    /**
     * Says on stderr what {@code command} read of --data, then refuses data whose labels are not {@code labels}
     * (null for regression targets): labels match by name or by id, so data of another task reads as something, and
     * {@code remedy} says what to do. Then {@link DataSummary#requireMostRowsUsed}.
     */
    void check(String command, DataSummary summary, List<String> labels, String remedy) {
        System.err.println("raccoon " + command + ": " + summary);
        String mismatch = labels == null ? null : summary.labelMismatch(labels);
        if (mismatch != null) throw new IllegalArgumentException(mismatch + "; " + remedy);
        summary.requireMostRowsUsed();
    }

    static List<String> texts(List<Example> chunk) {
        return chunk.stream().map(Example::text).toList();
    }

    /** The second texts, null where a row has none. */
    static List<String> pairs(List<Example> chunk) {
        return chunk.stream().map(Example::pair).toList();
    }

    /**
     * The classifier's logits of {@code chunk}'s rows, each encoded once; adds to {@code truncatedRows[0]} the
     * single-text rows longer than it reads (a pair is cut longest_first, as in transformers).
     */
    static float[][] logits(Classifier classifier, List<Example> chunk, long[] truncatedRows) {
        List<Encoding> read = new ArrayList<>(chunk.size());
        for (Example e : chunk) {
            Encoding encoding = classifier.encode(e.text(), e.pair());
            if (e.pair() == null && classifier.truncated(e.text(), encoding)) truncatedRows[0]++;
            read.add(encoding);
        }
        return classifier.logitsOf(read);
    }

    /**
     * Says on stderr how many rows {@code command} read only part of, and which part; {@code hint} comes first in the
     * parentheses that say what to do about it.
     */
    static void noteTruncated(String command, long rows, int maxLength, Truncation truncation, String hint) {
        if (rows > 0) System.err.println("raccoon " + command + ": " + ScoreNotes.truncated(rows, maxLength, truncation, hint));
    }

    /** {@link #noteTruncated(String, long, int, Truncation, String)} for a command that scores labelled data. */
    static void noteTruncated(String command, Classifier classifier, long rows) {
        noteTruncated(command, rows, classifier.maxLength(), classifier.truncation(), "--truncation");
    }

    /**
     * What a model read of the data and how it computed, for a JSON record: max_length, truncation, rows_truncated
     * and compute_precision (named so beside the precision of each class).
     */
    static void putReading(ObjectNode o, Classifier classifier, long truncatedRows) {
        o.put("max_length", classifier.maxLength());
        o.put("truncation", classifier.truncation().id());
        o.put("rows_truncated", truncatedRows);
        o.put("compute_precision", classifier.precision().label());
    }
}
