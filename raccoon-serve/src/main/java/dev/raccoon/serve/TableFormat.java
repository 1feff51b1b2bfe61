package dev.raccoon.serve;

import dev.raccoon.text.CsvRecords;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The row formats of batch scoring: tab-separated (no quoting), RFC 4180 CSV, and JSON lines. */
public enum TableFormat {
    TSV, CSV, JSONL;

    /**
     * By extension: .tsv/.txt (NSMC's ratings files are TSV), .csv, .jsonl/.ndjson/.json, each perhaps gzipped
     * (.tsv.gz); null if none fits.
     */
    public static TableFormat byExtension(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (gzipped(file)) name = name.substring(0, name.length() - 3);
        if (name.endsWith(".tsv") || name.endsWith(".txt")) return TSV;
        if (name.endsWith(".csv")) return CSV;
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) return JSONL;
        return null;
    }

    /** Whether the name says gzip (.gz): what a plain-text output must not be called. */
    public static boolean gzipped(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
    }

    public static TableFormat parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown format '" + s + "'; use tsv, csv or jsonl");
        }
    }

    public boolean tabular() {
        return this != JSONL;
    }

    /**
     * The fields of one TSV or CSV record, split as {@link CsvRecords} splits them; throws IllegalArgumentException
     * for a broken CSV quote (one that a {@link RecordReader} record holds only as a stray quote's line).
     */
    public List<String> split(String record) {
        List<String> fields = new ArrayList<>();
        int firstLineEnd = record.indexOf('\n');
        CsvRecords.Split split = CsvRecords.split(record, this == TSV ? '\t' : ',',
                firstLineEnd < 0 ? record.length() : firstLineEnd, fields);
        if (split == CsvRecords.Split.OPEN) throw new IllegalArgumentException("a quoted field is not closed");
        if (split == CsvRecords.Split.STRAY) throw new IllegalArgumentException("text after a closing quote on a later line");
        return fields;
    }

    /** One TSV or CSV record, without the line break. TSV has no quoting, so tabs and line breaks become spaces. */
    public String join(List<String> fields) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) s.append(this == TSV ? '\t' : ',');
            String f = fields.get(i) == null ? "" : fields.get(i);
            if (this == TSV) {
                s.append(f.replace('\t', ' ').replace('\r', ' ').replace('\n', ' '));
            } else if (f.indexOf(',') >= 0 || f.indexOf('"') >= 0 || f.indexOf('\n') >= 0 || f.indexOf('\r') >= 0) {
                s.append('"').append(f.replace("\"", "\"\"")).append('"');
            } else {
                s.append(f);
            }
        }
        return s.toString();
    }
}
