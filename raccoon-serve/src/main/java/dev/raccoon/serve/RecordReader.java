package dev.raccoon.serve;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Splits a file into records at {@code \n} (outside double quotes when {@code quoted}, as CSV allows line breaks in
 * quoted fields), as bytes, so that a record's UTF-8 can be checked on its own and the byte offset of the end of the
 * last complete record is known (for resuming a half-written output file). A stray quote costs its own line only:
 * when the quote it opens is still open at the end of the input, after {@link #MAX_RECORD_LINES} line breaks or
 * {@link #MAX_RECORD_BYTES} bytes, the record is read again as that one line, and the lines after it as records.
 */
public final class RecordReader implements AutoCloseable {
    /** Line breaks one quoted field may hold (as the training data reader allows). */
    public static final int MAX_RECORD_LINES = 1000;
    public static final int MAX_RECORD_BYTES = 1 << 20;

    /** One record without its line break; {@code terminated} is false for a last record with no line break. */
    public record Raw(byte[] bytes, boolean terminated) {}

    private final InputStream in;
    private final boolean quoted;
    private long offset, completeEnd;

    public RecordReader(InputStream in, boolean quoted) {
        this.in = new BufferedInputStream(in, 1 << 16);
        this.quoted = quoted;
    }

    /** The next record, or null at the end of the input. */
    public Raw next() throws IOException {
        if (quoted) in.mark(MAX_RECORD_BYTES + 1);
        long start = offset;
        Raw raw = read(quoted);
        if (raw != STRAY_QUOTE) return raw;
        in.reset();
        offset = start;
        return read(false);
    }

    /** Marks a quote still open where {@link #next} gives up on it. */
    private static final Raw STRAY_QUOTE = new Raw(new byte[0], false);

    private Raw read(boolean quotes) throws IOException {
        ByteArrayOutputStream record = new ByteArrayOutputStream(256);
        boolean inQuotes = false;
        int breaksInQuotes = 0;
        for (int b = in.read(); b != -1; b = in.read()) {
            offset++;
            if (b == '\n' && !inQuotes) {
                completeEnd = offset;
                byte[] bytes = record.toByteArray();
                int n = bytes.length;
                if (n > 0 && bytes[n - 1] == '\r') bytes = java.util.Arrays.copyOf(bytes, n - 1);
                return new Raw(bytes, true);
            }
            if (quotes && b == '"') inQuotes = !inQuotes;
            if (inQuotes && b == '\n' && ++breaksInQuotes > MAX_RECORD_LINES) return STRAY_QUOTE;
            record.write(b);
            if (quotes && record.size() == MAX_RECORD_BYTES) { // as far as the mark reaches
                if (inQuotes) return STRAY_QUOTE;
                quotes = false; // a record this long ends at its next line break, quotes or not
            }
        }
        if (inQuotes) return STRAY_QUOTE;
        return record.size() == 0 ? null : new Raw(record.toByteArray(), false);
    }

    /** Bytes up to and including the line break of the last terminated record read. */
    long completeEnd() {
        return completeEnd;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
