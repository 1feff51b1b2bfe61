package dev.raccoon.train.data;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * TSV and CSV with a header line. TSV fields are split at tabs only: NSMC's documents keep their quote
 * characters as written. CSV follows RFC 4180, so a quoted field may run over several lines; a row is
 * reported at the line where it starts. A stray quote costs its own line only: when the field it opens never
 * closes, closes in a later line with more text than spaces after the closing quote (a quote inside a later review,
 * not the end of a field), or closes in a later row that then does not fit the header, the lines after it are read again as rows.
 * Within one line, text after a closing quote is kept, as Python's csv and pandas keep it.
 */
final class DelimitedReader extends ExampleReader {
    /** Lines one quoted field may run over; a quote open longer is taken for a stray one. */
    static final int MAX_ROW_LINES = 1000;
    private final LineReader lines;
    private final char delimiter;
    private final int columnCount;
    private final int text;
    private final int pair;
    private final int label;

    DelimitedReader(InputStream in, String source, DataSpec spec) throws IOException {
        super(spec, source);
        this.lines = new LineReader(in, spec.encoding());
        this.delimiter = spec.format().delimiter;
        if (!lines.next()) throw new IOException(source + " is empty; expected a header line");
        if (lines.text() == null) throw new IOException(source + " line 1 (the header) is " + spec.undecodable());
        if (lines.text().isBlank()) throw new IOException(source + " line 1 (the header) is empty; expected the column names");
        List<String> header = new ArrayList<>();
        if (split(lines.text(), header, Integer.MAX_VALUE) == Split.OPEN) throw new IOException(source + " line 1 (the header) has an unterminated quote");
        DataSpec.Columns columns = spec.resolve(header, source);
        this.columnCount = header.size();
        this.text = header.indexOf(columns.text());
        this.pair = columns.pair() == null ? -1 : header.indexOf(columns.pair());
        this.label = header.indexOf(columns.label());
    }

    @Override
    public Example next() throws IOException {
        List<String> fields = new ArrayList<>(columnCount);
        List<String> further = new ArrayList<>();
        for (String line = nextUsableLine(lines); line != null; line = nextUsableLine(lines)) {
            long number = lines.number();
            fields.clear();
            further.clear();
            boolean closed = splitRow(line, fields, further);
            if (!closed || (!further.isEmpty() && fields.size() != columnCount)) {
                // A quote that never closes, or closes only in a later row that it swallows, is this line's fault:
                // the lines read after it are rows of their own, read again rather than lost.
                skip(DataSummary.Reason.BAD_QUOTING, number, closed ? "its quoted field runs over " + further.size()
                        + " more lines into a row that does not fit the header" : null);
                lines.replay(further, number + 1);
                continue;
            }
            if (fields.size() != columnCount) {
                skip(DataSummary.Reason.WRONG_COLUMNS, number, fields.size() + " columns, the header has " + columnCount);
                continue;
            }
            Example e = build(number, fields.get(text), pair < 0 ? null : fields.get(pair), fields.get(label));
            if (e != null) return e;
        }
        return null;
    }

    /**
     * Splits a row, reading further lines (kept in {@code further}) while a CSV quote is open; false when it does not
     * close within {@link #MAX_ROW_LINES} lines, before the end, or before a line that is not valid in the encoding,
     * or when it closes in a further line with text after the quote.
     */
    private boolean splitRow(String first, List<String> fields, List<String> further) throws IOException {
        StringBuilder row = new StringBuilder(first);
        for (Split s = split(row, fields, first.length()); s != Split.CLOSED; s = split(row, fields, first.length())) {
            if (s == Split.STRAY) return false;
            if (further.size() == MAX_ROW_LINES || !lines.next()) return false;
            further.add(lines.text());
            if (lines.text() == null) return false;
            row.append('\n').append(lines.text());
            fields.clear();
        }
        return true;
    }

    /** A split record: complete, with a quote still open, or with a quote closed past {@code strayFrom} before more text. */
    private enum Split { CLOSED, OPEN, STRAY }

    /** Splits one record into fields, {@link Split saying} how its quotes ended. */
    private Split split(CharSequence s, List<String> fields, int strayFrom) {
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
                    stray |= i >= strayFrom && !endsField(s, i + 1);
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
    private boolean endsField(CharSequence s, int from) {
        int i = from;
        while (i < s.length() && s.charAt(i) == ' ') i++;
        return i == s.length() || s.charAt(i) == delimiter;
    }

    @Override
    public long bytesRead() { return lines.bytesRead(); }

    @Override
    public void close() throws IOException {
        lines.close();
    }
}
