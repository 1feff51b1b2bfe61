package dev.raccoon.train.lexicon;

import dev.raccoon.text.WordPieceTokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A sentiment lexicon in the KNU format ({@code word<TAB>polarity}, polarity −2…2, UTF-8, CRLF or LF).
 * Entries may hold several words; whitespace inside them is normalised to single spaces. A word listed twice
 * gets the mean of its polarities (KNU lists 적극적이다 as both −1 and 1, so it counts as 0).
 */
public final class KnuLexicon {
    private final Map<String, Double> polarity;
    private final int longest;

    private KnuLexicon(Map<String, Double> polarity) {
        this.polarity = Map.copyOf(polarity);
        this.longest = polarity.keySet().stream().mapToInt(String::length).max().orElse(0);
    }

    public static KnuLexicon of(Map<String, ? extends Number> entries) {
        Map<String, Double> polarity = new HashMap<>();
        entries.forEach((word, p) -> polarity.put(normalize(word), p.doubleValue()));
        return new KnuLexicon(polarity);
    }

    /** Reads a lexicon file; a malformed line is an error naming it, since a lexicon is small and hand-made. */
    public static KnuLexicon load(Path file) throws IOException {
        List<String> lines;
        try {
            lines = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString().lines().toList();
        } catch (CharacterCodingException e) {
            throw new IOException(file + " is not valid UTF-8", e);
        }
        Map<String, double[]> sums = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) continue;
            // The word ends at the last tab; KNU has a line with a space instead ("갈등 -1"), so fall back to that.
            int cut = line.lastIndexOf('\t');
            if (cut < 0) cut = line.lastIndexOf(' ');
            int p;
            try {
                p = cut <= 0 ? Integer.MIN_VALUE : Integer.parseInt(line.substring(cut + 1).strip());
            } catch (NumberFormatException e) {
                p = Integer.MIN_VALUE;
            }
            if (p < -2 || p > 2)
                throw new IOException(file + " line " + (i + 1) + ": expected word<TAB>polarity with polarity -2 to 2, got '" + line + "'");
            double[] sum = sums.computeIfAbsent(normalize(line.substring(0, cut)), w -> new double[2]);
            sum[0] += p;
            sum[1]++;
        }
        if (sums.isEmpty()) throw new IOException(file + " holds no lexicon entries");
        Map<String, Double> polarity = new HashMap<>();
        sums.forEach((word, s) -> polarity.put(word, s[0] / s[1]));
        return new KnuLexicon(polarity);
    }

    /**
     * Composes Hangul to NFC (a review pasted from macOS arrives decomposed and would match nothing), collapses
     * whitespace runs to one space and strips the ends, as entries and texts are matched.
     */
    static String normalize(String s) {
        return String.join(" ", WordPieceTokenizer.composed(s).strip().split("\\s+"));
    }

    public int size() { return polarity.size(); }

    /** The polarity of an entry, or null when it is not in the lexicon. */
    public Double polarity(String entry) { return polarity.get(normalize(entry)); }

    /** Length of the longest entry that starts at {@code start} of a normalised text with at least {@code minLength} characters, or 0. */
    int longestMatch(String text, int start, int minLength) {
        for (int length = Math.min(longest, text.length() - start); length >= Math.max(1, minLength); length--)
            if (polarity.containsKey(text.substring(start, start + length))) return length;
        return 0;
    }

    double polarityOf(String normalizedEntry) { return polarity.get(normalizedEntry); }
}
