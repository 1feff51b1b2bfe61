package dev.raccoon.text;

import java.io.IOException;
import java.util.List;

/**
 * How the lines of a TSV or CSV file make its records, shared by every reader of one (training and evaluation data,
 * {@code raccoon score}, the Spark job) so that they agree on which line is which row. TSV fields are split at tabs
 * only. CSV follows RFC 4180, so a quoted field may run over several lines. A stray quote costs its own line only:
 * when the field it opens never closes (within {@link #MAX_ROW_LINES} lines, before the end of the input or a line
 * the reader cannot take), closes in a later line with more text than spaces after the closing quote (a quote inside
 * a later review, not the end of a field), or closes in a later row that then does not fit the header, the record is
 * its first line alone and the lines after it are read again as rows. Within one line, text after a closing quote is
 * kept, as Python's csv and pandas keep it.
 *
 * <p>Only the ASCII bytes of line breaks, delimiters, quotes and spaces matter, so a byte reader may pass its lines
 * decoded as ISO-8859-1 in any encoding {@link TextEncodings#named} accepts.
 */
public final class CsvRecords {
    /** Lines one quoted field may run over; a quote open longer is taken for a stray one. */
    public static final int MAX_ROW_LINES = 1000;

    private CsvRecords() {}

    /** The lines after a record's first, without their line breaks; null at the end or where a record may not go on. */
    @FunctionalInterface
    public interface MoreLines {
        String next() throws IOException;
    }

    /** How a record's lines ended. */
    public enum Record {
        /** A row, of one or more lines. */
        ROW,
        /** A quote that never closes, or closes on a later line with text after it: the first line is a row of its own. */
        STRAY_QUOTE,
        /** A quoted field that closes in a later row which then does not fit the header: a stray quote too. */
        SWALLOWS_ROWS
    }

    /**
     * Reads the record that starts with line {@code first}, taking further lines from {@code more} while a quote is
     * open, and splits it into {@code fields}. Unless it is a {@link Record#ROW}, the caller reads the lines it took
     * from {@code more} again as rows of their own.
     *
     * @param columns the header's fields, or 0 for the header itself (no row to fit)
     */
    public static Record read(String first, MoreLines more, char delimiter, int columns, List<String> fields)
            throws IOException {
        StringBuilder row = new StringBuilder(first);
        int taken = 0;
        fields.clear();
        for (Split s = split(row, delimiter, first.length(), fields); s != Split.CLOSED;
             s = split(row, delimiter, first.length(), fields)) {
            if (s == Split.STRAY || taken == MAX_ROW_LINES) return Record.STRAY_QUOTE;
            String line = more.next();
            if (line == null) return Record.STRAY_QUOTE;
            taken++;
            row.append('\n').append(line);
            fields.clear();
        }
        return taken > 0 && columns > 0 && fields.size() != columns ? Record.SWALLOWS_ROWS : Record.ROW;
    }

    /** A split record: complete, with a quote still open, or with a quote closed past {@code strayFrom} before more text. */
    public enum Split { CLOSED, OPEN, STRAY }

    /** Splits one record into {@code fields} (added to them), {@link Split saying} how its quotes ended. */
    public static Split split(CharSequence s, char delimiter, int strayFrom, List<String> fields) {
        if (delimiter == '\t') {
            int start = 0;
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) == '\t') {
                    fields.add(s.subSequence(start, i).toString());
                    start = i + 1;
                }
            }
            fields.add(s.subSequence(start, s.length()).toString());
            return Split.CLOSED;
        }
        StringBuilder field = new StringBuilder();
        boolean quoted = false, stray = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                if (c != '"') {
                    field.append(c);
                } else if (i + 1 < s.length() && s.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else {
                    quoted = false;
                    stray |= i >= strayFrom && !endsField(s, i + 1, delimiter);
                }
            } else if (c == '"' && field.isEmpty()) {
                quoted = true;
            } else if (c == delimiter) {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return quoted ? Split.OPEN : stray ? Split.STRAY : Split.CLOSED;
    }

    /** Whether only spaces stand between {@code from} and the next delimiter or the end, as after a field's closing quote. */
    private static boolean endsField(CharSequence s, int from, char delimiter) {
        int i = from;
        while (i < s.length() && s.charAt(i) == ' ') i++;
        return i == s.length() || s.charAt(i) == delimiter;
    }
}
