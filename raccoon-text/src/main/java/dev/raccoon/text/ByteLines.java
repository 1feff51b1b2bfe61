package dev.raccoon.text;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The lines of a byte stream, as bytes, so that each can be decoded on its own: a line ends at {@code \n},
 * {@code \r\n} or a lone {@code \r}, as Python's universal newlines, Java's {@code BufferedReader.readLine} and
 * Hadoop's line reader (the Spark job's) end it. Files from classic Mac programs and some exporters end their lines
 * with {@code \r} only; read at {@code \n} alone, such a file would be one line. Every reader of data files splits
 * lines here, so that they agree on which line is which.
 */
public final class ByteLines implements Closeable {
    private final InputStream in;
    private final byte[] buffer = new byte[1 << 16];
    private int position;
    private int limit;
    private byte[] line = new byte[256];
    private long offset;
    private long start;
    private boolean terminated;
    private byte[] head = new byte[0];
    /** The stream has ended: not read again (a terminal would wait for more after Ctrl-D). */
    private boolean ended;

    /** @param in read in blocks; an interactive stream's read returns what has come so far */
    public ByteLines(InputStream in) {
        this.in = in;
    }

    /** The next line without its line break, or null at the end of the input. */
    public byte[] next() throws IOException {
        start = offset;
        int length = 0;
        while (true) {
            if (position == limit && !fill()) {
                terminated = false;
                return length == 0 ? null : taken(length, 0);
            }
            int from = position;
            while (position < limit && buffer[position] != '\n' && buffer[position] != '\r') position++;
            int n = position - from;
            if (length + n > line.length) line = Arrays.copyOf(line, Math.max(2 * line.length, length + n));
            System.arraycopy(buffer, from, line, length, n);
            length += n;
            if (position < limit) break;
        }
        int lineBreak = 1;
        // A \r is one line break with the \n after it, which may not have been read yet: waits for the next byte.
        if (buffer[position++] == '\r' && (position < limit || fill()) && buffer[position] == '\n') {
            position++;
            lineBreak = 2;
        }
        terminated = true;
        return taken(length, lineBreak);
    }

    private byte[] taken(int length, int lineBreak) {
        if (start == 0) head = Arrays.copyOf(line, Math.min(length, HEAD));
        offset += length + lineBreak;
        return Arrays.copyOf(line, length);
    }

    private boolean fill() throws IOException {
        int n = ended ? -1 : in.read(buffer);
        ended = n < 0;
        position = 0;
        limit = Math.max(n, 0);
        return n > 0;
    }

    /** Bytes of the first line that {@link #head} keeps. */
    private static final int HEAD = 4096;

    /**
     * The stream's first bytes (of its first line, once read): what {@link TextEncodings#noText} tells data that is
     * no text by, as UTF-16 or gzip data.
     */
    public byte[] head() { return head; }

    /** Where the line {@link #next} returned last starts in the stream. */
    public long start() { return start; }

    /** Whether a line break ended the line {@link #next} returned last (false for a last line without one). */
    public boolean terminated() { return terminated; }

    /** The bytes read up to the end of the last line returned, its line break included: where the next line starts. */
    public long offset() { return offset; }

    /** Whether more input is there now, so that {@link #next} need not wait for a writer that has not written it yet. */
    public boolean ready() throws IOException {
        return position < limit || in.available() > 0;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
