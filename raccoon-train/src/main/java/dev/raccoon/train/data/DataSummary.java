package dev.raccoon.train.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What a reader did with a file: rows read, rows used, and rows skipped by reason with their first line numbers. */
public final class DataSummary {
    /** Why a row was not used. */
    public enum Reason {
        BLANK_LINE("blank line"),
        UNDECODABLE("undecodable text"),
        WRONG_COLUMNS("wrong number of columns"),
        BAD_QUOTING("unterminated quote"),
        BAD_JSON("not valid JSON or not an object"),
        MISSING_FIELD("missing field"),
        NOT_A_VALUE("field not a value"),
        EMPTY_TEXT("empty text"),
        UNKNOWN_LABEL("unknown label"),
        BAD_SCORE("bad score"),
        BAD_RATING("bad rating"),
        NEUTRAL_SKIPPED("neutral skipped");

        public final String description;

        Reason(String description) {
            this.description = description;
        }
    }

    /** Line numbers kept per reason, so a summary stays short for large files. */
    public static final int LINES_KEPT = 5;

    private final String source;
    private long read;
    private long used;
    private final Map<Reason, Long> counts = new EnumMap<>(Reason.class);
    private final Map<Reason, List<Long>> lines = new EnumMap<>(Reason.class);
    private final Map<Reason, String> firstDetail = new EnumMap<>(Reason.class);

    public DataSummary(String source) {
        this.source = source;
    }

    void used() {
        read++;
        used++;
    }

    void skip(Reason reason, long line, String detail) {
        read++;
        counts.merge(reason, 1L, Long::sum);
        List<Long> kept = lines.computeIfAbsent(reason, r -> new ArrayList<>());
        if (kept.size() < LINES_KEPT) kept.add(line);
        if (detail != null) firstDetail.putIfAbsent(reason, "line " + line + ": " + detail);
    }

    public long rowsRead() { return read; }

    public long rowsUsed() { return used; }

    public long rowsSkipped() { return read - used; }

    /** Skipped rows per reason, in the order of {@link Reason}. */
    public Map<Reason, Long> skipped() { return Collections.unmodifiableMap(counts); }

    /** The first {@link #LINES_KEPT} line numbers of rows skipped for a reason. */
    public List<Long> lines(Reason reason) { return List.copyOf(lines.getOrDefault(reason, List.of())); }

    /** The message of the first row skipped for a reason, or null. */
    public String firstDetail(Reason reason) { return firstDetail.get(reason); }

    /**
     * Refuses data most of whose rows could not be used (a wrong --encoding, --format or column): what was read of
     * it would pass for the file, in a figure or a model.
     *
     * @throws IllegalArgumentException naming the source and how many rows were skipped
     */
    public void requireMostRowsUsed() {
        if (used == 0) throw new IllegalArgumentException(source + " has no usable rows");
        if (rowsSkipped() > used)
            throw new IllegalArgumentException("most rows of " + source + " could not be used (" + rowsSkipped() + " of "
                    + read + ", reasons above), so what was read would not stand for the file; check --encoding, --format"
                    + " and the columns");
    }

    /**
     * Null, or why the rows do not fit the label names: rows whose label is none of them (by name or id). One such
     * row, or fewer than 1 % of the rows, are strays to skip and count; more mean data for other labels (three
     * classes read with two names).
     */
    public String labelMismatch(List<String> names) {
        long n = counts.getOrDefault(Reason.UNKNOWN_LABEL, 0L);
        if (n < 2 || n * 100 < read) return null;
        return String.format(Locale.ROOT, "%s: %,d rows have a label that is not one of %s (%s)", source, n, names,
                firstDetail.get(Reason.UNKNOWN_LABEL));
    }

    /** E.g. {@code nsmc.tsv: 10,003 rows read, 10,000 used, 3 skipped: empty text (2 rows, lines 5, 9), ...}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%s: %,d %s read, %,d used, %,d skipped",
                source, read, read == 1 ? "row" : "rows", used, read - used));
        String sep = ": ";
        for (Map.Entry<Reason, Long> e : counts.entrySet()) {
            List<Long> kept = lines.get(e.getKey());
            String detail = firstDetail.get(e.getKey());
            // the count as "N rows" inside the parentheses: after the reason a bare number read as part of it ("unknown label 37")
            s.append(sep).append(e.getKey().description).append(String.format(Locale.ROOT, " (%,d %s, ", e.getValue(),
                    e.getValue() == 1 ? "row" : "rows"));
            if (kept.size() > 1 || detail == null) {
                s.append(kept.size() == 1 ? "line " : "lines ");
                for (int i = 0; i < kept.size(); i++) s.append(i == 0 ? "" : ", ").append(kept.get(i));
                if (e.getValue() > kept.size()) s.append(", ...");
                if (detail != null) s.append("; ");
            }
            if (detail != null) s.append(detail);
            s.append(')');
            sep = ", ";
        }
        return s.toString();
    }
}
