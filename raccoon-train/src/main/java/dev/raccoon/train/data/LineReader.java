package dev.raccoon.train.data;

import dev.raccoon.text.ByteLines;
import dev.raccoon.text.TextEncodings;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Lines of a stream in an ASCII-compatible encoding ({@link TextEncodings#named}), each decoded on its own so that
 * a broken line costs one line, not the file. Lines end as {@link ByteLines} ends them (LF, CRLF or a lone CR);
 * counts lines and bytes consumed.
 */
final class LineReader implements Closeable {
    private final ByteLines lines;
    private final CharsetDecoder decoder;
    private long number;
    /** The number of the last line taken from the stream, which {@link #replay}ed lines do not change. */
    private long streamNumber;
    private String text;
    /** Lines given back by {@link #replay}, read again before the stream goes on. */
    private final ArrayDeque<Line> replayed = new ArrayDeque<>();

    private record Line(String text, long number) {}

    LineReader(InputStream in, Charset encoding) {
        this.lines = new ByteLines(in);
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
        byte[] line = lines.next();
        if (line == null) return false;
        number = ++streamNumber;
        text = TextEncodings.decode(line, 0, line.length, decoder);
        if (number == 1) text = TextEncodings.withoutByteOrderMark(text);
        return true;
    }

    /** The current line without its ending, or null when it is not valid in the encoding. */
    String text() { return text; }

    /** {@link ByteLines#head}. */
    byte[] head() { return lines.head(); }

    /** 1-based number of the current line. */
    long number() { return number; }

    long bytesRead() { return lines.offset(); }

    @Override
    public void close() throws IOException {
        lines.close();
    }
}
