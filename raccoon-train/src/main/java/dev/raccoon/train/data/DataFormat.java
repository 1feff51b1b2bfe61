package dev.raccoon.train.data;

import dev.raccoon.text.TextFiles;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * File formats of labelled data. Columns are found by header name (JSON: by key): the one named by the user,
 * else the first present of the format's candidates, which cover NSMC, reviews3 ({@code document}, {@code label}),
 * KorSTS ({@code sentence1}, {@code sentence2}, {@code score}) and the Korean hate-speech set
 * ({@code comments}, {@code hate}).
 */
public enum DataFormat {
    /** {@code id<TAB>document<TAB>label} with a header; quote characters are part of the text. */
    NSMC("nsmc", '\t', List.of("document"), List.of(), List.of("label")),
    /** Tab-separated with a header; no quoting. */
    TSV("tsv", '\t', Candidates.TEXT, Candidates.PAIR, Candidates.LABEL),
    /** Comma-separated with a header, RFC 4180 quoting (quoted fields may hold commas, "" and line breaks). */
    CSV("csv", ',', Candidates.TEXT, Candidates.PAIR, Candidates.LABEL),
    /** One JSON object per line, or one JSON array of objects. */
    JSONL("jsonl", '\0', Candidates.TEXT, Candidates.PAIR, Candidates.LABEL),
    /** The NSMC crawler's raw JSON ({@code review}, {@code rating} 1–10), as lines or an array; labels come from ratings. */
    NSMC_JSON("nsmc-json", '\0', List.of("review"), List.of(), List.of("rating"));

    private static final class Candidates {
        static final List<String> TEXT = TextFiles.TEXT_COLUMNS;
        static final List<String> PAIR = List.of("text_pair", "sentence2");
        static final List<String> LABEL = List.of("label", "hate", "score", "rating");
    }

    public final String cliName;
    final char delimiter;
    final List<String> textCandidates;
    final List<String> pairCandidates;
    final List<String> labelCandidates;

    DataFormat(String cliName, char delimiter, List<String> text, List<String> pair, List<String> label) {
        this.cliName = cliName;
        this.delimiter = delimiter;
        this.textCandidates = text;
        this.pairCandidates = pair;
        this.labelCandidates = label;
    }

    boolean isJson() { return delimiter == '\0'; }

    boolean labelsFromRatings() { return this == NSMC_JSON; }

    public static DataFormat named(String name) {
        for (DataFormat f : values()) if (f.cliName.equalsIgnoreCase(name)) return f;
        throw new IllegalArgumentException("unknown data format '" + name + "'; expected one of nsmc, tsv, csv, jsonl, nsmc-json");
    }

    /** The format a file name suggests: {@link #ofExtension}, otherwise TSV. */
    public static DataFormat guess(Path file) {
        DataFormat named = ofExtension(file);
        return named != null ? named : TSV;
    }

    /** The table format a file's extension names (.tsv, .csv, .jsonl/.ndjson, .json for NSMC's crawl; a .gz after it counts not), or null. */
    public static DataFormat ofExtension(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gz")) name = name.substring(0, name.length() - ".gz".length());
        if (name.endsWith(".tsv")) return TSV;
        if (name.endsWith(".csv")) return CSV;
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return JSONL;
        if (name.endsWith(".json")) return NSMC_JSON;
        return null;
    }
}
