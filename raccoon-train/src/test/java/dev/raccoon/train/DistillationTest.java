package dev.raccoon.train;

import dev.raccoon.api.Classifier;
import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.model.ModelDirectory;
import dev.raccoon.model.io.DType;
import dev.raccoon.train.corpus.CorpusFiles;
import dev.raccoon.train.data.Example;
import dev.raccoon.train.data.Labels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class DistillationTest {
    private static final CorpusFiles NO_UNLABELLED = CorpusFiles.utf8(List.of());

    /** A randomly initialised tiny classifier saved as a Hugging Face directory and loaded through the public API. */
    private static Classifier teacher(Path dir, List<String> labels, long seed) throws IOException {
        try (Backend backend = Backends.scalar()) {
            ModelInit init = ModelInit.fresh(ModelInit.Preset.TINY, TestData.vocab(), labels,
                    "single_label_classification", null, seed, backend);
            ModelDirectory.save(dir, init.model(), init.tokenizer(), DType.F32);
        }
        return Classifier.load(dir, new Classifier.Options("scalar", 1, 64, 4));
    }

    private static float[] mean(List<Classifier> teachers, double[] shares, String text) {
        float[] m = new float[2];
        for (int t = 0; t < teachers.size(); t++) {
            float[] p = teachers.get(t).classify(text).probabilities();
            for (int c = 0; c < 2; c++) m[c] += (float) (shares[t] * p[c]);
        }
        return m;
    }

    @Test
    void targetsMixTheGoldLabelWithTheTeachersMeanAndHeldOutTextsAreDropped(@TempDir Path tmp) throws IOException {
        List<String> labels = Labels.BINARY.names();
        Path unlabelled = tmp.resolve("corpus.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(unlabelled))) {
            out.write(String.join("\n", "  최고의   영화 ", "최고의 영화", "지루했다", "", "dev 리뷰입니다", "그저 그랬다")
                    .getBytes(StandardCharsets.UTF_8));
        }
        try (Classifier a = teacher(tmp.resolve("a"), labels, 1); Classifier b = teacher(tmp.resolve("b"), labels, 2)) {
            List<Distillation.Teacher> teachers = List.of(Distillation.Teacher.of(a), Distillation.Teacher.of(b));
            List<Example> labelled = List.of(Example.classified("정말 재밌어요", null, 1), Example.classified("지루했다", null, 0));
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            Distillation.Data data = Distillation.prepare(teachers, null, labels, labelled, CorpusFiles.utf8(List.of(unlabelled)), Long.MAX_VALUE,
                    List.of("dev   리뷰입니다"), 0.25f, new PrintStream(log, true, StandardCharsets.UTF_8), false);
            // The rows' summary before the labelling; without a bar, a plain line as each teacher finishes, for a log file.
            assertThat(log.toString(StandardCharsets.UTF_8).lines())
                    .satisfiesExactly(l -> assertThat(l).isEqualTo("distilling: 2 teachers; 2 labelled rows; 6 unlabelled lines read,"
                                    + " 2 kept (1 equal to a held-out text, 2 repeated or labelled already, 1 blank)"),
                            l -> assertThat(l).startsWith("teachers step 1/2 · " + teachers.get(0).name() + " labelled 4 texts · "),
                            l -> assertThat(l).startsWith("teachers step 2/2 · " + teachers.get(1).name() + " labelled 4 texts · "));

            assertThat(data.summary()).isEqualTo(new Distillation.Summary(2, 2, 6, 2, 1, 2, 1));
            List<String> texts = new ArrayList<>();
            for (Example e : data.examples()) texts.add(e.text());
            assertThat(texts).containsExactly("정말 재밌어요", "지루했다", "최고의 영화", "그저 그랬다");
            assertThat(a.classify("최고의 영화").probabilities()).isNotEqualTo(b.classify("최고의 영화").probabilities());
            for (Example e : data.examples()) {
                float[] m = mean(List.of(a, b), new double[] {0.5, 0.5}, e.text()), want = m.clone();
                boolean gold = labelled.stream().anyMatch(l -> l.text().equals(e.text()));
                if (gold) for (int c = 0; c < 2; c++) want[c] = 0.75f * m[c] + (c == e.label() ? 0.25f : 0);
                else assertThat(e.label()).isEqualTo(m[1] > m[0] ? 1 : 0);
                assertThat(e.probabilities()).as(e.text()).containsExactly(want, within(1e-6f));
            }

            // Weights are shares of the mean: 3 and 1 count a's probabilities three times as much as b's.
            Distillation.Data weighted = Distillation.prepare(teachers, new double[] {3, 1}, labels, labelled, NO_UNLABELLED,
                    0, List.of(), 0f, null, false);
            for (Example e : weighted.examples())
                assertThat(e.probabilities()).as(e.text())
                        .containsExactly(mean(List.of(a, b), new double[] {0.75, 0.25}, e.text()), within(1e-6f));

            assertThatThrownBy(() -> Distillation.prepare(teachers, null, List.of("bad", "good"), labelled, NO_UNLABELLED, 0,
                    List.of(), 0.5f, null, false)).hasMessageContaining("has the labels [negative, positive], the student [bad, good]");
            // a teacher whose labels transformers named by id (LABEL_0, LABEL_1) is read by id
            Distillation.Teacher byId = new Distillation.Teacher() {
                public String name() { return "by-id"; }
                public List<String> labels() { return List.of("LABEL_0", "LABEL_1"); }
                public float[][] probabilities(List<String> texts, List<String> pairs) {
                    float[][] p = new float[texts.size()][];
                    java.util.Arrays.setAll(p, i -> new float[] {0.2f, 0.8f});
                    return p;
                }
            };
            for (Example e : Distillation.prepare(List.of(byId), null, labels, labelled, NO_UNLABELLED, 0, List.of(), 0f, null, false).examples())
                assertThat(e.probabilities()).containsExactly(new float[] {0.2f, 0.8f}, within(1e-6f));
            Distillation.Teacher regression = new Distillation.Teacher() {
                public String name() { return "scores"; }
                public List<String> labels() { return List.of("LABEL_0"); }
                public float[][] probabilities(List<String> texts, List<String> pairs) { throw new AssertionError("not asked"); }
            };
            assertThatThrownBy(() -> Distillation.prepare(List.of(regression), null, labels, labelled, NO_UNLABELLED, 0,
                    List.of(), 0.5f, null, false)).hasMessageContaining("teacher scores is a regression model");
            assertThatThrownBy(() -> Distillation.prepare(teachers, null, labels, labelled, NO_UNLABELLED, 0, List.of(), 1.5f, null, false))
                    .hasMessageContaining("in [0, 1], got 1.5");
            assertThatThrownBy(() -> Distillation.prepare(teachers, null, labels, List.of(Example.classified("x", null, 2)),
                    NO_UNLABELLED, 0, List.of(), 0.5f, null, false)).hasMessageContaining("needs one of 2 labels: x");
            assertThatThrownBy(() -> Distillation.prepare(teachers, new double[] {1}, labels, labelled, NO_UNLABELLED, 0,
                    List.of(), 0.5f, null, false)).hasMessageContaining("1 teacher weights for 2 teachers");
            assertThatThrownBy(() -> Distillation.prepare(teachers, new double[] {1, 0}, labels, labelled, NO_UNLABELLED, 0,
                    List.of(), 0.5f, null, false)).hasMessageContaining("teacher weights must be positive, got 0.0");
        }
    }
}
