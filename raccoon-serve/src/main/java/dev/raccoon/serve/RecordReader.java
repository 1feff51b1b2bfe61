package dev.raccoon.serve;

import dev.raccoon.text.CsvRecords;

import java.io.BufferedInputStream;
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
 * Splits a file into records at {@code \n}, as bytes, so that a record's UTF-8 can be checked on its own and the byte
 * offset of the end of the last complete record is known (for resuming a half-written output file). A CSV record
 * ({@code quoted}) may hold line breaks in quoted fields: which lines make a record is {@link CsvRecords}' rule, the
 * training and evaluation readers' too, a file's first record being the header whose width a row must fit. So a
 * stray quote costs its own line only, and the lines after it are records of their own.
 */
public final class RecordReader implements AutoCloseable {
    /**
     * One record without its line break (nor a {@code \r} before it), from byte {@code start} of its file (0: a
     * file's first record); {@code terminated} is false for a last record with no line break.
     */
    public record Raw(long start, byte[] bytes, boolean terminated) {}

    /** One line without its {@code \n}, from byte {@code start} of its file; {@code terminated}: a {@code \n} ended it. */
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
    private final boolean quoted;
    /** Lines a stray quote took, to be read again as records. */
    private final ArrayDeque<Line> again = new ArrayDeque<>();
    private final List<String> fields = new ArrayList<>();
    /** Fields of the current file's header (CSV), once read. */
    private int columns;
    private long completeEnd;

    public RecordReader(InputStream in, boolean quoted) {
        this(new StreamLines(in), quoted);
    }

    public RecordReader(Lines lines, boolean quoted) {
        this.lines = lines;
        this.quoted = quoted;
    }

    /** The next record, or null at the end of the input. */
    public Raw next() throws IOException {
        Line first = line();
        if (first == null) return null;
        Line last = first;
        byte[] bytes = first.bytes();
        if (quoted) {
            boolean header = first.start() == 0;
            List<Line> taken = new ArrayList<>();
            CsvRecords.Record record = CsvRecords.read(quoteView(first), () -> {
                Line more = line();
                if (more == null) return null;
                taken.add(more);
                return quoteView(more);
            }, ',', header ? 0 : columns, fields);
            if (record == CsvRecords.Record.ROW) {
                if (header) columns = fields.size();
                if (!taken.isEmpty()) {
                    last = taken.getLast();
                    bytes = joined(first, taken);
                }
            } else {
                for (int i = taken.size() - 1; i >= 0; i--) again.addFirst(taken.get(i));
            }
        }
        if (last.terminated()) completeEnd = last.start() + last.bytes().length + 1;
        int n = bytes.length;
        if (n > 0 && bytes[n - 1] == '\r') bytes = Arrays.copyOf(bytes, n - 1);
        return new Raw(first.start(), bytes, last.terminated());
    }

    private Line line() throws IOException {
        return again.isEmpty() ? lines.next() : again.poll();
    }

    /**
     * A line as {@link CsvRecords} reads it: without a {@code \r} ending or a file's byte-order mark, its bytes as
     * ISO-8859-1 characters (only ASCII bytes matter to the rule, and none stands inside a character).
     */
    private static String quoteView(Line line) {
        byte[] b = line.bytes();
        int from = line.start() == 0 && b.length >= 3 && Arrays.equals(b, 0, 3, UTF8_BYTE_ORDER_MARK, 0, 3) ? 3 : 0;
        int to = b.length > from && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
        return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
    }

    private static byte[] joined(Line first, List<Line> more) {
        ByteArrayOutputStream record = new ByteArrayOutputStream(first.bytes().length + 256);
        record.writeBytes(first.bytes());
        for (Line l : more) {
            record.write('\n');
            record.writeBytes(l.bytes());
        }
        return record.toByteArray();
    }

    /** Bytes up to and including the line break of the last terminated record read. */
    long completeEnd() {
        return completeEnd;
    }

    @Override
    public void close() throws IOException {
        lines.close();
    }

    private static final class StreamLines implements Lines {
        private final InputStream in;
        private long offset;

        StreamLines(InputStream in) {
            this.in = new BufferedInputStream(in, 1 << 16);
        }

        @Override
        public Line next() throws IOException {
            long start = offset;
            ByteArrayOutputStream line = new ByteArrayOutputStream(256);
            for (int b = in.read(); b != -1; b = in.read()) {
                offset++;
                if (b == '\n') return new Line(start, line.toByteArray(), true);
                line.write(b);
            }
            return line.size() == 0 ? null : new Line(start, line.toByteArray(), false);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
