package dev.raccoon.serve;

import dev.raccoon.api.Answers;
import dev.raccoon.api.Classifier;
import dev.raccoon.api.Prediction;
import dev.raccoon.text.TextEncodings;
import dev.raccoon.text.TextFiles;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scores a table of texts into a new UTF-8 file: every input row, in order, plus the {@link ScoreColumns}. A row whose
 * text is missing, empty or does not decode gets empty predictions and an error instead of being dropped, so output
 * row N is always input row N.
 *
 * <p>Resumable: rows are written in chunks, each flushed, so after a kill the output holds whole rows plus at most
 * one partial last one. Scoring the same input into the same output again truncates that partial row, skips as many
 * input rows as the output has, and goes on from there.
 */
public final class BatchScorer {

    /**
     * @param format     the input's and output's format
     * @param textColumn the column (TSV/CSV header) or field (JSONL) holding the text; null: the first of
     *                   {@link dev.raccoon.text.TextFiles#TEXT_COLUMNS} present (JSONL: in each object)
     * @param chunkRows  rows classified and written at a time
     * @param encoding   the input's character encoding
     */
    public record Job(Path in, Path out, TableFormat format, String textColumn, int chunkRows, Charset encoding) {
        public Job {
            if (chunkRows < 1) throw new IllegalArgumentException("chunkRows must be at least 1");
        }

        /** A UTF-8 input. */
        public Job(Path in, Path out, TableFormat format, String textColumn, int chunkRows) {
            this(in, out, format, textColumn, chunkRows, StandardCharsets.UTF_8);
        }
    }

    /**
     * @param resumed       rows an earlier run had written, kept; scored and failed count this run's rows
     * @param resumedFailed those of them that hold an error
     * @param undecodable   those of the failed rows that were not valid in the input's encoding
     * @param truncated     scored rows whose text is longer than the model reads: only part of it was classified
     */
    public record Summary(long resumed, long resumedFailed, long scored, long failed, long undecodable, long truncated) {}

    private final Classifier classifier;

    public BatchScorer(Classifier classifier) {
        classifier.requireLabels();
        this.classifier = classifier;
    }

    private static final byte[] UTF8_BYTE_ORDER_MARK = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private static boolean startsWithByteOrderMark(byte[] line) {
        return line.length >= 3 && Arrays.equals(line, 0, 3, UTF8_BYTE_ORDER_MARK, 0, 3);
    }

    /** Data rows of a file (without a TSV/CSV header), for a progress bar's total. */
    public static long countRows(Path file, TableFormat format) throws IOException {
        long n = 0;
        try (RecordReader r = new RecordReader(TextFiles.open(file), format == TableFormat.CSV)) {
            while (r.next() != null) n++;
        }
        return format.tabular() ? Math.max(0, n - 1) : n;
    }

    /** What {@link #score} tells as it goes, in rows. */
    @FunctionalInterface
    public interface Progress {
        /** Rows of this run written, scored or not. */
        void written(long rows);

        /**
         * Once, before any row of this run: the rows an earlier run left in the output, kept (0 for a fresh output), so
         * that a progress bar can start from there and time only this run's rows.
         */
        default void resumed(long rows) {}
    }

