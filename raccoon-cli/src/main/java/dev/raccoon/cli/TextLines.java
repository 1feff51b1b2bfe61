package dev.raccoon.cli;

import dev.raccoon.text.ByteLines;
import dev.raccoon.text.TextEncodings;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;

/**
 * Lines of a byte stream (standard input), each decoded on its own so that a broken line is reported with its number
 * and the lines around it still go through. Lines end as {@link ByteLines} ends them (LF, CRLF or a lone CR); a byte
 * order mark before the first line is dropped.
 */
final class TextLines {
    /** Lines a command classifies together at most: bounds memory on endless input. */
    static final int CHUNK = 1024;

    /** One line: its 1-based number and its text, null when it is not valid in the encoding. */
    record Line(long number, String text) {}

    private final ByteLines lines;
    private final Charset charset;
    private long number;

    TextLines(InputStream in, Charset charset) {
        this.lines = new ByteLines(in);
        this.charset = charset;
    }

    /** {@link ByteLines#head}. */
    byte[] head() {
        return lines.head();
    }

    /** Whether more input is there now, so that {@link #next} does not wait for a writer that has not written it yet. */
    boolean ready() throws IOException {
        return lines.ready();
    }

    /**
     * Whether a chunk of {@code size} lines goes now: when full, at the end of input, or where the input pauses, so
     * that a tool that writes a line and waits gets its answer.
     */
    boolean chunkEnds(int size, boolean atEnd) throws IOException {
        return size > 0 && (size >= CHUNK || atEnd || !ready());
    }

    /** The next line, or null at the end of input. */
    Line next() throws IOException {
        byte[] bytes = lines.next();
        if (bytes == null) return null;
        String text = TextEncodings.decode(bytes, 0, bytes.length, charset);
        if (++number == 1) text = TextEncodings.withoutByteOrderMark(text);
        return new Line(number, text);
    }
}
