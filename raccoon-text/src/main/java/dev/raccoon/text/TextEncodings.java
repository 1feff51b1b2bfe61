package dev.raccoon.text;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;

/**
 * The character encodings data files may come in. UTF-8 is the default; Korean spreadsheets are often CP949 (what
 * Excel on Korean Windows saves) or EUC-KR. Readers split lines and fields on bytes before decoding, so only encodings
 * that write line breaks, tabs, commas and quotes as ASCII bytes will do (UTF-16 and UTF-32 do not).
 */
public final class TextEncodings {
    private TextEncodings() {}

    private static final String STRUCTURE = "\n\r\t,\" ";

    /**
     * The named encoding, or an IllegalArgumentException saying why it cannot be used. "CP949" means Windows' code
     * page 949 (Unified Hangul Code), as users mean it: Java's alias of that name is IBM's 949, which lacks most of the
     * 8,822 syllables UHC adds to EUC-KR.
     */
    public static Charset named(String name) {
        Charset charset;
        String n = name.strip().toLowerCase(Locale.ROOT);
        try {
            charset = Charset.forName(n.equals("cp949") || n.equals("uhc") ? "x-windows-949" : n);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            throw new IllegalArgumentException("unknown encoding '" + name + "' (e.g. UTF-8, CP949, EUC-KR)");
        }
        if (!charset.canEncode() || !Arrays.equals(STRUCTURE.getBytes(charset), STRUCTURE.getBytes(StandardCharsets.US_ASCII)))
            throw new IllegalArgumentException("encoding " + charset.name() + " does not write line breaks, tabs, commas "
                    + "and quotes as single ASCII bytes; convert the file to UTF-8 (e.g. iconv -f " + charset.name() + " -t UTF-8)");
        // Every byte is some character in Latin-1 and its kin, so a Korean file read as one would go through as
        // nonsense without a single error.
        if (!charset.newEncoder().canEncode("한글"))
            throw new IllegalArgumentException("encoding " + charset.name() + " has no Hangul, so Korean text read in it would be"
                    + " nonsense; Korean files are UTF-8, CP949 or EUC-KR");
        return charset;
    }

    /** A decoder that reports bytes not valid in {@code charset} instead of replacing them; one per thread. */
    public static CharsetDecoder strictDecoder(Charset charset) {
        return charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    /** Strict decoding: the text, or null when the bytes are not valid in {@code charset}. */
    public static String decode(byte[] bytes, int offset, int length, Charset charset) {
        return decode(bytes, offset, length, strictDecoder(charset));
    }

    /** The same with a {@link #strictDecoder} kept by a caller that decodes line after line. */
    public static String decode(byte[] bytes, int offset, int length, CharsetDecoder decoder) {
        try {
            return decoder.reset().decode(ByteBuffer.wrap(bytes, offset, length)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** {@code text} without the byte-order mark that Windows editors and Excel's "CSV UTF-8" put before a file's first line. */
    public static String withoutByteOrderMark(String text) {
        return text != null && text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    /** What to say of text that did not decode, e.g. "not valid UTF-8". */
    public static String notValid(Charset charset) {
        return "not valid " + label(charset);
    }

    /** The encoding's name as a user gives it: CP949 for the charset Java calls x-windows-949. */
    public static String label(Charset charset) {
        return charset.name().equals("x-windows-949") ? "CP949" : charset.name();
    }

    /** For UTF-8, where a Korean file's undecodable bytes most likely come from and what to do; else "". */
    public static String hint(Charset charset) {
        return charset.equals(StandardCharsets.UTF_8) ? "a file saved by Excel on Korean Windows is CP949: pass --encoding cp949" : "";
    }

    /** {@link #notValid} followed by the {@link #hint}, if there is one. */
    public static String notValidWithHint(Charset charset) {
        return notValidWithHint(charset, new byte[0]);
    }

    /**
     * {@link #notValidWithHint(Charset)} for a file whose first bytes are {@code start}: data that is no text in
     * any Korean encoding (gzip data still after gunzipping, UTF-16 as Notepad saves "Unicode", a binary) is named for
     * what it is, since passing another encoding would fail again.
     */
    public static String notValidWithHint(Charset charset, byte[] start) {
        String hint = noText(start);
        if (hint == null) hint = hint(charset);
        return notValid(charset) + (hint.isEmpty() ? "" : "; " + hint);
    }

    /**
     * What data starting with {@code start} is, and what to do, when it is no text in any encoding {@link #named}
     * accepts, so that reading it line by line is no use; null when it may be text.
     */
    public static String noText(byte[] start) {
        return TextFiles.startsAsGzip(start)
                ? "it is gzipped twice: gunzip it once"
                : start.length >= 2 && ((start[0] & 0xFF) == 0xFF && (start[1] & 0xFF) == 0xFE || (start[0] & 0xFF) == 0xFE && (start[1] & 0xFF) == 0xFF)
                ? "it is UTF-16 (what Notepad calls Unicode): save it as UTF-8"
                : holdsNul(start) ? "it holds NUL bytes, so it is no text file" : null;
    }

    /**
     * Refuses a header whose names hold NUL characters: UTF-16 without a byte-order mark (or a binary) read as UTF-8,
     * whose columns would otherwise be listed garbled as missing ones.
     */
    public static void requireTextHeader(Collection<String> header, Object source) throws IOException {
        for (String name : header)
            if (name.indexOf('\0') >= 0)
                throw new IOException(source + ": its header holds NUL characters, as a file saved as UTF-16 without a"
                        + " byte-order mark does: save it as UTF-8");
    }

    private static boolean holdsNul(byte[] bytes) {
        for (byte b : bytes) if (b == 0) return true;
        return false;
    }
}
