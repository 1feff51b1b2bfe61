package dev.raccoon.serve;

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

    /** The fields of one TSV or CSV record; throws IllegalArgumentException for a broken CSV quote. */
    public List<String> split(String record) {
        List<String> fields = new ArrayList<>();
        if (this == TSV) {
            int from = 0;
            for (int i = record.indexOf('\t'); i >= 0; i = record.indexOf('\t', from)) {
                fields.add(record.substring(from, i));
                from = i + 1;
            }
            fields.add(record.substring(from));
            return fields;
        }
        StringBuilder field = new StringBuilder();
        int i = 0, n = record.length();
        while (true) {
            if (i < n && record.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) throw new IllegalArgumentException("a quoted field is not closed");
                    char c = record.charAt(i++);
                    if (c == '"') {
                        if (i < n && record.charAt(i) == '"') {
                            field.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        field.append(c);
                    }
                }
                // "인용"뒤 텍스트 on one line is kept whole, as Python's csv and the training reader keep it; after a
                // field over several lines it is a stray quote's doing, which the reader reads again line by line
                int rest = i;
                while (i < n && record.charAt(i) != ',') i++;
                if (field.indexOf("\n") >= 0 && !record.substring(rest, i).isBlank())
                    throw new IllegalArgumentException("text after a closing quote at character " + (rest + 1));
                field.append(record, rest, i);
            } else {
                while (i < n && record.charAt(i) != ',') field.append(record.charAt(i++));
            }
            fields.add(field.toString());
            field.setLength(0);
            if (i >= n) return fields;
            i++; // the comma
        }
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
