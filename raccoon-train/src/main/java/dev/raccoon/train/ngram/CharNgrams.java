package dev.raccoon.train.ngram;

import dev.raccoon.text.WordPieceTokenizer;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * TF-IDF features of character n-grams, as scikit-learn's {@code TfidfVectorizer(analyzer="char",
 * sublinear_tf=True)} computes them: the text lower-cased and its whitespace runs collapsed to one space; every
 * substring of {@code minN..maxN} characters (code points) a feature when at least {@code minDf} training texts hold
 * it; value {@code (1 + ln tf) × idf}, {@code idf = ln((1 + N) / (1 + df)) + 1}; each text's vector of unit length.
 * Korean sentiment hangs on stems and endings inside eojeol, which character n-grams see without a morpheme analyser.
 */
public final class CharNgrams {
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    /** A sparse unit vector: feature indices ascending, with their values. */
    public record Vector(int[] indices, float[] values) {}

    private final int minN;
    private final int maxN;
    private final String[] ngrams;
    private final Map<String, Integer> index;
    private final float[] idf;

    private CharNgrams(int minN, int maxN, List<String> ngrams, float[] idf) {
        this.minN = minN;
        this.maxN = maxN;
        this.idf = idf;
        this.ngrams = ngrams.toArray(String[]::new);
        this.index = HashMap.newHashMap(ngrams.size());
        for (int i = 0; i < ngrams.size(); i++)
            if (index.put(ngrams.get(i), i) != null) throw new IllegalArgumentException("n-gram listed twice: '" + ngrams.get(i) + "'");
    }

    public static CharNgrams fit(List<String> texts, int minN, int maxN, int minDf) {
        if (minN < 1 || maxN < minN) throw new IllegalArgumentException("n-gram lengths need 1 ≤ min ≤ max, got " + minN + ".." + maxN);
        if (minDf < 1) throw new IllegalArgumentException("the minimum document frequency must be at least 1, got " + minDf);
        Map<String, int[]> df = new HashMap<>();
        for (String text : texts)
            for (String g : distinct(normalize(text), minN, maxN)) df.computeIfAbsent(g, k -> new int[1])[0]++;
        List<String> kept = new ArrayList<>();
        df.forEach((g, count) -> { if (count[0] >= minDf) kept.add(g); });
        kept.sort(null);
        float[] idf = new float[kept.size()];
        for (int i = 0; i < idf.length; i++)
            idf[i] = (float) (Math.log((1.0 + texts.size()) / (1.0 + df.get(kept.get(i))[0])) + 1);
        return new CharNgrams(minN, maxN, kept, idf);
    }

    public int size() { return idf.length; }

    public int minN() { return minN; }

    public int maxN() { return maxN; }

    String ngram(int feature) { return ngrams[feature]; }

    public Vector transform(String text) {
        Map<Integer, int[]> counts = new HashMap<>();
        forEachNgram(normalize(text), minN, maxN, g -> {
            Integer i = index.get(g);
            if (i != null) counts.computeIfAbsent(i, k -> new int[1])[0]++;
        });
        int[] indices = new int[counts.size()];
        int k = 0;
        for (int i : counts.keySet()) indices[k++] = i;
        Arrays.sort(indices);
        float[] values = new float[indices.length];
        double norm = 0;
        for (int j = 0; j < indices.length; j++) {
            double v = (1 + Math.log(counts.get(indices[j])[0])) * idf[indices[j]];
            values[j] = (float) v;
            norm += v * v;
        }
        float scale = norm > 0 ? (float) (1 / Math.sqrt(norm)) : 0;
        for (int j = 0; j < values.length; j++) values[j] *= scale;
        return new Vector(indices, values);
    }

    /** Composed (NFC, as the tokenizer reads text: macOS pastes Hangul as jamo), lower-cased, spaces folded. */
    static String normalize(String text) {
        return WHITESPACE.matcher(WordPieceTokenizer.composed(text).toLowerCase(Locale.ROOT)).replaceAll(" ");
    }

    private static Set<String> distinct(String text, int minN, int maxN) {
        Set<String> grams = new HashSet<>();
        forEachNgram(text, minN, maxN, grams::add);
        return grams;
    }

    private static void forEachNgram(String text, int minN, int maxN, java.util.function.Consumer<String> action) {
        int[] cps = text.codePoints().toArray();
        for (int n = minN; n <= maxN; n++)
            for (int start = 0; start + n <= cps.length; start++) action.accept(new String(cps, start, n));
    }

    /** One n-gram and its idf a line, tab-separated, in feature order (n-grams hold no tabs or line breaks). */
    void write(Path file) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < ngrams.length; i++) {
                w.write(ngrams[i]);
                w.write('\t');
                w.write(Float.toString(idf[i]));
                w.write('\n');
            }
        }
    }

    static CharNgrams read(Path file, int minN, int maxN) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<String> ngrams = new ArrayList<>(lines.size());
        float[] idf = new float[lines.size()];
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int tab = line.lastIndexOf('\t');
            String g = tab < 0 ? "" : line.substring(0, tab);
            int length = g.codePointCount(0, g.length());
            try {
                idf[i] = tab < 0 ? Float.NaN : Float.parseFloat(line.substring(tab + 1));
            } catch (NumberFormatException e) {
                idf[i] = Float.NaN;
            }
            if (!(idf[i] >= 1) || length < minN || length > maxN || !Float.isFinite(idf[i]))
                throw new IOException(file + " line " + (i + 1) + ": expected an n-gram of " + minN + ".." + maxN
                        + " characters, a tab and its idf (≥ 1), got '" + line + "'");
            ngrams.add(g);
        }
        try {
            return new CharNgrams(minN, maxN, ngrams, idf);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
    }
}