    /** Scores {@code job.in()} into {@code job.out()}, continuing a partial output. */
    public Summary score(Job job, Progress progress) throws IOException {
        TableFormat format = job.format();
        try (RecordReader input = new RecordReader(TextFiles.open(job.in()), format == TableFormat.CSV)) {
            List<String> header = null;
            int textIndex = -1;
            boolean fromExcel = false;
            if (format.tabular()) {
                RecordReader.Raw first = input.next();
                if (first == null) throw new IOException(job.in() + " is empty; it needs a header row");
                fromExcel = startsWithByteOrderMark(first.bytes()) || !job.encoding().equals(StandardCharsets.UTF_8);
                header = format.split(ScoreRows.header(first.bytes(), job.encoding(), job.in()));
                textIndex = ScoreRows.textColumnIndex(header, job.textColumn(), job.in().toString());
            }
            ScoreRows rows = new ScoreRows(format, header, textIndex, job.textColumn(), classifier.labels(),
                    header != null ? header : firstObjectFields(job.in(), job.encoding()), job.encoding().name());
            ScoreColumns columns = new ScoreColumns(rows.labels(), rows.inputFields());
            List<String> outHeader = null;
            if (header != null) {
                outHeader = new ArrayList<>(header);
                outHeader.addAll(columns.names());
            }
            Existing existing = existingOutput(job.out(), format, outHeader);
            long done = existing.rows();
            long resumedFailed = done == 0 ? 0 : checkResumed(job, input, rows, columns, done, outHeader != null);
            existing.cutAfterLastRow(job.out()); // only once the rows are known to be this run's
            progress.resumed(done);
            long scored = 0, failed = 0, undecodable = 0, truncated = 0;
            try (FileChannel channel = FileChannel.open(job.out(), StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                 OutputStream out = Channels.newOutputStream(channel)) {
                if (outHeader != null && done == 0 && channel.size() == 0) {
                    // Excel reads a CSV or TSV as the system's code page unless a byte-order mark says UTF-8: a table
                    // that came from Excel (with one, or in CP949) goes back with one, so its Hangul opens intact
                    if (fromExcel) out.write(UTF8_BYTE_ORDER_MARK);
                    writeLine(out, format.join(outHeader));
                }
                List<ScoreRows.Parsed> chunk = new ArrayList<>(job.chunkRows());
                for (RecordReader.Raw raw = input.next(); raw != null; raw = input.next()) {
                    ScoreRows.Parsed parsed = rows.parse(raw.bytes(), raw.line());
                    if (parsed.undecodable()) undecodable++;
                    chunk.add(parsed);
                    if (chunk.size() == job.chunkRows()) {
                        Written w = writeChunk(chunk, out, rows, columns);
                        failed += w.failed();
                        truncated += w.truncated();
                        scored += chunk.size();
                        progress.written(chunk.size());
                        chunk.clear();
                    }
                }
                if (!chunk.isEmpty()) {
                    Written w = writeChunk(chunk, out, rows, columns);
                    failed += w.failed();
                    truncated += w.truncated();
                    scored += chunk.size();
                    progress.written(chunk.size());
                }
                channel.force(false);
            }
            return new Summary(done, resumedFailed, scored - failed, failed, undecodable, truncated);
        }
    }

    /**
     * Written rows scored again on resume, to catch an earlier run with other settings: the first ones and cut ones,
     * looked for among at most {@link #CUT_PROBES} rows long enough to be cut (each costs a tokenization).
     */
    static final int RESCORED = 64, RESCORED_FIRST = 8, CUT_PROBES = 10_000;
    /** How far a probability scored again may lie from the written one: another device (CUDA's TF32) moves it a little. */
    static final float RESCORE_TOLERANCE = 2e-3f;

    /**
     * Reads past the {@code done} input rows an earlier run wrote, checking that each written row holds that input
     * row: an output of another file, or of this one read with another encoding, is refused rather than continued.
     * Some of the rows are scored again ({@link #RESCORED}: the first ones and those too long for the model, which
     * --max-length and --truncation change), so that an output written with another model or other settings is
     * refused too, rather than continued into a file of two kinds of answers.
     * Returns how many of them hold an error.
     */
    private long checkResumed(Job job, RecordReader input, ScoreRows rows, ScoreColumns columns, long done,
                              boolean header) throws IOException {
        long failed = 0;
        List<String> texts = new ArrayList<>();
        List<Float> wrote = new ArrayList<>();
        List<Long> rowNumbers = new ArrayList<>();
        int[] probes = {0};
        try (RecordReader written = new RecordReader(Files.newInputStream(job.out()), job.format() == TableFormat.CSV)) {
            if (header) written.next();
            for (long row = 1; row <= done; row++) {
                RecordReader.Raw in = input.next();
                if (in == null)
                    throw new IOException(job.out() + " has " + done + " rows but " + job.in() + " only " + (row - 1)
                            + "; it is not this input's output (delete it to start over)");
                ScoreRows.Parsed parsed = rows.parse(in.bytes(), in.line());
                ScoreRows.Written w;
                try {
                    w = rows.written(parsed, ScoreRows.decodeOutput(written.next().bytes()), columns);
                } catch (IllegalArgumentException e) {
                    throw new IOException(job.out() + ": its " + (job.format().tabular() ? "row " : "line ") + row
                            + " does not hold " + job.in() + "'s; it was written from another input or with another --encoding"
                            + " (delete it to start over)", e);
                }
                if (w.error() != null) failed++;
                else if (parsed.text() != null && texts.size() < RESCORED
                        && (texts.size() < RESCORED_FIRST || cut(parsed.text(), probes))) {
                    Float p = probability(w.probability());
                    if (p != null) {
                        texts.add(parsed.text());
                        wrote.add(p);
                        rowNumbers.add(row);
                    }
                }
            }
        }
        if (!texts.isEmpty()) {
            List<Prediction> now = classifier.classify(texts);
            for (int i = 0; i < texts.size(); i++)
                if (!(Math.abs(now.get(i).probability() - wrote.get(i)) <= RESCORE_TOLERANCE))
                    throw new IOException(job.out() + ": its " + (job.format().tabular() ? "row " : "line ") + rowNumbers.get(i)
                            + " says probability " + wrote.get(i) + " where this run gives " + now.get(i).probability()
                            + ": the earlier run had another model, --max-length or --truncation; rerun with its settings,"
                            + " or delete it to start over");
        }
        return failed;
    }

    /**
     * Whether the model reads only part of {@code text}, while probes are left. A character gives at most three tokens
     * (a Hangul syllable decomposed into its jamo by an uncased tokenizer), so most texts are known to fit without
     * tokenizing them.
     */
    private boolean cut(String text, int[] probes) {
        return 3L * text.length() > classifier.maxLength() - 2 && probes[0]++ < CUT_PROBES && classifier.truncated(text);
    }

    private static Float probability(String written) {
        try {
            return written == null ? null : Float.parseFloat(written);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Rows of a chunk without a prediction, and rows whose text the model read only part of. */
    private record Written(int failed, int truncated) {}

    /** Classifies the chunk's texts in one call and writes its rows. */
    private Written writeChunk(List<ScoreRows.Parsed> chunk, OutputStream out, ScoreRows rows, ScoreColumns columns)
            throws IOException {
        List<String> texts = new ArrayList<>();
        for (ScoreRows.Parsed r : chunk) if (r.text() != null) texts.add(r.text());
        List<Answers.Answer> answers = texts.isEmpty() ? List.of() : Answers.of(classifier, texts, false).run();
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(chunk.size() * 128);
        int next = 0, failed = 0, truncated = 0;
        for (ScoreRows.Parsed r : chunk) {
            Answers.Answer a = r.text() != null ? answers.get(next++) : null;
            if (a == null) failed++;
            else if (a.truncated()) truncated++;
            String line = rows.line(r, a == null ? null : a.prediction(), a != null && a.truncated(), columns);
            buffer.write(line.getBytes(StandardCharsets.UTF_8));
            buffer.write('\n');
        }
        out.write(buffer.toByteArray()); // one write per chunk: a kill leaves whole rows and at most one partial
        out.flush();
        return new Written(failed, truncated);
    }

    /**
     * What {@code out} holds already: a missing or empty file no rows; a header other than this run's is an error, and
     * so is an unfinished line that cannot be this run's (text without a line break in a file that holds no row yet,
     * other than the start of this run's header). Nothing is changed: see {@link Existing#cutAfterLastRow}.
     */
    static Existing existingOutput(Path out, TableFormat format, List<String> outHeader) throws IOException {
        if (Files.isDirectory(out)) throw new IOException(out + " is a directory, not a file to write the scores to");
        if (!Files.exists(out)) {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.createFile(out);
            return new Existing(0, 0);
        }
        long rows = 0, keep = 0;
        try (RecordReader r = new RecordReader(Files.newInputStream(out), format == TableFormat.CSV)) {
            RecordReader.Raw raw = r.next();
            if (outHeader != null && raw != null) {
                String found = ScoreRows.decodeOutput(raw.bytes());
                String header = found == null ? null : TextEncodings.withoutByteOrderMark(found);
                boolean ours = raw.terminated() ? header != null && format.split(header).equals(outHeader)
                        : header != null && format.join(outHeader).startsWith(header); // a header cut off mid-write
                if (!ours)
                    throw new IOException(out + " exists with other columns than this run writes; delete it or choose another output");
                if (!raw.terminated()) return new Existing(0, 0);
                keep = r.completeEnd();
                raw = r.next();
            } else if (raw != null && !raw.terminated()) {
                throw new IOException(out + " exists and holds a line without a line break that this run did not write;"
                        + " delete it or choose another output");
            }
            // The writer quotes every row whole, so a stray quote in the output is a row cut off inside a quoted field
            // that spans lines: the partial last row starts there, however many of its lines were written.
            for (; raw != null && raw.terminated() && !raw.strayQuote(); raw = r.next()) {
                rows++;
                keep = r.completeEnd();
            }
        }
        return new Existing(rows, keep);
    }

    /** An output's complete data rows, and the length of the file up to the end of the last one (or of its header). */
    record Existing(long rows, long keep) {
        /** Cuts off a partial last row, which an interrupted write leaves, so that appending starts on a new line. */
        void cutAfterLastRow(Path out) throws IOException {
            try (FileChannel channel = FileChannel.open(out, StandardOpenOption.WRITE)) {
                if (channel.size() > keep) channel.truncate(keep);
            }
        }
    }

    /** The field names of the file's first JSON object line ({@link ScoreRows#firstObjectFields}); none without one. */
    private static List<String> firstObjectFields(Path in, Charset encoding) throws IOException {
        try (RecordReader r = new RecordReader(TextFiles.open(in), false)) {
            List<String> names = ScoreRows.firstObjectFields(r, encoding, in);
            return names != null ? names : List.of();
        }
    }

    private static void writeLine(OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
