package dev.raccoon.text;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ByteLinesTest {
    /** Each line as "start:text:end", end being the offset after its line break and '-' for a line without one. */
    private static List<String> lines(InputStream in) throws IOException {
        List<String> out = new ArrayList<>();
        ByteLines lines = new ByteLines(in);
        for (byte[] b = lines.next(); b != null; b = lines.next())
            out.add(lines.start() + ":" + new String(b, StandardCharsets.UTF_8) + ":" + (lines.terminated() ? lines.offset() : "-"));
        return out;
    }

    private static List<String> lines(String s) throws IOException {
        return lines(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void endsLinesAtLfCrLfAndALoneCr() throws IOException {
        assertThat(lines("a\nb\n")).containsExactly("0:a:2", "2:b:4");
        assertThat(lines("a\r\nb\r\n")).containsExactly("0:a:3", "3:b:6");
        assertThat(lines("a\rb\rc")).as("classic Mac line ends").containsExactly("0:a:2", "2:b:4", "4:c:-");
        assertThat(lines("a\r\rb\n\nc\r")).containsExactly("0:a:2", "2::3", "3:b:5", "5::6", "6:c:8");
        assertThat(lines("")).isEmpty();
        assertThat(lines("\r")).containsExactly("0::1");
    }

    @Test
    void aCrLfSplitAcrossReadsIsOneLineBreak() throws IOException {
        // a stream that hands out one byte a read, as a pipe may: the \n comes in a read after the \r
        InputStream trickle = new ByteArrayInputStream("a\r\nb\r".getBytes(StandardCharsets.US_ASCII)) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1));
            }
        };
        assertThat(lines(trickle)).containsExactly("0:a:3", "3:b:5");
    }
}
