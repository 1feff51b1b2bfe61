package dev.raccoon.train.data;

import dev.raccoon.text.TextEncodings;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;

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
    /** The number of the last line taken from the stream, which {@link #replay}ed lines do not change. */
    private long streamNumber;
    private long bytes;
    private String text;
    /** Lines given back by {@link #replay}, read again before the stream goes on. */
    private final ArrayDeque<Line> replayed = new ArrayDeque<>();

    private record Line(String text, long number) {}

    LineReader(InputStream in, Charset encoding) {
        this.in = in;
        this.decoder = TextEncodings.strictDecoder(encoding);
    }

    /**
     * Gives lines back to be read again, in order, numbered from {@code firstNumber}; texts may be null (lines not
     * valid in the encoding). A CSV row whose quote never closes gives back the lines it took while looking for it.
     */
    void replay(List<String> texts, long firstNumber) {
        // In front of any lines still waiting: those come later in the file.
        for (int i = texts.size() - 1; i >= 0; i--) replayed.addFirst(new Line(texts.get(i), firstNumber + i));
    }

    /** Advances to the next line; false at the end of input. */
    boolean next() throws IOException {
        Line again = replayed.poll();
        if (again != null) {
            text = again.text();
            number = again.number();
            return true;
        }
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
        number = ++streamNumber;
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
