package dev.raccoon.train.data;

import dev.raccoon.text.CsvRecords;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * TSV and CSV with a header line, split into records as {@link CsvRecords} says (as score and the Spark job split
 * them): TSV fields at tabs only, so NSMC's documents keep their quote characters as written; a CSV row is reported at
 * the line where it starts, and a stray quote costs its own line only.
 */
final class DelimitedReader extends ExampleReader {
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
        if (lines.text() == null) throw new IOException(source + " line 1 (the header) is " + spec.undecodable(lines.head()));
        if (lines.text().isBlank()) throw new IOException(source + " line 1 (the header) is empty; expected the column names");
        List<String> header = new ArrayList<>();
        if (CsvRecords.split(lines.text(), delimiter, Integer.MAX_VALUE, header) == CsvRecords.Split.OPEN)
            throw new IOException(source + " line 1 (the header) has an unterminated quote");
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
        CsvRecords.MoreLines more = () -> {
            if (!lines.next()) return null;
            further.add(lines.text()); // null for a line not valid in the encoding, where a record may not go on
            return lines.text();
        };
        for (String line = nextUsableLine(lines); line != null; line = nextUsableLine(lines)) {
            long number = lines.number();
            further.clear();
            CsvRecords.Record record = CsvRecords.read(line, more, delimiter, columnCount, fields);
            if (record != CsvRecords.Record.ROW) {
                // A quote that never closes, or closes only in a later row that it swallows, is this line's fault:
                // the lines read after it are rows of their own, read again rather than lost.
                skip(DataSummary.Reason.BAD_QUOTING, number, record == CsvRecords.Record.SWALLOWS_ROWS
                        ? "its quoted field runs over " + further.size() + " more lines into a row that does not fit the header" : null);
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

    @Override
    public long bytesRead() { return lines.bytesRead(); }

    @Override
    public void close() throws IOException {
        lines.close();
    }
}
