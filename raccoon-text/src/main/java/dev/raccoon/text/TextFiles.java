package dev.raccoon.text;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Opening a data file a user names: a directory is refused by name, and a gzip file is read gunzipped. */
public final class TextFiles {
    private static final int GZIP_MAGIC_1 = 0x1f, GZIP_MAGIC_2 = 0x8b;

    private TextFiles() {}

    /** The file's bytes, gunzipped when its first two bytes are gzip's (whatever its name). */
    public static InputStream open(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new IOException(file + " is a directory, not a data file");
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            in.mark(2);
            boolean gzip = in.read() == GZIP_MAGIC_1 && in.read() == GZIP_MAGIC_2;
            in.reset();
            return gzip ? new GZIPInputStream(in, 1 << 16) : in;
        } catch (IOException e) {
            in.close();
            throw new IOException(file + ": not a complete gzip file (" + e.getMessage() + ")", e);
        }
    }
}
