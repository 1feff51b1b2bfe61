package dev.raccoon.serve;

import dev.raccoon.text.ByteLines;
import dev.raccoon.text.CsvRecords;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a file into records at its line breaks ({@link ByteLines}: {@code \n}, {@code \r\n} or a lone {@code \r}), as
 * bytes, so that a record's UTF-8 can be checked on its own and the byte offset of the end of the last complete record
 * is known (for resuming a half-written output file). A CSV record ({@code quoted}) may hold line breaks in quoted
 * fields: which lines make a record is {@link CsvRecords}' rule, the training and evaluation readers' too, a file's
 * first record being the header whose width a row must fit. So a stray quote costs its own line only, and the lines
 * after it are records of their own.
 */
public final class RecordReader implements AutoCloseable {
    /**
     * One record without its line break, from byte {@code start} of its file (0: a file's first record), starting on
     * its {@code line}th line (1-based: the line a reader names it by, as eval names rows; counted from the first line
     * read); {@code terminated} is false for a last record with no line break; {@code strayQuote}: a CSV line read as a
     * record of its own because the quote it opens makes no row ({@link CsvRecords.Record#STRAY_QUOTE}, {@code SWALLOWS_ROWS}).
     */
    public record Raw(long start, long line, byte[] bytes, boolean terminated, boolean strayQuote) {}

    /** One line without its line break, from byte {@code start} of its file; {@code terminated}: a line break ended it. */
    public record Line(long start, byte[] bytes, boolean terminated) {}

    /** Where the lines come from: a stream, or lines split elsewhere (the Spark job's input format). */
    @FunctionalInterface
    public interface Lines extends Closeable {
        /** The next line, or null at the end. */
        Line next() throws IOException;

        @Override
        default void close() throws IOException {}
    }

    private static final byte[] UTF8_BYTE_ORDER_MARK = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private final Lines lines;
    /** The stream the lines come from; null for lines split elsewhere. */
    private final ByteLines stream;
    private final boolean quoted;
    /** Lines a stray quote took, to be read again as records, with their numbers. */
    private final ArrayDeque<Numbered> again = new ArrayDeque<>();
    private long linesRead;
    private final List<String> fields = new ArrayList<>();
    /** Fields of the current file's header (CSV), once read. */
    private int columns;
    private long completeEnd;

    public RecordReader(InputStream in, boolean quoted) {
        this(new ByteLines(in), quoted);
    }

    private RecordReader(ByteLines stream, boolean quoted) {
        this(stream, () -> {
            byte[] line = stream.next();
            return line == null ? null : new Line(stream.start(), line, stream.terminated());
        }, quoted);
    }

    public RecordReader(Lines lines, boolean quoted) {
        this(null, lines, quoted);
    }

    private RecordReader(ByteLines stream, Lines lines, boolean quoted) {
        this.stream = stream;
        this.lines = lines;
        this.quoted = quoted;
    }

    private record Numbered(Line line, long number) {}

    /** The next record, or null at the end of the input. */
    public Raw next() throws IOException {
        Numbered numbered = line();
        if (numbered == null) return null;
        Line first = numbered.line(), last = first;
        byte[] bytes = first.bytes();
        boolean strayQuote = false;
        if (quoted) {
            boolean header = first.start() == 0;
            List<Numbered> taken = new ArrayList<>();
            CsvRecords.Record record = CsvRecords.read(quoteView(first), () -> {
                Numbered more = line();
                if (more == null) return null;
                taken.add(more);
                return quoteView(more.line());
            }, ',', header ? 0 : columns, fields);
            if (record == CsvRecords.Record.ROW) {
                if (header) columns = fields.size();
                if (!taken.isEmpty()) {
                    last = taken.getLast().line();
                    bytes = joined(first, taken);
                }
            } else {
                strayQuote = true;
                for (int i = taken.size() - 1; i >= 0; i--) again.addFirst(taken.get(i));
            }
        }
        // the record ends where the next line starts: one read again, or the stream's next
        if (last.terminated() && stream != null) completeEnd = again.isEmpty() ? stream.offset() : again.peekFirst().line().start();
        return new Raw(first.start(), numbered.number(), bytes, last.terminated(), strayQuote);
    }

    private Numbered line() throws IOException {
        if (!again.isEmpty()) return again.poll();
        Line l = lines.next();
        return l == null ? null : new Numbered(l, ++linesRead);
    }

    /**
     * A line as {@link CsvRecords} reads it: without a file's byte-order mark, its bytes as ISO-8859-1 characters
     * (only ASCII bytes matter to the rule, and none stands inside a character).
     */
    private static String quoteView(Line line) {
        byte[] b = line.bytes();
        int from = line.start() == 0 && b.length >= 3 && Arrays.equals(b, 0, 3, UTF8_BYTE_ORDER_MARK, 0, 3) ? 3 : 0;
        return new String(b, from, b.length - from, StandardCharsets.ISO_8859_1);
    }

    private static byte[] joined(Line first, List<Numbered> more) {
        ByteArrayOutputStream record = new ByteArrayOutputStream(first.bytes().length + 256);
        record.writeBytes(first.bytes());
        for (Numbered l : more) {
            record.write('\n'); // whatever the file's line breaks, as CsvRecords joins the lines
            record.writeBytes(l.line().bytes());
        }
        return record.toByteArray();
    }

    /** Bytes up to and including the line break of the last terminated record read (of a stream; 0 for lines split elsewhere). */
    long completeEnd() {
        return completeEnd;
    }

    @Override
    public void close() throws IOException {
        lines.close();
        if (stream != null) stream.close();
    }
}
