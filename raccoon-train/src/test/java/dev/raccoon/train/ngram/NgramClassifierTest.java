package dev.raccoon.train.ngram;

import dev.raccoon.train.data.Example;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class NgramClassifierTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
    private static final List<String> LABELS = List.of("negative", "neutral", "positive");

    private static Map<String, Float> named(CharNgrams features, CharNgrams.Vector v) {
        Map<String, Float> m = new HashMap<>();
        for (int j = 0; j < v.indices().length; j++) m.put(features.ngram(v.indices()[j]), v.values()[j]);
        return m;
    }

    /**
     * Expected values from scikit-learn 1.9.1: {@code TfidfVectorizer(analyzer="char", ngram_range=(1, 2),
     * sublinear_tf=True, min_df=2)} fitted on the four texts below.
     */
    @Test
    void featuresAreScikitLearnsTfidfOfCharacterNgrams() {
        List<String> texts = List.of("좋아요 좋아", "싫어요", "Good  good 좋아", "별로 싫어");
        CharNgrams f = CharNgrams.fit(texts, 1, 2, 2);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < f.size(); i++) names.add(f.ngram(i));
        assertThat(names).containsExactly(" ", " 좋", "싫", "싫어", "아", "어", "요", "좋", "좋아");

        assertThat(named(f, f.transform(texts.get(0)))).hasSize(6)
                .hasEntrySatisfying(" ", v -> assertThat(v).isCloseTo(0.2413111f, within(1e-6f)))
                .hasEntrySatisfying(" 좋", v -> assertThat(v).isCloseTo(0.2980673f, within(1e-6f)))
                .hasEntrySatisfying("아", v -> assertThat(v).isCloseTo(0.5046718f, within(1e-6f)))
                .hasEntrySatisfying("요", v -> assertThat(v).isCloseTo(0.2980673f, within(1e-6f)))
                .hasEntrySatisfying("좋", v -> assertThat(v).isCloseTo(0.5046718f, within(1e-6f)))
                .hasEntrySatisfying("좋아", v -> assertThat(v).isCloseTo(0.5046718f, within(1e-6f)));
        // Hangul decomposed into jamo (as macOS pastes it) reads as the syllables
        assertThat(f.transform(java.text.Normalizer.normalize(texts.get(0), java.text.Normalizer.Form.NFD)))
                .usingRecursiveComparison().isEqualTo(f.transform(texts.get(0)));
        // Lower-cased, the double space collapsed: two spaces in "good good 좋아".
        assertThat(named(f, f.transform(texts.get(2)))).hasSize(5)
                .hasEntrySatisfying(" ", v -> assertThat(v).isCloseTo(0.5653376f, within(1e-6f)))
                .hasEntrySatisfying("좋아", v -> assertThat(v).isCloseTo(0.4124298f, within(1e-6f)));
        float[] dense = new float[f.size()];
        CharNgrams.Vector v = f.transform("좋아 좋아 싫어");
        for (int j = 0; j < v.indices().length; j++) dense[v.indices()[j]] = v.values()[j];
        float[] want = {0.3602348f, 0.2628015f, 0.2628015f, 0.2628015f, 0.4449616f, 0.2628015f, 0, 0.4449616f, 0.4449616f};
        assertThat(dense).containsExactly(want, within(1e-6f));
        assertThat(f.transform("xyz").indices()).isEmpty();
    }

    /** Reviews of filler syllables that carry their class in one cue word: negative, neutral or positive. */
    private static List<Example> rows(int n, long seed) {
        String[][] cues = {{"최악", "지루함", "별로다"}, {"그럭저럭", "보통", "무난"}, {"최고", "재밌다", "감동"}};
        String filler = "가나다라마바사아자차카타파하영화배우연기감독";
        Random r = new Random(seed);
        List<Example> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int label = r.nextInt(3);
            StringBuilder text = new StringBuilder();
            for (int w = 0; w < 4; w++) {
                for (int c = 0; c < 3; c++) text.append(filler.charAt(r.nextInt(filler.length())));
                text.append(' ');
            }
            text.insert(r.nextInt(text.length()), " " + cues[label][r.nextInt(3)] + " ");
            rows.add(Example.classified(text.toString(), null, label));
        }
        return rows;
    }

    private static List<String> texts(List<Example> rows) {
        return rows.stream().map(Example::text).toList();
    }

    private static List<String> noPairs(int n) {
        return Arrays.asList(new String[n]);
    }

    /** Ratios by hand: three texts, class 1 holds "좋" twice, class 0 holds "싫" once and "좋" never. */
    @Test
    void naiveBayesRatiosAreLogCountRatiosWithOneAdded() {
        List<String> texts = List.of("좋", "좋", "싫");
        CharNgrams f = CharNgrams.fit(texts, 1, 1, 1);
        CharNgrams.Vector[] v = texts.stream().map(f::transform).toArray(CharNgrams.Vector[]::new);
        float[] r = NgramClassifier.logCountRatios(f.size(), v, new double[] {1, 1, 0});
        // Features in order 싫, 좋: p = (1, 3) of 4, q = (2, 1) of 3.
        assertThat(r).containsExactly(new float[] {(float) Math.log((1 / 4.0) / (2 / 3.0)), (float) Math.log((3 / 4.0) / (1 / 3.0))}, within(1e-6f));
    }

    @ParameterizedTest(name = "naive Bayes {0}")
    @ValueSource(booleans = {false, true})
    void learnsThreeClassesAndPredictsTheSameAfterSaveAndLoad(boolean naiveBayes, @TempDir Path tmp) throws IOException {
        NgramClassifier.Options o = NgramClassifier.Options.defaults();
        o = new NgramClassifier.Options(o.minN(), o.maxN(), o.minDf(), o.c(), o.eps(), naiveBayes);
        NgramClassifier model = NgramClassifier.train(rows(600, 1), LABELS, o, QUIET);
        List<Example> held = rows(300, 2);
        float[][] p = model.probabilities(texts(held), noPairs(held.size()));
        int right = 0;
        for (int i = 0; i < held.size(); i++) {
            float sum = 0;
            int best = 0;
            for (int c = 0; c < 3; c++) {
                sum += p[i][c];
                if (p[i][c] > p[i][best]) best = c;
            }
            assertThat(sum).isCloseTo(1f, within(1e-5f));
            if (best == held.get(i).label()) right++;
        }
        assertThat(right).isGreaterThanOrEqualTo(290);

        Path dir = tmp.resolve("ngram");
        model.save(dir);
        assertThat(NgramClassifier.isModel(dir)).isTrue();
        NgramClassifier loaded = NgramClassifier.load(dir);
        assertThat(loaded.labels()).isEqualTo(LABELS);
        assertThat(loaded.features()).isEqualTo(model.features());
        float[][] again = loaded.probabilities(texts(held), noPairs(held.size()));
        for (int i = 0; i < held.size(); i++) assertThat(Arrays.equals(again[i], p[i])).as("row %d", i).isTrue();
        assertThat(Files.exists(dir.resolve(NgramClassifier.RATIOS))).isEqualTo(naiveBayes);
    }

    /** Two classes need one regression, on features scaled by class 1's ratios; it learns the cue words too. */
    @Test
    void naiveBayesOnTwoClassesIsOneRegression(@TempDir Path tmp) throws IOException {
        List<Example> rows = rows(600, 4).stream().filter(e -> e.label() != 1)
                .map(e -> Example.classified(e.text(), null, e.label() / 2)).toList();
        NgramClassifier.Options o = NgramClassifier.Options.defaults();
        NgramClassifier model = NgramClassifier.train(rows, List.of("neg", "pos"), new NgramClassifier.Options(1, 4, 2, o.c(), o.eps(), true), QUIET);
        List<Example> held = rows(300, 5).stream().filter(e -> e.label() != 1).toList();
        float[][] p = model.probabilities(texts(held), noPairs(held.size()));
        for (int i = 0; i < held.size(); i++) {
            assertThat(p[i][0] + p[i][1]).isCloseTo(1f, within(1e-6f));
            assertThat(p[i][1] > 0.5f).as("row %d", i).isEqualTo(held.get(i).label() == 2);
        }
        Path dir = tmp.resolve("nb");
        model.save(dir);
        assertThat(dir.resolve(NgramClassifier.WEIGHTS)).exists();
        // Its own model type: a reader that knows no ratios refuses it instead of predicting without them.
        assertThat(Files.readString(dir.resolve(NgramClassifier.CONFIG))).contains("raccoon-char-ngram-naive-bayes-logistic-regression");
        assertThat(Files.readAllLines(dir.resolve(NgramClassifier.RATIOS))).hasSize(model.features()).allMatch(l -> !l.contains("\t"));
        try (var files = Files.list(dir)) { // saving again replaces a directory of these names only
            assertThat(files.map(f -> f.getFileName().toString())).allMatch(NgramClassifier::isModelFile);
        }
        model.save(dir);
        Files.writeString(dir.resolve("notes.txt"), "C = 3");
        assertThatThrownBy(() -> model.save(dir)).isInstanceOf(IOException.class).hasMessageContaining("also notes.txt");
        assertThat(dir.resolve("notes.txt")).hasContent("C = 3");
        Files.delete(dir.resolve("notes.txt"));

        Path retyped = copy(dir, tmp.resolve("retyped"));
        Path retypedConfig = retyped.resolve(NgramClassifier.CONFIG);
        Files.writeString(retypedConfig, Files.readString(retypedConfig).replace("-naive-bayes", ""));
        assertThatThrownBy(() -> NgramClassifier.load(retyped)).isInstanceOf(IOException.class)
                .hasMessageContaining(NgramClassifier.RATIOS + " is there");

        List<String> lines = new ArrayList<>(Files.readAllLines(dir.resolve(NgramClassifier.RATIOS)));
        // Predictions read the ratios: with every ratio zero only the bias is left, the same for every text.
        Files.write(dir.resolve(NgramClassifier.RATIOS), lines.stream().map(l -> "0").toList());
        float[][] flat = NgramClassifier.load(dir).probabilities(texts(held), noPairs(held.size()));
        for (float[] row : flat) assertThat(row).containsExactly(flat[0]);
        lines.set(4, "NaN");
        Files.write(dir.resolve(NgramClassifier.RATIOS), lines);
        assertThatThrownBy(() -> NgramClassifier.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining(NgramClassifier.RATIOS + " line 5: not a finite number");
        lines.removeLast();
        lines.set(4, "0.5");
        Files.write(dir.resolve(NgramClassifier.RATIOS), lines);
        assertThatThrownBy(() -> NgramClassifier.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining((model.features() - 1) + " lines, but the model has " + model.features() + " features");
        Files.delete(dir.resolve(NgramClassifier.RATIOS));
        assertThatThrownBy(() -> NgramClassifier.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining(NgramClassifier.RATIOS + ": missing");
    }

    @Test
    void refusesPairsUnknownLabelsAndBrokenDirectories(@TempDir Path tmp) throws IOException {
        NgramClassifier.Options o = NgramClassifier.Options.defaults();
        assertThatThrownBy(() -> NgramClassifier.train(List.of(Example.classified("a", "b", 0), Example.classified("c", null, 1)),
                List.of("neg", "pos"), o, QUIET)).hasMessageContaining("single texts, not pairs: a");
        assertThatThrownBy(() -> NgramClassifier.train(List.of(Example.classified("a", null, 0), Example.classified("c", null, 2)),
                List.of("neg", "pos"), o, QUIET)).hasMessageContaining("needs one of 2 labels per row: c");
        assertThatThrownBy(() -> NgramClassifier.train(List.of(Example.classified("a", null, 0)), List.of("neg", "pos"), o, QUIET))
                .hasMessageContaining("no training row has the label 'pos'");

        assertThatThrownBy(() -> NgramClassifier.train(rows(20, 3), LABELS, new NgramClassifier.Options(1, 4, 100, 10, 0.01, false), QUIET))
                .hasMessageContaining("no character 1–4-gram is in 100 or more of the 20 training texts");
        NgramClassifier model = NgramClassifier.train(rows(200, 3), LABELS, o, QUIET);
        assertThatThrownBy(() -> model.probabilities(List.of("a"), List.of("b"))).hasMessageContaining("not pairs");
        Path good = tmp.resolve("good");
        model.save(good);

        Path truncated = copy(good, tmp.resolve("truncated"));
        byte[] weights = Files.readAllBytes(truncated.resolve(NgramClassifier.WEIGHTS));
        Files.write(truncated.resolve(NgramClassifier.WEIGHTS), Arrays.copyOf(weights, weights.length / 2));
        assertThatThrownBy(() -> NgramClassifier.load(truncated)).isInstanceOf(IOException.class)
                .hasMessageContaining(NgramClassifier.WEIGHTS);

        Path noWeights = copy(good, tmp.resolve("no-weights"));
        Files.delete(noWeights.resolve(NgramClassifier.WEIGHTS));
        assertThatThrownBy(() -> NgramClassifier.load(noWeights)).isInstanceOf(IOException.class)
                .hasMessageContaining(NgramClassifier.WEIGHTS + ": missing");

        Path badNgram = copy(good, tmp.resolve("bad-ngram"));
        List<String> lines = new ArrayList<>(Files.readAllLines(badNgram.resolve(NgramClassifier.NGRAMS)));
        lines.set(2, "abcdef\t1.5");
        Files.write(badNgram.resolve(NgramClassifier.NGRAMS), lines);
        assertThatThrownBy(() -> NgramClassifier.load(badNgram)).isInstanceOf(IOException.class)
                .hasMessageContaining(NgramClassifier.NGRAMS + " line 3");

        Path missingLine = copy(good, tmp.resolve("missing-line"));
        lines = new ArrayList<>(Files.readAllLines(missingLine.resolve(NgramClassifier.NGRAMS)));
        lines.removeLast();
        Files.write(missingLine.resolve(NgramClassifier.NGRAMS), lines);
        assertThatThrownBy(() -> NgramClassifier.load(missingLine)).isInstanceOf(IOException.class)
                .hasMessageContaining("features, but").hasMessageContaining("lists " + (model.features() - 1));
        Path config = missingLine.resolve(NgramClassifier.CONFIG);
        Files.writeString(config, Files.readString(config).replaceAll("\"features\" : \\d+", "\"features\" : " + (model.features() - 1)));
        assertThatThrownBy(() -> NgramClassifier.load(missingLine)).isInstanceOf(IOException.class)
                .hasMessageContaining("features (n-grams and bias) expected");

        Path twoLabels = copy(good, tmp.resolve("two-labels"));
        config = twoLabels.resolve(NgramClassifier.CONFIG);
        Files.writeString(config, Files.readString(config).replace("\"neutral\",", ""));
        assertThatThrownBy(() -> NgramClassifier.load(twoLabels)).isInstanceOf(IOException.class)
                .hasMessageContaining("3 classes, but");

        assertThatThrownBy(() -> NgramClassifier.load(tmp)).isInstanceOf(IOException.class)
                .hasMessageContaining("is not a character n-gram model: it has no " + NgramClassifier.CONFIG);
        assertThatThrownBy(() -> NgramClassifier.load(tmp.resolve("nope"))).isInstanceOf(java.nio.file.NoSuchFileException.class)
                .hasMessageContaining("no such model directory");
        Path notOurs = copy(good, tmp.resolve("not-ours"));
        Files.writeString(notOurs.resolve(NgramClassifier.CONFIG), "{\"model_type\": \"electra\"}", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> NgramClassifier.load(notOurs)).hasMessageContaining("model_type must be");
    }

    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) Files.copy(f, to.resolve(f.getFileName()));
        }
        return to;
    }
}
