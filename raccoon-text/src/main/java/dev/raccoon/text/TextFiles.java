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

/** Opening a data file a user names: a directory is refused by name, and a gzip file is read gunzipped. */
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
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            in.mark(2);
            boolean gzip = in.read() == GZIP_MAGIC_1 && in.read() == GZIP_MAGIC_2;
            in.reset();
            return gzip ? gunzip(in, file) : in;
        } catch (IOException e) {
            in.close();
            throw e;
        }
    }

    /** {@code in} gunzipped; a truncated or corrupt gzip stream fails with an error naming {@code file}. */
    public static InputStream gunzip(InputStream in, Path file) throws IOException {
        try {
            return new Gunzipped(new GZIPInputStream(in, 1 << 16), file);
        } catch (EOFException | ZipException e) {
            throw broken(file, e);
        }
    }

    private static IOException broken(Path file, IOException e) {
        // GZIPInputStream's words for a file that does not start as gzip does: it is no gzip file at all.
        if ("Not in GZIP format".equals(e.getMessage()))
            return new IOException(file + ": not gzip data, though its name ends in .gz (rename it, or compress it with gzip)", e);
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
                throw broken(file, e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (EOFException | ZipException e) {
                throw broken(file, e);
            }
        }
    }
}
