package dev.raccoon.train.pretrain;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.engine.HostTensor;
import dev.raccoon.engine.Tensor;
import dev.raccoon.model.Architecture;
import dev.raccoon.model.ElectraConfig;
import dev.raccoon.model.ModelDirectory;
import dev.raccoon.model.Params;
import dev.raccoon.model.io.DType;
import dev.raccoon.model.io.SafeTensors;
import dev.raccoon.text.WordPieceTokenizer;
import dev.raccoon.train.Checkpoint;
import dev.raccoon.train.corpus.CorpusFiles;
import dev.raccoon.train.report.TrainingLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

/**
 * End to end on a small synthetic corpus: short sentences "subject adverb predicate ." in which every word class has
 * its own slot and the predicate follows from the subject, so a replaced token is out of place or contradicts its
 * subject, and a small discriminator can learn to spot it.
 */
class PretrainerTest {
    private static final List<String> SUBJECTS = List.of("영화", "배우", "연기", "스토리", "음악", "결말", "감독", "장면");
    private static final List<String> ADVERBS = List.of("정말", "너무", "진짜", "조금", "완전", "아주");
    private static final List<String> PREDICATES = List.of("좋다", "재밌다", "지루하다", "별로다", "최고다", "슬프다", "웃기다");
    private static Backend backend;

    @TempDir
    static Path data;
    private static WordPieceTokenizer tokenizer;
    private static PackedCorpus corpus;

