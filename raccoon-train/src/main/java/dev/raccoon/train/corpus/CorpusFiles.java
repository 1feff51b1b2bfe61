package dev.raccoon.train.corpus;

import dev.raccoon.text.ByteLines;
import dev.raccoon.text.TextEncodings;
import dev.raccoon.text.TextFiles;
import dev.raccoon.text.WordPieceTokenizer;
import dev.raccoon.train.data.DataFormat;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * Corpus files, plain or gzip (known by its first bytes, whatever the name, as data files are), one item a line, in
 * one character encoding (ASCII-compatible, see {@link TextEncodings#named}), read as a stream; and the line
 * normalisation.
 */
public record CorpusFiles(List<Path> files, Charset encoding) {

    /** Receives lines; may throw I/O errors of its own. */
    @FunctionalInterface
    public interface LineSink {
        void line(String line) throws IOException;
    }

    public CorpusFiles {
        files = List.copyOf(files);
        Objects.requireNonNull(encoding, "encoding");
    }

    public static CorpusFiles utf8(List<Path> files) {
        return new CorpusFiles(files, StandardCharsets.UTF_8);
    }

    /** Bytes on disk of all files, the total for a progress bar fed by {@link #read}. */
    public long size() throws IOException {
        long total = 0;
        for (Path f : files) {
            total += Files.size(f);
        }
        return total;
    }

    /**
     * Passes the lines of the files, in order, to {@code sink}, at most {@code maxLines} of them in all, after
     * {@link #requireDecodable}; bytes that are still not valid in the encoding become U+FFFD. Reports the bytes read
     * from disk so far to {@code progress}.
     *
     * @return the number of lines read
     */
    public long read(long maxLines, LongConsumer progress, LineSink sink) throws IOException {
        requireDecodable();
        long lines = 0;
        long done = 0;
        for (Path file : files) {
            if (lines >= maxLines) {
                break;
            }
            try (Counting counted = new Counting(Files.newInputStream(file));
                 BufferedReader reader = checkedReader(file, counted)) {
                for (String line; lines < maxLines && (line = reader.readLine()) != null; ) {
                    lines++;
                    sink.line(line);
                    if ((lines & 1023) == 0) {
                        progress.accept(done + counted.count);
                    }
                }
                done += counted.count;
                progress.accept(done);
            }
        }
        return lines;
    }

    /** Bytes of each file's start (after gunzip) that {@link #requireDecodable} looks at. */
    private static final int PROBE = 1 << 16;

    /**
     * Refuses a folder among the files, and a table (a .tsv, .csv or .jsonl name), by name: its every line would be
     * read as one text, ids, labels and column names with it.
     */
    public void requireFiles() throws IOException {
        for (Path file : files) {
            if (Files.isDirectory(file)) throw new IOException(file + " is a directory; a corpus is files of text, one item a line");
            if (DataFormat.ofExtension(file) != null)
                throw new IOException(file + " is a table, but a corpus is plain text, one item a line, each read whole"
                        + " (ids and labels too); take its text column out first, e.g. tail -n +2 FILE | cut -f2 > texts.txt"
                        + " for NSMC's TSV");
        }
    }

    /**
     * Refuses a file whose start is mostly not valid in the encoding: a CP949 export read as UTF-8 with replacement
     * would turn into U+FFFD throughout without a word. It is refused when more than a tenth of the lines in its
     * first 64 KiB are broken; web text with a stray broken line passes (its bytes become U+FFFD). A pipe
     * ({@code /dev/stdin}, {@code <(zcat ...)}) can be read once only: it is checked as it is read instead.
     */
    public void requireDecodable() throws IOException {
        requireFiles();
        for (Path file : files) {
            if (!Files.isRegularFile(file)) continue;
            try (InputStream in = Files.newInputStream(file); InputStream data = TextFiles.gunzippedIfGzip(in, file)) {
                requireDecodable(file, data.readNBytes(PROBE));
            }
        }
    }

    private void requireDecodable(Path file, byte[] head) throws IOException {
        CharsetDecoder decoder = TextEncodings.strictDecoder(encoding);
        int lines = 0, broken = 0;
        ByteLines probe = new ByteLines(new ByteArrayInputStream(head));
        for (byte[] line = probe.next(); line != null; line = probe.next()) {
            lines++;
            if (!decodes(line, !probe.terminated() && head.length == PROBE, decoder)) broken++;
        }
        if (broken * 10 > lines)
            throw new IOException(file + ": " + broken + " of its first " + lines + " lines are "
                    + TextEncodings.notValidWithHint(encoding, head));
    }

    /** Whether the bytes decode; a line the probe cut off may end inside a character, whose bytes are left out. */
    private static boolean decodes(byte[] line, boolean cut, CharsetDecoder decoder) {
        for (int drop = 0; drop <= (cut ? Math.min(3, line.length) : 0); drop++)
            if (TextEncodings.decode(line, 0, line.length - drop, decoder) != null) return true;
        return false;
    }

    /** The file names, for messages. */
    @Override
    public String toString() {
        return String.join(", ", files.stream().map(Path::toString).toList());
    }

    /**
     * The lines of one of the files (gunzipped if gzip; bytes not valid in the encoding become U+FFFD), for
     * readers that keep state across lines. Check the files with {@link #requireDecodable} first.
     */
    public BufferedReader open(Path file) throws IOException {
        return checkedReader(file, Files.newInputStream(file));
    }

    /**
     * A reader of the file's lines; a pipe's start is checked ({@link #requireDecodable}) on this very stream, which
     * is the only one it gives.
     */
    private BufferedReader checkedReader(Path file, InputStream in) throws IOException {
        InputStream data = TextFiles.gunzippedIfGzip(in, file);
        if (!Files.isRegularFile(file)) {
            data = new java.io.BufferedInputStream(data, PROBE);
            data.mark(PROBE);
            requireDecodable(file, data.readNBytes(PROBE));
            data.reset();
        }
        return new BufferedReader(new InputStreamReader(data, encoding.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE)), 1 << 16);
    }

    /** NFC, with every run of whitespace (Unicode's, no-break spaces included) one space, trimmed. */
    public static String normalize(String line) {
        String nfc = WordPieceTokenizer.composed(line);
        StringBuilder sb = new StringBuilder(nfc.length());
        boolean space = false;
        for (int i = 0; i < nfc.length(); i++) {
            char c = nfc.charAt(i);
            if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                space = sb.length() > 0;
            } else {
                if (space) {
                    sb.append(' ');
                    space = false;
                }
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static final class Counting extends FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
