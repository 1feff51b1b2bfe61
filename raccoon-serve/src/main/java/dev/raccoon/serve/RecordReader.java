package dev.raccoon.serve;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Splits a file into records at {@code \n} (outside double quotes when {@code quoted}, as CSV allows line breaks in
 * quoted fields), as bytes, so that a record's UTF-8 can be checked on its own and the byte offset of the end of the
 * last complete record is known (for resuming a half-written output file).
 */
final class RecordReader implements AutoCloseable {
    /** One record without its line break; {@code terminated} is false for a last record with no line break. */
    record Raw(byte[] bytes, boolean terminated) {}

    private final InputStream in;
    private final boolean quoted;
    private long offset, completeEnd;

    RecordReader(InputStream in, boolean quoted) {
        this.in = new BufferedInputStream(in, 1 << 16);
        this.quoted = quoted;
    }

    /** The next record, or null at the end of the input. */
    Raw next() throws IOException {
        ByteArrayOutputStream record = new ByteArrayOutputStream(256);
        boolean inQuotes = false;
        for (int b = in.read(); b != -1; b = in.read()) {
            offset++;
            if (b == '\n' && !inQuotes) {
                completeEnd = offset;
                byte[] bytes = record.toByteArray();
                int n = bytes.length;
                if (n > 0 && bytes[n - 1] == '\r') bytes = java.util.Arrays.copyOf(bytes, n - 1);
                return new Raw(bytes, true);
            }
            if (quoted && b == '"') inQuotes = !inQuotes;
            record.write(b);
        }
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
