package dev.raccoon.train.data;

import dev.raccoon.text.TextEncodings;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.util.Arrays;

/**
 * Lines of a stream in an ASCII-compatible encoding ({@link TextEncodings#named}), each decoded on its own so that
 * a broken line costs one line, not the file. Accepts LF and CRLF endings; counts lines and bytes consumed.
 */
final class LineReader implements Closeable {
    private final InputStream in;
    private final byte[] buffer = new byte[1 << 16];
    private int position;
    private int limit;
    private byte[] line = new byte[256];
    private final CharsetDecoder decoder;
    private long number;
    private long bytes;
    private String text;

    LineReader(InputStream in, Charset encoding) {
        this.in = in;
        this.decoder = TextEncodings.strictDecoder(encoding);
    }

    /** Advances to the next line; false at the end of input. */
    boolean next() throws IOException {
        int length = 0;
        boolean any = false;
        while (true) {
            if (position == limit) {
                limit = in.read(buffer);
                position = 0;
                if (limit <= 0) {
                    limit = 0;
                    if (!any) return false;
                    break;
                }
            }
            any = true;
            int start = position;
            while (position < limit && buffer[position] != '\n') position++;
            int n = position - start;
            if (length + n > line.length) line = Arrays.copyOf(line, Math.max(2 * line.length, length + n));
            System.arraycopy(buffer, start, line, length, n);
            length += n;
            if (position < limit) {
                position++;
                bytes++;
                break;
            }
        }
        bytes += length;
        number++;
        if (length > 0 && line[length - 1] == '\r') length--;
        text = TextEncodings.decode(line, 0, length, decoder);
        if (number == 1) text = TextEncodings.withoutByteOrderMark(text);
        return true;
    }

    /** The current line without its ending, or null when it is not valid in the encoding. */
    String text() { return text; }

    /** 1-based number of the current line. */
    long number() { return number; }

    long bytesRead() { return bytes; }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
