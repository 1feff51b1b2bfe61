package dev.raccoon.train;

import dev.raccoon.train.run.AtomicDirectory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.engine.HostTensor;
import dev.raccoon.model.Batch;
import dev.raccoon.model.ModelDirectory;
import dev.raccoon.model.SequenceClassifier;
import dev.raccoon.text.Encoding;
import dev.raccoon.text.Truncation;
import dev.raccoon.train.data.Example;
import dev.raccoon.train.data.Labels;
import dev.raccoon.train.report.TrainingLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Checkpoints, resume and regression on tiny models and a few dozen to a few hundred rows. Exact resume is checked
 * on both the scalar reference and the Vector API backend, whose kernels give the same bits on every JIT tier, so
 * a second run in one JVM (compiled kernels) matches the first (interpreted ones).
 */
class TrainerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Backend scalar;
    private static Backend cpu;

    @BeforeAll
    static void open() {
        scalar = Backends.scalar();
        cpu = Backends.cpu(2);
    }

    @AfterAll
    static void close() {
        scalar.close();
        cpu.close();
    }

    private static ModelInit tiny(List<String> labels, String problemType, Backend backend) throws IOException {
        return ModelInit.fresh(ModelInit.Preset.TINY, TestData.vocab(), labels, problemType, null, 7, backend);
    }

    private static Trainer.Options classify() {
        return Trainer.Options.defaults(Trainer.Task.CLASSIFY).withEpochs(2).withBatchSize(8).withLr(1e-3f)
                .withMaxLength(32).withLogEvery(1);
    }

    private static Map<String, HostTensor> train(Trainer.Options options, List<Example> train, List<Example> dev,
                                                 Path out, boolean resume) throws IOException {
        return train(options, train, dev, out, resume, scalar);
    }

    private static Map<String, HostTensor> train(Trainer.Options options, List<Example> train, List<Example> dev,
                                                 Path out, boolean resume, Backend backend) throws IOException {
        ModelInit start = tiny(Labels.BINARY.names(), "single_label_classification", backend);
        new Trainer(start.model(), start.tokenizer(), options, out).train(train, dev, resume);
        return start.model().params().toHost();
    }

    @Test
    void resumedRunEndsWithTheWeightsOfAnUninterruptedOne(@TempDir Path tmp) throws IOException {
        checkResume(scalar, tmp);
    }

    @Test
    void resumedRunEndsWithTheWeightsOfAnUninterruptedOneOnTheCpuBackend(@TempDir Path tmp) throws IOException {
        checkResume(cpu, tmp);
    }

    private static void checkResume(Backend backend, Path tmp) throws IOException {
        List<Example> train = TestData.nsmc("train.tsv", 36);
        List<Example> dev = TestData.nsmc("dev.tsv", 8);
        // 5 batches per epoch, 10 steps, dropout 0.1 on; a log line every 2 steps, so the stops fall inside a window.
        Trainer.Options options = classify().withLogEvery(2);

        Map<String, HostTensor> straight = train(options, train, dev, tmp.resolve("straight"), false, backend);
        // Stop mid-epoch 0 (step 3) and again mid-epoch 1 (step 7), resuming each time from OUT/last.
        train(options.withStopAfter(3), train, dev, tmp.resolve("resumed"), false, backend);
        assertThat(TrainerState.read(tmp.resolve("resumed/last"))).satisfies(s -> {
            assertThat(s.step()).isEqualTo(3);
            assertThat(s.epoch()).isZero();
            assertThat(s.batchInEpoch()).isEqualTo(3);
        });
        train(options.withStopAfter(7), train, dev, tmp.resolve("resumed"), true, backend);
        Map<String, HostTensor> resumed = train(options, train, dev, tmp.resolve("resumed"), true, backend);

        assertThat(resumed.keySet()).isEqualTo(straight.keySet());
        straight.forEach((name, t) -> assertThat(resumed.get(name).data()).as(name).isEqualTo(t.data()));
        // The log of the resumed run has every step once, as the uninterrupted one.
        assertThat(steps(tmp.resolve("resumed/train_log.jsonl"))).isEqualTo(steps(tmp.resolve("straight/train_log.jsonl")));
        // ... and the same training losses: a window cut by a stop is completed from the checkpoint.
        assertThat(TrainingLog.read(tmp.resolve("resumed/train_log.jsonl")).series("loss"))
                .isDeepEqualTo(TrainingLog.read(tmp.resolve("straight/train_log.jsonl")).series("loss"));
    }

    @Test
    void resumeRefusesChangedOptionsAndFreshRunsRefuseToOverwrite(@TempDir Path tmp) throws IOException {
        List<Example> train = TestData.nsmc("train.tsv", 16);
        List<Example> dev = TestData.nsmc("dev.tsv", 8);
        train(classify().withStopAfter(1), train, dev, tmp, false);
        assertThatThrownBy(() -> train(classify().withLr(5e-4f), train, dev, tmp, true))
                .hasMessageContaining("lr was 0.001 and is now 5.0E-4");
        // labels given as ids 0/1 would take other names without a word
        ModelInit renamed = tiny(List.of("bad", "good"), "single_label_classification", scalar);
        assertThatThrownBy(() -> new Trainer(renamed.model(), renamed.tokenizer(), classify(), tmp).train(train, dev, true))
                .hasMessageContaining("labels was negative,positive and is now bad,good");
        // As many rows, other ones (one label flipped): another data set, not the interrupted run's.
        List<Example> other = new java.util.ArrayList<>(train);
        Example first = other.getFirst();
        other.set(0, Example.classified(first.text(), first.pair(), 1 - first.label()));
        assertThatThrownBy(() -> train(classify(), other, dev, tmp, true))
                .hasMessageContaining("the train data are not the interrupted run's");
        // another dev set would choose the best checkpoint by accuracies measured on two sets
        assertThatThrownBy(() -> train(classify(), train, TestData.nsmc("dev.tsv", 7), tmp, true))
                .hasMessageContaining("the dev data are not the interrupted run's");
        assertThatThrownBy(() -> train(classify(), train, dev, tmp, false))
                .hasMessageContaining("--resume");
        // A run stopped before its first checkpoint left its log alone: a new run starts there afresh ...
        AtomicDirectory.deleteTree(tmp.resolve("last"));
        train(classify().withStopAfter(1), train, dev, tmp, false);
        assertThat(tmp.resolve("last")).isDirectory();
        // ... but not beside anything else
        AtomicDirectory.deleteTree(tmp.resolve("last"));
        Files.writeString(tmp.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> train(classify(), train, dev, tmp, false))
                .hasMessageContaining(tmp + " is not empty (it holds notes.txt, train_log.jsonl)");
    }

    /**
     * Killed after its first best/ and before its first last/ (the whole write of that checkpoint, or a full disk):
     * no checkpoint to resume, so the same command starts again, and --resume says so.
     */
    @Test
    void aRunStoppedBetweenItsFirstBestAndItsFirstLastStartsAgain(@TempDir Path tmp) throws IOException {
        List<Example> train = TestData.nsmc("train.tsv", 16);
        List<Example> dev = TestData.nsmc("dev.tsv", 8);
        Trainer.Options firstStep = classify().withEvalEvery(1).withStopAfter(1);
        train(firstStep, train, dev, tmp, false);
        AtomicDirectory.deleteTree(tmp.resolve("last"));
        assertThatThrownBy(() -> train(classify(), train, dev, tmp, true))
                .hasMessage(tmp.resolve("last") + ": no checkpoint to resume from; the run in " + tmp
                        + " stopped before its first checkpoint, so the same command without --resume starts it afresh");
        train(firstStep, train, dev, tmp, false);
        assertThat(tmp.resolve("last/trainer_state.json")).isRegularFile();
        assertThat(tmp.resolve("best/config.json")).isRegularFile();
        // a best/ without a run's log beside it is someone's model, not a leftover
        AtomicDirectory.deleteTree(tmp.resolve("last"));
        Files.delete(tmp.resolve("train_log.jsonl"));
        assertThatThrownBy(() -> train(firstStep, train, dev, tmp, false))
                .hasMessageContaining(tmp + " is not empty (it holds best)");
    }

    /** tune --resume reads a trial that had finished back from its checkpoint; its last dev figures come with it. */
    @Test
    void aFinishedRunResumedReportsItsLastDevFigures(@TempDir Path tmp) throws IOException {
        List<Example> train = TestData.nsmc("train.tsv", 16);
        List<Example> dev = TestData.nsmc("dev.tsv", 8);
        ModelInit first = tiny(Labels.BINARY.names(), "single_label_classification", scalar);
        Trainer.Result done = new Trainer(first.model(), first.tokenizer(), classify().withEpochs(1), tmp).train(train, dev, false);
        ModelInit again = tiny(Labels.BINARY.names(), "single_label_classification", scalar);
        Trainer.Result resumed = new Trainer(again.model(), again.tokenizer(), classify().withEpochs(1), tmp).train(train, dev, true);
        assertThat(resumed.steps()).isEqualTo(done.steps());
        assertThat(resumed.lastDev()).isEqualTo(done.lastDev()).containsKey("dev_accuracy");
    }

    @Test
    void bestCheckpointIsAHuggingFaceDirectoryWithTheSameLogits(@TempDir Path tmp) throws IOException {
        List<Example> train = TestData.nsmc("train.tsv", 32);
        List<Example> dev = TestData.nsmc("dev.tsv", 16);
        ModelInit start = tiny(Labels.BINARY.names(), "single_label_classification", scalar);
        Trainer trainer = new Trainer(start.model(), start.tokenizer(), classify().withEpochs(1), tmp);
        Trainer.Result result = trainer.train(train, dev, false);
        assertThat(result.finished()).isTrue();
        assertThat(result.bestStep()).isEqualTo(4); // one evaluation, at the end: best/ holds the final weights

        Path best = tmp.resolve("best");
        assertThat(best.resolve("config.json")).exists();
        assertThat(best.resolve("vocab.txt")).exists();
        assertThat(best.resolve("tokenizer_config.json")).exists();
        assertThat(best.resolve("model.safetensors")).exists();
        JsonNode config = JSON.readTree(best.resolve("config.json").toFile());
        assertThat(config.get("architectures").get(0).asText()).isEqualTo("ElectraForSequenceClassification");
        assertThat(config.get("id2label").get("1").asText()).isEqualTo("positive");
        assertThat(config.get("problem_type").asText()).isEqualTo("single_label_classification");

        ModelDirectory loaded = ModelDirectory.load(best, scalar);
        List<Encoding> encodings = new ArrayList<>();
        for (Example e : dev) encodings.add(loaded.tokenizer().encode(e.text(), null, 32, Truncation.HEAD_AND_TAIL));
        Batch batch = Batch.of(encodings, loaded.tokenizer().vocab().padId());
        float[] expected = scalar.read(start.model().logits(batch));
        float[] actual = scalar.read(((SequenceClassifier) loaded.model()).logits(batch));
        assertThat(actual).isEqualTo(expected);
        // the dev log loss logged is that of these logits
        float[][] rows = new float[dev.size()][];
        int[] gold = new int[dev.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = java.util.Arrays.copyOfRange(expected, 2 * i, 2 * i + 2);
            gold[i] = dev.get(i).label();
        }
        assertThat(result.lastDev().get("dev_log_loss")).isCloseTo(TemperatureScaling.logLoss(rows, gold, 1), within(1e-5));

        // last/ resumes: model, optimizer moments and state.
        assertThat(tmp.resolve("last/optimizer.safetensors")).exists();
        assertThat(TrainerState.read(tmp.resolve("last")).step()).isEqualTo(4);
        assertThat(Files.list(tmp).map(p -> p.getFileName().toString()))
                .containsExactlyInAnyOrder("best", "last", "train_log.jsonl");
    }

    /** Distillation rows whose probabilities are one-hot train exactly as labelled rows; other rows are refused. */
    @Test
    void oneHotSoftTargetsTrainAsLabelsDo(@TempDir Path tmp) throws IOException {
        List<Example> train = TestData.nsmc("train.tsv", 24);
        List<Example> dev = TestData.nsmc("dev.tsv", 8);
        List<Example> distilled = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            Example e = train.get(i);
            float[] oneHot = new float[2];
            oneHot[e.label()] = 1;
            // every other row distilled: batches mix soft rows with labelled ones
            distilled.add(i % 2 == 0 ? Example.distilled(e.text(), e.pair(), e.label(), oneHot) : e);
        }
        Map<String, HostTensor> labelled = train(classify(), train, dev, tmp.resolve("labelled"), false);
        Map<String, HostTensor> soft = train(classify(), distilled, dev, tmp.resolve("soft"), false);
        assertThat(soft.keySet()).isEqualTo(labelled.keySet());
        for (String name : labelled.keySet()) // Arrays.equals: AssertJ's diff of two large arrays takes minutes
            assertThat(java.util.Arrays.equals(soft.get(name).data(), labelled.get(name).data())).as(name).isTrue();
        assertThat(TrainerState.read(tmp.resolve("soft/last")).options()).containsEntry("soft_target_examples", "12");

        List<Example> threeWay = List.of(Example.distilled("좋아요", null, 0, new float[] {0.5f, 0.25f, 0.25f}));
        assertThatThrownBy(() -> train(classify(), threeWay, dev, tmp.resolve("bad"), false))
                .hasMessageContaining("3 probabilities for a model with 2 labels");
    }

    @Test
    void regressionLossFallsOnKorSts(@TempDir Path tmp) throws IOException {
        List<Example> train = TestData.korSts("sts-train.tsv", 320);
        List<Example> dev = TestData.korSts("sts-dev.tsv", 64);
        assertThat(train).allMatch(Example::isRegression);
        ModelInit start = tiny(List.of("LABEL_0"), "regression", cpu);
        Trainer.Options options = Trainer.Options.defaults(Trainer.Task.REGRESS).withEpochs(3).withBatchSize(16)
                .withLr(1e-3f).withMaxLength(48).withLogEvery(7);
        Trainer.Result result = new Trainer(start.model(), start.tokenizer(), options, tmp).train(train, dev, false);

        assertThat(result.metric()).isEqualTo("dev_spearman");
        assertThat(result.lastDev()).containsKeys("dev_pearson", "dev_spearman");
        List<Double> losses = new ArrayList<>();
        for (String line : Files.readAllLines(tmp.resolve("train_log.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.has("loss")) losses.add(n.get("loss").asDouble());
        }
        // 60 steps: a line every 7 and one for the last 4 steps (a short run's loss is never left unlogged).
        assertThat(losses).hasSize(9);
        // Scores are 0–5: an untrained model's MSE is around their mean square; trained, it nears their variance.
        assertThat(losses.getLast()).isLessThan(losses.getFirst() * 0.5);
    }

    /** A loss that is not finite before the first update is not the learning rate's doing, and is not blamed on it. */
    @Test
    void aLossThatIsNotFiniteBeforeAnyUpdateBlamesTheModelNotTheLearningRate(@TempDir Path tmp) throws IOException {
        ModelInit start = tiny(Labels.BINARY.names(), "single_label_classification", scalar);
        var head = start.model().params().get("classifier.out_proj.weight").value();
        float[] huge = scalar.read(head);
        java.util.Arrays.fill(huge, 3e38f); // finite weights whose logits overflow
        scalar.write(head, huge);
        Trainer.Options oneStep = classify().withEpochs(1).withWarmup(0);
        assertThatThrownBy(() -> new Trainer(start.model(), start.tokenizer(), oneStep, tmp.resolve("run"))
                .train(TestData.nsmc("train.tsv", 8), TestData.nsmc("dev.tsv", 8), false))
                .isInstanceOf(Divergence.class)
                .hasMessageMatching("the loss is (NaN|-?Infinity) at step 1, before any update; the model computes it from"
                        + " its own weights and config.json, so a lower learning rate would not help");
    }

    /**
     * A huge learning rate: the one update of a one-step run, whose loss was finite, makes every output NaN. The dev
     * evaluation counted NaN rows as the first label and saved the model as best/, the run "finished".
     */
    @Test
    void aRunWhoseOutputsBecomeNaNStopsAndSavesNoCheckpointOfThem(@TempDir Path tmp) throws IOException {
        List<Example> train = TestData.nsmc("train.tsv", 16);
        List<Example> dev = TestData.nsmc("dev.tsv", 8);
        Trainer.Options oneStep = classify().withEpochs(1).withBatchSize(16).withWarmup(0).withLr(1e30f);
        assertThatThrownBy(() -> train(oneStep, train, dev, tmp.resolve("one"), false))
                .isInstanceOf(Divergence.class)
                .hasMessageMatching("the (model's outputs became (NaN|-?Infinity)|weights overflowed) at step 1; lower the learning rate \\(--lr\\)");
        assertThat(tmp.resolve("one/best")).doesNotExist();
        assertThat(tmp.resolve("one/last")).doesNotExist();

        // Warmup makes the first step's rate 0: its untrained weights are evaluated and kept, the second step diverges.
        Trainer.Options twoSteps = oneStep.withEpochs(2).withWarmup(0.5f);
        assertThatThrownBy(() -> train(twoSteps, train, dev, tmp.resolve("two"), false))
                .isInstanceOf(Divergence.class).hasMessageContaining("at step 2; lower the learning rate");
        assertThat(TrainerState.read(tmp.resolve("two/last")).step()).isEqualTo(1);
        ModelDirectory best = ModelDirectory.load(tmp.resolve("two/best"), scalar);
        List<Encoding> encodings = new ArrayList<>();
        for (Example e : dev) encodings.add(best.tokenizer().encode(e.text(), null, 32, Truncation.HEAD_AND_TAIL));
        float[] logits = scalar.read(((SequenceClassifier) best.model()).logits(Batch.of(encodings, best.tokenizer().vocab().padId())));
        for (float v : logits) assertThat(v).isFinite();
    }

    /** Spearman is undefined (NaN) on one dev row or constant dev scores: every checkpoint would be chosen by nothing. */
    @Test
    void aRegressionDevSetWithoutADefinedCorrelationIsRefused(@TempDir Path tmp) throws IOException {
        List<Example> train = TestData.korSts("sts-train.tsv", 16);
        List<Example> dev = TestData.korSts("sts-dev.tsv", 8);
        List<Example> constant = dev.stream().map(e -> Example.scored(e.text(), e.pair(), 3f)).toList();
        Trainer.Options options = Trainer.Options.defaults(Trainer.Task.REGRESS).withEpochs(1).withBatchSize(8).withMaxLength(32);
        for (List<Example> bad : List.of(constant, dev.subList(0, 1))) {
            ModelInit start = tiny(List.of("LABEL_0"), "regression", scalar);
            Trainer trainer = new Trainer(start.model(), start.tokenizer(), options, tmp.resolve("out"));
            assertThatThrownBy(() -> trainer.requireStartable(train, bad, false)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("dev_spearman, which picks the best checkpoint,");
            assertThatThrownBy(() -> trainer.train(train, bad, false)).hasMessageContaining("dev_spearman");
            assertThat(tmp.resolve("out")).doesNotExist();
        }
    }

    /**
     * A model that gives every dev row one score has no Spearman: its first checkpoint stayed best (NaN compares false
     * with everything), the log wrote the string "NaN" where eval --json writes null.
     */
    @Test
    void aCollapsedRegressionModelIsNeverBestAndItsUndefinedFiguresAreLoggedAsNull(@TempDir Path tmp) throws IOException {
        List<Example> train = TestData.korSts("sts-train.tsv", 150);
        List<Example> dev = TestData.korSts("sts-dev.tsv", 60);
        ModelInit start = tiny(List.of("LABEL_0"), "regression", scalar);
        Trainer.Options options = Trainer.Options.defaults(Trainer.Task.REGRESS).withEpochs(3).withBatchSize(16)
                .withLr(100).withWarmup(0).withMaxLength(32);
        Trainer.Result result = new Trainer(start.model(), start.tokenizer(), options, tmp).train(train, dev, false);
        assertThat(result.lastDev().get("dev_spearman")).isNaN();
        assertThat(result.bestStep()).isEqualTo(-1);
        assertThat(tmp.resolve("best")).doesNotExist();
        List<JsonNode> evaluations = new ArrayList<>();
        for (String line : Files.readAllLines(tmp.resolve("train_log.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.has("dev_spearman")) evaluations.add(n);
        }
        assertThat(evaluations).hasSize(3).allMatch(n -> n.get("dev_spearman").isNull());
    }

    /** One step that is all warmup has learning rate 0 and trains nothing, as --lr 0 (refused) would. */
    @Test
    void aScheduleWhoseEveryStepHasLearningRateZeroIsRefused(@TempDir Path tmp) throws IOException {
        List<Example> train = TestData.nsmc("train.tsv", 16);
        List<Example> dev = TestData.nsmc("dev.tsv", 8);
        for (float warmup : new float[] {0.5f, 1f})
            assertThatThrownBy(() -> train(classify().withEpochs(1).withBatchSize(16).withWarmup(warmup), train, dev, tmp, false))
                    .hasMessage("warmup " + warmup + " makes the only step of this run a warmup step, whose learning rate"
                            + " is 0, so it would train nothing; lower the warmup or train for more steps");
        assertThat(train(classify().withEpochs(2).withBatchSize(16).withWarmup(0.5f), train, dev, tmp, false)).isNotEmpty();
    }

    private static List<Integer> steps(Path log) throws IOException {
        List<Integer> steps = new ArrayList<>();
        for (String line : Files.readAllLines(log)) steps.add(JSON.readTree(line).get("step").asInt());
        return steps;
    }
}