    @BeforeAll
    static void fixture() throws IOException {
        backend = Backends.cpu(2);
        List<String> vocab = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "."));
        vocab.addAll(SUBJECTS);
        vocab.addAll(ADVERBS);
        vocab.addAll(PREDICATES);
        Files.write(data.resolve("vocab.txt"), vocab);
        tokenizer = WordPieceTokenizer.fromVocab(data.resolve("vocab.txt"), false);
        SplittableRandom random = new SplittableRandom(11);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 3000; i++)
        {
            int subject = random.nextInt(SUBJECTS.size());
            lines.add(SUBJECTS.get(subject) + " " + ADVERBS.get(random.nextInt(ADVERBS.size())) + " "
                    + PREDICATES.get(subject % PREDICATES.size()) + " .");
        }
        Files.write(data.resolve("corpus.txt"), lines);
        corpus = PackedCorpus.pack(CorpusFiles.utf8(List.of(data.resolve("corpus.txt"))), tokenizer, 32);
    }

    @AfterAll
    static void close() { backend.close(); }

    private static ElectraConfig config() {
        return ElectraConfig.electra(tokenizer.vocab().size(), 32, 64, 2, 2, 128, 64, List.of("x"));
    }

    private static Pretrainer.Options options(int steps, int saveEvery, int stopAfter) {
        return new Pretrainer.Options(steps, 16, 2e-3f, Pretrainer.Options.defaultWarmup(steps), 0.01f, 1f, saveEvery, 10,
                stopAfter, 7, false);
    }

    private static Pretraining electra() {
        return electra(backend);
    }

    private static Pretraining electra(Backend on) {
        return Pretraining.create(Objective.ELECTRA, config(), 0.25f, Masking.DEFAULT_CHOOSE_PROB, tokenizer.vocab(), on, DiscriminatorLoss.EVERY_REAL_TOKEN);
    }

    @Test
    void packingRefusesACorpusThatIsNotUtf8() throws IOException {
        Path cp949 = Files.write(data.resolve("cp949.txt"), "영화 정말 좋다 .\n배우 연기 별로 .\n".getBytes("x-windows-949"));
        assertThatThrownBy(() -> PackedCorpus.pack(CorpusFiles.utf8(List.of(cp949)), tokenizer, 32)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(cp949 + ": 2 of its first 2 lines are not valid UTF-8");
    }

    @Test
    void packsLinesIntoFullSequences() {
        assertThat(corpus.seqLength()).isEqualTo(32);
        // Each line is 4 tokens + [SEP]: six fit after [CLS] in 32 positions (31 used).
        assertThat(corpus.size()).isEqualTo(500);
        int[] seq = new int[32];
        corpus.read(0, seq, new int[32], 0);
        assertThat(seq[0]).isEqualTo(tokenizer.vocab().clsId());
        assertThat(seq[30]).isEqualTo(tokenizer.vocab().sepId());
        assertThat(seq[31]).isEqualTo(tokenizer.vocab().padId());
    }

    @Test
    void discriminatorLearnsBeyondTheBaseRate(@TempDir Path out) throws IOException {
        Pretraining model = electra();
        Pretrainer.Result r = new Pretrainer(model, tokenizer, corpus, options(150, 150, 0), out).run(false);
        TrainingLog log = r.log();
        var first = log.entries().getFirst().values();
        var last = log.entries().getLast().values();
        assertThat(last.get("disc_loss")).as("discriminator loss falls").isLessThan(0.5 * first.get("disc_loss"));
        assertThat(last.get("disc_accuracy")).as("the discriminator beats always answering 'original'")
                .isGreaterThan(last.get("disc_base_rate") + 0.01);
        assertThat(last.get("mlm_loss")).as("the generator learns too").isLessThan(first.get("mlm_loss") - 0.5);
        assertThat(r.flops()).isEqualTo(150 * model.flopsPerStep(16, 32));
        assertThat(out.resolve(Pretrainer.CURVES)).isNotEmptyFile();

        // The exported discriminator loads back as ElectraForPreTraining and holds the discriminator's tensors.
        var discriminator = ((ElectraPretraining) model).discriminator();
        ModelDirectory loaded = ModelDirectory.load(out.resolve("discriminator"), backend);
        assertThat(loaded.model().architecture()).isEqualTo(Architecture.ELECTRA_FOR_PRE_TRAINING);
        Map<String, HostTensor> saved = SafeTensors.read(out.resolve("discriminator/model.safetensors"));
        assertThat(saved.keySet()).containsExactlyInAnyOrderElementsOf(discriminator.params().owned().keySet());
        discriminator.params().owned().forEach((name, p) ->
                assertThat(saved.get(name).data()).as(name).containsExactly(backend.read(p.value())));
        ModelDirectory generator = ModelDirectory.load(out.resolve("generator"), backend);
        assertThat(generator.model().architecture()).isEqualTo(Architecture.ELECTRA_FOR_MASKED_LM);
        assertThat(generator.config().hiddenSize()).isEqualTo(16);
        String words = "electra.embeddings.word_embeddings.weight";
        assertThat(backend.read(generator.model().params().get(words).value()))
                .containsExactly(backend.read(discriminator.params().get(words).value()));
    }

    /** On the scalar backend, which is bit-for-bit repeatable (the Vector API one is not yet, across runs). */
    @Test
    void resumedRunEndsWithTheSameParameters(@TempDir Path straight, @TempDir Path interrupted) throws IOException {
        try (Backend scalar = Backends.scalar()) {
            Pretraining a = electra(scalar);
            new Pretrainer(a, tokenizer, corpus, options(12, 4, 0), straight).run(false);
            new Pretrainer(electra(scalar), tokenizer, corpus, options(12, 4, 6), interrupted).run(false);
            assertThat(interrupted.resolve("checkpoint-6")).isDirectory();
            assertThat(interrupted.resolve("checkpoint-4")).doesNotExist();
            assertThatThrownBy(() -> new Pretrainer(electra(scalar), tokenizer, corpus, options(12, 4, 0), interrupted).run(false))
                    .hasMessageContaining("--resume");
            assertThatThrownBy(() -> new Pretrainer(electra(scalar), tokenizer, corpus, options(13, 4, 0), interrupted).run(true))
                    .hasMessageContaining("steps was 12 and is now 13");
            assertThatThrownBy(() -> new Pretrainer(Pretraining.create(Objective.ELECTRA, config().withDropout(0), 0.25f,
                    Masking.DEFAULT_CHOOSE_PROB, tokenizer.vocab(), scalar, DiscriminatorLoss.EVERY_REAL_TOKEN), tokenizer, corpus, options(12, 4, 0), interrupted).run(true))
                    .hasMessageContaining("dropout was 0.1 and is now 0.0");
            assertThatThrownBy(() -> new Pretrainer(Pretraining.create(Objective.ELECTRA, config(), 0.25f,
                    Masking.DEFAULT_CHOOSE_PROB, tokenizer.vocab(), scalar, DiscriminatorLoss.CONTENT_TOKENS), tokenizer, corpus, options(12, 4, 0), interrupted).run(true))
                    .hasMessageContaining("discriminator_loss was every real token and is now content tokens only");
            // As many sequences, one token other: another corpus.
            PretrainingData edited = new PretrainingData() {
                public long size() { return corpus.size(); }
                public int seqLength() { return corpus.seqLength(); }
                public void read(long index, int[] ids, int[] types, int offset) throws IOException {
                    corpus.read(index, ids, types, offset);
                    if (index == 0) ids[offset + 1] = ids[offset + 1] == 5 ? 6 : 5;
                }
            };
            assertThatThrownBy(() -> new Pretrainer(electra(scalar), tokenizer, edited, options(12, 4, 0), interrupted).run(true))
                    .hasMessageContaining("the corpus is not the interrupted run's");
            // A checkpoint written before dropout and the run's time and tokens were recorded resumes as before.
            Path state = interrupted.resolve("checkpoint-6/pretrain_state.json");
            Files.writeString(state, Files.readString(state).replaceAll("\\s*\"dropout\" : \"0.1\",", "")
                    .replaceAll(",\\s*\"(seconds|train_seconds|train_tokens)\" : [^,}]*", ""));
            assertThat(Files.readString(state)).doesNotContain("dropout", "seconds", "train_tokens").contains("mask_prob");
            Pretraining c = electra(scalar);
            Pretrainer.Result r = new Pretrainer(c, tokenizer, corpus, options(12, 4, 0), interrupted).run(true);
            assertThat(r.steps()).isEqualTo(12);
            Params expected = a.params(), actual = c.params();
            expected.owned().forEach((name, p) -> assertThat(scalar.read(actual.get(name).value())).as(name)
                    .containsExactly(scalar.read(p.value())));
            assertThat(r.log().series("loss")[0]).containsExactly(6, 10, 12);

            // Killed while exporting after the last checkpoint: the resume, with no step left to run, exports again.
            byte[] exported = Files.readAllBytes(interrupted.resolve("generator/model.safetensors"));
            Files.write(interrupted.resolve("generator/model.safetensors"), Arrays.copyOf(exported, exported.length / 2));
            Files.createDirectories(interrupted.resolve("generator.tmp-123"));
            new Pretrainer(electra(scalar), tokenizer, corpus, options(12, 4, 0), interrupted).run(true);
            assertThat(interrupted.resolve("generator/model.safetensors")).hasBinaryContent(exported);
            assertThat(interrupted.resolve("generator.tmp-123")).as("a killed export's leftover").doesNotExist();
        }
    }

    @Test
    void aResumedRunReportsTheWholeRunsTimeAndSpeed(@TempDir Path out) throws IOException {
        try (Backend scalar = Backends.scalar()) {
            new Pretrainer(electra(scalar), tokenizer, corpus, options(6, 2, 3), out).run(false);
            double firstPart = Checkpoint.readState(out.resolve("checkpoint-3/pretrain_state.json"), JsonNode.class, "state")
                    .get("seconds").asDouble();
            Pretrainer.Result rest = new Pretrainer(electra(scalar), tokenizer, corpus, options(6, 2, 0), out).run(true);
            assertThat(rest.seconds()).isGreaterThan(firstPart);
            // resuming a finished run trains nothing and still reports the run's speed, not 0 tokens/s
            Pretrainer.Result again = new Pretrainer(electra(scalar), tokenizer, corpus, options(6, 2, 0), out).run(true);
            assertThat(again.tokensPerSecond()).isPositive().isCloseTo(rest.tokensPerSecond(), withinPercentage(0.01));
            assertThat(again.seconds()).isGreaterThan(firstPart);
        }
    }

    /** The generator's NaN distribution gave an internal sampling error; the loss check says what to do, as for MLM. */
    @Test
    void aDivergingElectraRunSaysToLowerTheLearningRate(@TempDir Path out) {
        Pretrainer.Options huge = new Pretrainer.Options(3, 16, 1e30f, 0, 0.01f, 1f, 10, 10, 0, 7, false);
        assertThatThrownBy(() -> new Pretrainer(electra(), tokenizer, corpus, huge, out).run(false))
                .isInstanceOf(dev.raccoon.train.Divergence.class)
                .hasMessageMatching("the loss became NaN at step [23]; lower the learning rate \\(--lr\\)");
        // as train refuses it: an infinite rate is no rate
        assertThatThrownBy(() -> new Pretrainer.Options(3, 16, Float.POSITIVE_INFINITY, 0, 0.01f, 1f, 10, 10, 0, 7, false))
                .hasMessage("learning rate must be positive and finite, got Infinity");
    }

    @Test
    void aFreshRunNeedsAnEmptyOutputDirectory(@TempDir Path out) throws IOException {
        Files.writeString(out.resolve("notes.txt"), "mine");
        try (Backend scalar = Backends.scalar()) {
            assertThatThrownBy(() -> new Pretrainer(electra(scalar), tokenizer, corpus, options(2, 1, 0), out).run(false))
                    .hasMessageContaining("is not empty (it holds notes.txt)");
        }
        assertThat(out.resolve("notes.txt")).hasContent("mine");
    }

    @Test
    void aRunGoesOnWhenItsCurvesCannotBeDrawn(@TempDir Path out) throws IOException {
        try (Backend scalar = Backends.scalar()) {
            new Pretrainer(electra(scalar), tokenizer, corpus, options(6, 2, 2), out).run(false);
            Path curves = out.resolve(Pretrainer.CURVES);
            Files.delete(curves);
            Files.writeString(Files.createDirectory(curves).resolve("taken.txt"), "mine");
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream stderr = System.err;
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            Pretrainer.Result r;
            try {
                r = new Pretrainer(electra(scalar), tokenizer, corpus, options(6, 2, 0), out).run(true);
            } finally {
                System.setErr(stderr);
            }
            assertThat(r.steps()).isEqualTo(6);
            assertThat(out.resolve("discriminator/model.safetensors")).isNotEmptyFile();
            assertThat(err.toString(StandardCharsets.UTF_8)).as("one warning, though checkpoints 4 and 6 both tried")
                    .containsOnlyOnce("cannot draw " + curves).contains("training goes on without it");
            assertThat(curves.resolve("taken.txt")).hasContent("mine");
        }
    }

    @Test
    void startsFromModelDirectories(@TempDir Path dir) throws IOException {
        // Two masked LMs saved as Hugging Face directories: one of the discriminator's size, one of the generator's.
        ElectraConfig generatorConfig = Pretraining.generatorConfig(config(), 0.5f);
        Map<String, HostTensor> large = savedMaskedLm(config(), 1, dir.resolve("large"));
        Map<String, HostTensor> small = savedMaskedLm(generatorConfig, 2, dir.resolve("small"));
        var model = Pretraining.electra(config(), generatorConfig, Masking.DEFAULT_CHOOSE_PROB, tokenizer.vocab(), backend,
                DiscriminatorLoss.EVERY_REAL_TOKEN);
        Pretrainer.Options oneTinyStep = new Pretrainer.Options(1, 16, 1e-7f, 0, 0.01f, 1f, 1, 1, 0, 7, false);
        new Pretrainer(model, tokenizer, corpus, oneTinyStep, dir.resolve("run"),
                Map.of("discriminator", dir.resolve("large"), "generator", dir.resolve("small"))).run(false);

        Params discriminator = model.discriminator().params(), generator = model.generator().params();
        String layer = "electra.encoder.layer.1.output.dense.weight", words = "electra.embeddings.word_embeddings.weight";
        assertClose(discriminator, layer, large.get(layer));
        assertClose(generator, layer, small.get(layer));
        assertClose(generator, "generator_predictions.dense.weight", small.get("generator_predictions.dense.weight"));
        assertClose(generator, "generator_lm_head.bias", small.get("generator_lm_head.bias"));
        // The shared tables are the discriminator's source's, loaded last.
        assertClose(discriminator, words, large.get(words));
        assertThat(generator.get(words)).isSameAs(discriminator.get(words));
        // A masked LM has no discriminator head: it stays as a fresh run initialises it.
        var fresh = electra();
        fresh.initialize(7);
        String head = "discriminator_predictions.dense.weight";
        assertClose(discriminator, head, fresh.params().get("discriminator/" + head).value());

        assertThatThrownBy(() -> new Pretrainer(electra(), tokenizer, corpus, oneTinyStep, dir.resolve("other"),
                Map.of("mlm", dir.resolve("large")))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no model named mlm").hasMessageContaining("[discriminator, generator]");
        // A directory without the discriminator's encoder: refused before the output directory is made.
        assertThatThrownBy(() -> new Pretrainer(electra(), tokenizer, corpus, oneTinyStep, dir.resolve("none"),
                Map.of("discriminator", dir.resolve("small"))).run(false)).isInstanceOf(IOException.class)
                .hasMessageContaining("has shape");
        assertThat(dir.resolve("none")).doesNotExist();
    }

    @Test
    void refusesAGeneratorThatCannotShareTheEmbeddings() {
        ElectraConfig narrow = ElectraConfig.electra(tokenizer.vocab().size(), 16, 32, 2, 1, 64, 64, List.of("x"));
        assertThatThrownBy(() -> Pretraining.electra(config(), narrow, Masking.DEFAULT_CHOOSE_PROB, tokenizer.vocab(), backend,
                DiscriminatorLoss.EVERY_REAL_TOKEN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the generator shares the discriminator's embedding tables, but its embedding size is 16 against the discriminator's 32");
    }

    private static Map<String, HostTensor> savedMaskedLm(ElectraConfig config, long seed, Path dir) throws IOException {
        Pretraining mlm = Pretraining.mlm(config, Masking.DEFAULT_CHOOSE_PROB, tokenizer.vocab(), backend);
        mlm.initialize(seed);
        ModelDirectory.save(dir, mlm.encoderModel(), tokenizer, DType.F32);
        return mlm.encoderModel().params().toHost();
    }

    /** Within what one AdamW step at lr 1e-7 can move a weight. */
    private static void assertClose(Params params, String name, HostTensor expected) {
        assertThat(backend.read(params.get(name).value())).as(name).containsExactly(expected.data(), within(1e-5f));
    }

    private static void assertClose(Params params, String name, Tensor expected) {
        assertClose(params, name, new HostTensor(expected.shape(), backend.read(expected)));
    }
}
