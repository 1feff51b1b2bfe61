package dev.raccoon.text;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Opening a data file or corpus a user names: a directory is refused by name, and gzip data is read gunzipped, known by
 * its first two bytes whatever the file's name.
 */
public final class TextFiles {
    private static final int GZIP_MAGIC_1 = 0x1f, GZIP_MAGIC_2 = 0x8b;

    private TextFiles() {}

    /**
     * The names a table's text column goes by, tried in this order when none is named: NSMC's files call it
     * document, KorSTS's sentence1, the Korean hate-speech set's comments.
     */
    public static final List<String> TEXT_COLUMNS = List.of("text", "document", "review", "sentence", "sentence1", "comments", "content");

    /** The file's bytes, gunzipped when its first two bytes are gzip's (whatever its name). */
    public static InputStream open(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new IOException(file + " is a directory, not a data file");
        InputStream in = Files.newInputStream(file);
        try {
            return gunzippedIfGzip(in, file);
        } catch (IOException e) {
            in.close();
            throw e;
        }
    }

    /**
     * {@code in}, buffered, gunzipped when its first two bytes are gzip's; read from its start, which may be a pipe's
     * (only what it reads is looked at). A truncated or corrupt gzip stream fails with an error naming {@code file}.
     */
    public static InputStream gunzippedIfGzip(InputStream in, Path file) throws IOException {
        InputStream buffered = new BufferedInputStream(in, 1 << 16);
        buffered.mark(2);
        boolean gzip = startsAsGzip(buffered);
        buffered.reset();
        if (!gzip) return buffered;
        try {
            return new Gunzipped(new GZIPInputStream(buffered, 1 << 16), file);
        } catch (EOFException | ZipException e) {
            throw notCompleteGzip(file, e);
        }
    }

    /** Whether a regular file starts as gzip data (whatever its name). */
    public static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return startsAsGzip(in);
        }
    }

    private static boolean startsAsGzip(InputStream in) throws IOException {
        return startsAsGzip(in.readNBytes(2));
    }

    /** Whether data starting with {@code start} is gzip's. */
    public static boolean startsAsGzip(byte[] start) {
        return start.length >= 2 && (start[0] & 0xFF) == GZIP_MAGIC_1 && (start[1] & 0xFF) == GZIP_MAGIC_2;
    }

    /** The error for gzip data of {@code file} (a name or path of any filesystem) that fails to gunzip with {@code e}. */
    public static IOException notCompleteGzip(Object file, IOException e) {
        return new IOException(file + ": not a complete gzip file (" + e.getMessage() + ")", e);
    }

    /** A truncated or corrupt gzip file fails where it is read, deep in a reader: the error names the file. */
    private static final class Gunzipped extends FilterInputStream {
        private final Path file;

        Gunzipped(InputStream in, Path file) {
            super(in);
            this.file = file;
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (EOFException | ZipException e) {
                throw notCompleteGzip(file, e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (EOFException | ZipException e) {
                throw notCompleteGzip(file, e);
            }
        }
    }
}
