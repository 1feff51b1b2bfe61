package dev.raccoon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raccoon.train.run.AtomicDirectory;
import dev.raccoon.train.run.OutputLock;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** train and tune end to end through {@link Main#run}, on a tiny model and a few dozen NSMC rows. */
class TrainCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path data;
    private static Path vocab;

    @BeforeAll
    static void writeData() throws IOException {
        Path shared = Path.of(System.getProperty("raccoon.shared", "../../shared"));
        Path nsmc = shared.resolve("data/nsmc");
        vocab = shared.resolve("data/vocab/koelectra-v1-vocab.txt");
        assumeTrue(Files.exists(nsmc.resolve("train.tsv")) && Files.exists(vocab), "shared NSMC data or vocab missing");
        head(nsmc.resolve("train.tsv"), data.resolve("train.tsv"), 48);
        head(nsmc.resolve("dev.tsv"), data.resolve("dev.tsv"), 16);
    }

    /** The header and the first {@code rows} rows. */
    private static void head(Path from, Path to, int rows) throws IOException {
        try (Stream<String> lines = Files.lines(from, StandardCharsets.UTF_8)) {
            Files.write(to, lines.limit(rows + 1L).toList(), StandardCharsets.UTF_8);
        }
    }

    private static List<String> args(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("--config", "tiny", "--vocab", vocab.toString(),
                "--train", data.resolve("train.tsv").toString(), "--dev", data.resolve("dev.tsv").toString(),
                "--out", out.toString(), "--epochs", "1", "--batch-size", "16", "--lr", "1e-3", "--max-length", "32",
                "--threads", "2", "--no-progress", "--log-every", "1"));
        args.addAll(List.of(more));
        return args;
    }

    /** {@link #args} without the options the tune tests' spaces search (tune refuses both). */
    private static List<String> searched(List<String> args) {
        List<String> a = new ArrayList<>(args);
        for (String option : List.of("--lr", "--epochs", "--batch-size")) a.subList(a.indexOf(option), a.indexOf(option) + 2).clear();
        return a;
    }

    private static CliRun raccoon(String command, List<String> args) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(args);
        return CliRun.run("", all.toArray(String[]::new));
    }

    @Test
    void distillTrainsAStudentOnATeachersProbabilitiesWithoutTheDevTexts(@TempDir Path out) throws IOException {
        Path teacher = out.resolve("teacher");
        CliRun trained = raccoon("train", args(teacher));
        assertThat(trained.exitCode()).as(trained.err()).isZero();
        assertThat(trained.err()).as("--no-progress: a plain line at each dev evaluation")
                .containsPattern("train step 3/3 · epoch 1\\.00 · loss [0-9.]+ · dev_accuracy [0-9.]+ \\(best [0-9.]+\\) · \\d+ ex/s · ")
                .doesNotContain("\r");
        // Unlabelled: two dev texts (one with extra spaces), a training text, a repeat and two new texts.
        List<String> devRows = Files.readAllLines(data.resolve("dev.tsv")), trainRows = Files.readAllLines(data.resolve("train.tsv"));
        Path unlabelled = out.resolve("corpus.txt");
        Files.write(unlabelled, List.of(devRows.get(1).split("\t")[1], "  " + devRows.get(2).split("\t")[1].replace(" ", "   "),
                trainRows.get(1).split("\t")[1], "처음 보는 리뷰", "처음 보는 리뷰", "또 다른 리뷰"), StandardCharsets.UTF_8);

        Path student = out.resolve("student");
        CliRun distilled = raccoon("distill", args(student, "--teacher", teacher.resolve("best").toString(),
                "--unlabeled", unlabelled.toString(), "--gold-weight", "0.3"));
        assertThat(distilled.exitCode()).as(distilled.err()).isZero();
        assertThat(distilled.err()).contains("distilling: 1 teacher; 48 labelled rows; 6 unlabelled lines read, 2 kept "
                + "(2 equal to a held-out text, 2 repeated or labelled already, 0 blank)");
        assertThat(distilled.err()).as("--no-progress: a plain line when a teacher has labelled every text")
                .contains("teachers step 1/1 · " + teacher.resolve("best") + " labelled 50 texts · ");
        // 50 rows in batches of 16: 4 steps.
        assertThat(distilled.out()).contains("finished after 4 of 4 steps");
        JsonNode state = JSON.readTree(out.resolve("student/last/trainer_state.json").toFile());
        assertThat(state.get("options").get("soft_target_examples").asText()).isEqualTo("50");
        assertThat(out.resolve("student/best/model.safetensors")).exists();
        // a teacher with fewer positions than --max-length reads less of a text than asked: said, as for the student
        List<String> longer = args(out.resolve("longer"), "--teacher", teacher.resolve("best").toString(), "--stop-after", "1");
        longer.set(longer.indexOf("--max-length") + 1, "600");
        CliRun readsLess = raccoon("distill", longer);
        assertThat(readsLess.exitCode()).as(readsLess.err()).isZero();
        assertThat(readsLess.err()).contains("note: --max-length 600 is more than teacher " + teacher.resolve("best")
                + "'s 512 positions; texts are read to 512 tokens");

        // Stopped, then resumed in another precision: the teachers' targets differ in their last bits, which is no
        // reason to refuse; another gold weight is.
        Path halfway = out.resolve("halfway");
        List<String> distill = args(halfway, "--teacher", teacher.resolve("best").toString(), "--unlabeled", unlabelled.toString(),
                "--gold-weight", "0.3");
        CliRun stopped = raccoon("distill", concat(distill, "--stop-after", "2"));
        assertThat(stopped.out()).as(stopped.err()).contains("stopped (resume with --resume) after 2 of 4 steps");
        CliRun otherGold = raccoon("distill", concat(args(halfway, "--teacher", teacher.resolve("best").toString(),
                "--unlabeled", unlabelled.toString(), "--gold-weight", "0.4"), "--resume"));
        assertThat(otherGold.exitCode()).isEqualTo(1);
        assertThat(otherGold.err()).contains("gold_weight was 0.3 and is now 0.4")
                .as("refused before the teachers label anything").doesNotContain("labelled");
        // a teacher written anew at its path (ngram --out again) is another teacher
        Path weights = teacher.resolve("best/model.safetensors");
        java.nio.file.attribute.FileTime written = Files.getLastModifiedTime(weights);
        Files.setLastModifiedTime(weights, java.nio.file.attribute.FileTime.fromMillis(written.toMillis() + 60_000));
        CliRun rewritten = raccoon("distill", concat(distill, "--resume"));
        assertThat(rewritten.exitCode()).isEqualTo(1);
        assertThat(rewritten.err()).contains("a teacher's files changed since the interrupted run");
        Files.setLastModifiedTime(weights, written);
        CliRun resumed = raccoon("distill", concat(distill, "--resume", "--precision", "bf16"));
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("finished after 4 of 4 steps");

        CliRun wrongLabels = raccoon("distill", args(out.resolve("bad"), "--teacher", teacher.resolve("best").toString(),
                "--labels", "bad,good"));
        assertThat(wrongLabels.exitCode()).isEqualTo(1);
        assertThat(wrongLabels.err()).contains("has the labels [negative, positive], the student [bad, good]");
        CliRun badWeight = raccoon("distill", args(out.resolve("bad"), "--teacher", teacher.resolve("best").toString(),
                "--gold-weight", "2"));
        assertThat(badWeight.exitCode()).isEqualTo(2);
        assertThat(badWeight.err()).contains("--gold-weight must lie in [0, 1], got 2.0");
    }

    @Test
    void ngramTrainsTheBaselineWhichEvalScoresAndDistillTakesAsAWeightedTeacher(@TempDir Path out) throws IOException {
        Path ngram = out.resolve("ngram");
        CliRun trained = CliRun.run("", "ngram", "--train", data.resolve("train.tsv").toString(), "--dev",
                data.resolve("dev.tsv").toString(), "--out", ngram.toString(), "--max-n", "3", "-C", "4");
        assertThat(trained.exitCode()).as(trained.err()).isZero();
        assertThat(trained.out()).containsPattern("\\d+ features; dev accuracy 0\\.\\d{4} \\(\\d+ of 16\\): " + ngram);
        assertThat(ngram.resolve("ngram_config.json")).exists();

        CliRun eval = CliRun.run("", "eval", "--ngram", ngram.toString(), "--data", data.resolve("dev.tsv").toString(), "--json");
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        JsonNode metrics = JSON.readTree(eval.out());
        assertThat(metrics.get("n").asInt()).isEqualTo(16);
        // The same model, the same rows: eval's accuracy is the one ngram printed.
        assertThat(trained.out()).contains(String.format(java.util.Locale.ROOT, "dev accuracy %.4f", metrics.get("accuracy").asDouble()));

        CliRun predict = CliRun.run("", "predict", "--model", ngram.toString(), "좋아요");
        assertThat(predict.exitCode()).isEqualTo(1);
        assertThat(predict.err()).contains("is a character n-gram model", "raccoon eval --ngram");

        Path teacher = out.resolve("teacher");
        assertThat(raccoon("train", args(teacher)).exitCode()).isZero();
        CliRun distilled = raccoon("distill", args(out.resolve("student"), "--teacher", teacher.resolve("best").toString(),
                "--teacher", ngram.toString(), "--teacher-weight", "1,3"));
        assertThat(distilled.exitCode()).as(distilled.err()).isZero();
        assertThat(distilled.err()).contains("distilling: 2 teachers; 48 labelled rows");
        assertThat(out.resolve("student/best/model.safetensors")).exists();

        CliRun oneWeight = raccoon("distill", args(out.resolve("bad"), "--teacher", teacher.resolve("best").toString(),
                "--teacher", ngram.toString(), "--teacher-weight", "1"));
        assertThat(oneWeight.exitCode()).isEqualTo(2);
        assertThat(oneWeight.err()).contains("1 --teacher-weight for 2 --teacher");
        CliRun badC = CliRun.run("", "ngram", "--train", data.resolve("train.tsv").toString(), "--dev",
                data.resolve("dev.tsv").toString(), "--out", out.resolve("bad").toString(), "-C", "0");
        assertThat(badC.exitCode()).isEqualTo(2);
        assertThat(badC.err()).contains("C and eps must be positive");
    }

    @Test
    void trainWritesCheckpointsLogAndSummaryThenResumes(@TempDir Path out) throws IOException {
        CliRun stopped = raccoon("train", args(out, "--stop-after", "2"));
        assertThat(stopped.exitCode()).as(stopped.err()).isZero();
        assertThat(stopped.out()).contains("stopped (resume with --resume) after 2 of 3 steps");
        assertThat(out.resolve("last/trainer_state.json")).exists();

        CliRun fresh = raccoon("train", args(out));
        assertThat(fresh.exitCode()).isEqualTo(1);
        assertThat(fresh.err()).as("refused before it says what it would train").contains("continue it with --resume")
                .doesNotContain("training a new");
        List<String> otherVocab = args(out, "--resume");
        Path smaller = data.resolve("vocab-3000.txt");
        head(vocab, smaller, 2999);
        otherVocab.set(otherVocab.indexOf("--vocab") + 1, smaller.toString());
        CliRun wrongVocab = raccoon("train", otherVocab);
        assertThat(wrongVocab.exitCode()).isEqualTo(1);
        assertThat(wrongVocab.err()).contains("the vocabulary is not the interrupted run's");
        CliRun nothing = raccoon("train", args(out.resolve("never"), "--resume"));
        assertThat(nothing.exitCode()).isEqualTo(1);
        assertThat(nothing.err()).contains("no checkpoint to resume from").doesNotContain("training the run");
        CliRun resumed = raccoon("train", args(out, "--resume"));
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("training the run in " + out + " from its last checkpoint").doesNotContain("a new tiny model");
        assertThat(resumed.out()).contains("finished after 3 of 3 steps").containsPattern("best dev_accuracy 0\\.\\d{4} at step 3");
        JsonNode config = JSON.readTree(out.resolve("best/config.json").toFile());
        assertThat(config.get("id2label").toString()).isEqualTo("{\"0\":\"negative\",\"1\":\"positive\"}");
        List<String> log = Files.readAllLines(out.resolve("train_log.jsonl"));
        assertThat(log).hasSize(4); // steps 1, 2, 3 and the evaluation
        assertThat(JSON.readTree(log.get(0)).fieldNames()).toIterable()
                .containsExactly("step", "epoch", "loss", "lr", "examples_per_s");
        assertThat(JSON.readTree(log.get(3)).fieldNames()).toIterable()
                .containsExactly("step", "epoch", "dev_accuracy", "dev_macro_f1", "dev_log_loss");

        // The trained model classifies through predict.
        CliRun predict = CliRun.run("", "predict", "--model", out.resolve("best").toString(), "--json", "최고의 영화");
        assertThat(predict.exitCode()).as(predict.err()).isZero();
        assertThat(predict.out()).contains("\"label\":");
    }

    /** A run into an output another run is writing is refused at once, before it reads its data or trains. */
    @Test
    void aRunIntoAnOutputAnotherRunIsWritingIsRefused(@TempDir Path out) throws IOException {
        Path space = Files.writeString(data.resolve("one-point.json"), "{\"lr\": [1e-3]}");
        try (var _ = OutputLock.acquire(out.resolve("run"))) {
            for (List<String> command : List.of(List.of("train"), List.of("distill", "--teacher", CliRun.oracleClassifier().toString()),
                    List.of("tune", "--space", space.toString()))) {
                List<String> all = new ArrayList<>(command.subList(1, command.size()));
                all.addAll(command.getFirst().equals("tune") ? searched(args(out.resolve("run"))) : args(out.resolve("run")));
                CliRun refused = raccoon(command.getFirst(), all);
                assertThat(refused.exitCode()).as(refused.err()).isEqualTo(1);
                assertThat(refused.err()).as(command.getFirst())
                        .isEqualTo("raccoon " + command.getFirst() + ": another raccoon run is writing " + out.resolve("run") + "\n");
            }
        }
        assertThat(out.resolve("run")).doesNotExist();
        CliRun after = raccoon("train", args(out.resolve("run")));
        assertThat(after.exitCode()).as("the lock ends with its run: " + after.err()).isZero();
        try (var stream = Files.list(out)) {
            assertThat(stream.map(p -> p.getFileName().toString())).as("no lock file is left").containsExactly("run");
        }
    }

    /** SIGTERM (or Ctrl-C) mid-run says which step the checkpoint holds and how to go on. */
    @Test
    void anInterruptedRunSaysWhereItsCheckpointStands(@TempDir Path out) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), "dev.raccoon.cli.Main", "train"));
        List<String> args = args(out);
        args.set(args.indexOf("--epochs") + 1, "1000");
        args.set(args.indexOf("--threads") + 1, "1");
        command.addAll(args);
        Path log = out.resolveSibling(out.getFileName() + ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            for (long deadline = System.nanoTime() + 120_000_000_000L; System.nanoTime() < deadline && p.isAlive()
                    && !Files.exists(out.resolve("last/trainer_state.json")); ) Thread.sleep(20);
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        String printed = Files.readString(log);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("train: interrupted; " + java.util.regex.Pattern.quote(out.resolve("last").toString())
                + " holds step (\\d+); the same command with --resume goes on from there").matcher(printed);
        assertThat(m.find()).as(printed).isTrue();
        int step = Integer.parseInt(m.group(1));
        assertThat(step).isPositive().isEqualTo(JSON.readTree(out.resolve("last/trainer_state.json").toFile()).get("step").asInt());
    }

    /** SIGTERM while the teachers label the texts: nothing is written yet, and the message says so. */
    @Test
    void distillInterruptedBeforeTrainingSaysTheOutputIsAsItWas(@TempDir Path out) throws Exception {
        Path unlabelled = out.resolve("corpus.txt");
        Files.write(unlabelled, IntStream.range(0, 300_000).mapToObj(i -> "처음 보는 리뷰 " + i).toList(), StandardCharsets.UTF_8);
        Path student = out.resolve("student");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), "dev.raccoon.cli.Main", "distill"));
        command.addAll(args(student, "--teacher", CliRun.oracleClassifier().toString(), "--unlabeled", unlabelled.toString()));
        command.set(command.indexOf("--threads") + 1, "1");
        Path log = out.resolve("distill.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            // The summary line comes just before the labelling.
            for (long deadline = System.nanoTime() + 120_000_000_000L; System.nanoTime() < deadline && p.isAlive()
                    && !Files.readString(log).contains("distilling: "); ) Thread.sleep(20);
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(Files.readString(log)).contains("distilling: 1 teacher; 48 labelled rows; 300000 unlabelled lines read")
                .contains("distill: interrupted before training began, while the data was read and the teachers labelled it; "
                        + student + " is as it was, and the same command starts again from the teachers")
                .doesNotContain("teachers step 1/1");
        assertThat(student.resolve("last")).doesNotExist();
    }

    @Test
    void saysWhichDropoutFineTuningUsesAndThatACheckpointWithoutOneKeepsNone(@TempDir Path out) {
        // The oracle's classifier, like a checkpoint pretrained with --dropout 0, has dropout 0 in its config.json.
        List<String> args = new ArrayList<>(List.of("--model", CliRun.oracleClassifier().toString(),
                "--train", data.resolve("train.tsv").toString(), "--dev", data.resolve("dev.tsv").toString(),
                "--epochs", "1", "--batch-size", "16", "--max-length", "32", "--threads", "2", "--stop-after", "1"));
        CliRun inherited = raccoon("train", concat(args, "--out", out.resolve("a").toString()));
        assertThat(inherited.exitCode()).as(inherited.err()).isZero();
        assertThat(inherited.err()).contains("(dropout 0.0; the checkpoint's config.json sets none, --dropout 0.1 adds it;");
        CliRun set = raccoon("train", concat(args, "--out", out.resolve("b").toString(), "--dropout", "0.1"));
        assertThat(set.exitCode()).as(set.err()).isZero();
        assertThat(set.err()).contains("(dropout 0.1; cpu").doesNotContain("sets none");
    }

    private static List<String> concat(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all;
    }

    @Test
    void usageErrorsExitWithTwo(@TempDir Path out) {
        CliRun noVocab = raccoon("train", List.of("--config", "tiny", "--train", "a.tsv", "--dev", "b.tsv", "--out", out.toString()));
        assertThat(noVocab.exitCode()).isEqualTo(2);
        assertThat(noVocab.err()).contains("--config needs --vocab");
        CliRun both = raccoon("train", args(out, "--model", out.toString()));
        assertThat(both.exitCode()).isEqualTo(2);
        List<String> huge = args(out);
        huge.set(huge.indexOf("tiny"), "huge");
        CliRun badSize = raccoon("train", huge);
        assertThat(badSize.exitCode()).isEqualTo(2);
        assertThat(badSize.err()).contains("unknown config \"huge\"");
        CliRun badTask = raccoon("train", args(out, "--task", "rank"));
        assertThat(badTask.exitCode()).isEqualTo(2);
        assertThat(badTask.err()).contains("--task must be classify or regress, not 'rank'");
        // a regression has no classes: --labels was dropped without a word
        CliRun scoresWithLabels = raccoon("train", args(out, "--task", "regress", "--labels", "a,b"));
        assertThat(scoresWithLabels.exitCode()).isEqualTo(2);
        assertThat(scoresWithLabels.err()).contains("--labels names classes, and --task regress learns a score, which has none");
        // distill trains classifiers only, so it offers no --task
        assertThat(raccoon("distill", List.of("--help")).out()).contains("--teacher").doesNotContain("--task");
        CliRun distillTask = raccoon("distill", args(out, "--teacher", out.toString(), "--task", "regress"));
        assertThat(distillTask.exitCode()).isEqualTo(2);
        assertThat(distillTask.err()).contains("Unknown options: '--task', 'regress'");
    }

    @Test
    void settingsBeyondTheModelOrTheMachineAreNamed(@TempDir Path out) throws IOException {
        int cores = Runtime.getRuntime().availableProcessors();
        List<String> a = args(out, "--stop-after", "1");
        a.set(a.indexOf("--max-length") + 1, "100000");
        a.set(a.indexOf("--threads") + 1, Integer.toString(cores + 1));
        CliRun run = raccoon("train", a);
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).containsPattern("note: --max-length 100000 is more than the model's (\\d+) positions; texts are read to \\1 tokens")
                .contains("note: --threads " + (cores + 1) + " is more than the " + cores + " cores");

        // tune says it once, not at every trial
        Path space = out.resolve("space.json");
        Files.writeString(space, "{\"lr\": [3e-4, 1e-3], \"epochs\": [1], \"batch_size\": [16]}");
        List<String> t = searched(args(out.resolve("tune"), "--space", space.toString()));
        t.set(t.indexOf("--max-length") + 1, "100000");
        CliRun tune = raccoon("tune", t);
        assertThat(tune.exitCode()).as(tune.err()).isZero();
        assertThat(tune.err().split("note: --max-length 100000 is more than the model's", -1)).as(tune.err()).hasSize(2);
    }

    @Test
    void missingDataIsOneSentenceAndExitOne(@TempDir Path out) {
        List<String> a = args(out);
        a.set(a.indexOf("--train") + 1, out.resolve("nope.tsv").toString());
        CliRun run = raccoon("train", a);
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("nope.tsv").doesNotContain("Exception").hasLineCount(1);
    }

    @Test
    void tuneRefusesAnOptionItsSpaceSearchesAndSaysWhenTrialsExceedTheGrid(@TempDir Path out) throws IOException {
        Path space = data.resolve("lr-space.json");
        Files.writeString(space, "{\"lr\": [3e-4], \"epochs\": [1]}");
        List<String> a = args(out, "--space", space.toString());
        CliRun both = raccoon("tune", a); // args() gives --lr and --epochs, which the space also sets
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("--epochs is searched by " + space + ", which sets its values; give it in one place");
        List<String> searched = searched(a);
        searched.addAll(List.of("--trials", "5"));
        CliRun run = raccoon("tune", searched);
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("--trials 5 is more than the 1 point of the grid; it runs");
        assertThat(run.out()).contains("1 trial (");
    }

    @Test
    void tuneRunsEveryTrialAndReportsTheBest(@TempDir Path out) throws IOException {
        Path space = data.resolve("space.json");
        Files.writeString(space, "{\"lr\": [3e-4, 1e-3], \"epochs\": [1], \"batch_size\": [16], \"dropout\": [0.1]}");
        CliRun run = raccoon("tune", searched(args(out, "--space", space.toString())));
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("2 trials \\(cpu, \\d threads?\\)").containsPattern("best: trial [12], dev_accuracy 0\\.\\d{4}")
                .containsPattern("\\n1 +0\\.0003 +1 +0\\.1 ").doesNotContain("E-4");
        assertThat(run.err()).as("progress lines name their trial").contains("trial 1/2 step ", "trial 2/2 step ");
        JsonNode results = JSON.readTree(out.resolve("results.json").toFile());
        assertThat(results.get("trials")).hasSize(2);
        assertThat(results.get("trials").get(1).get("lr").floatValue()).isEqualTo(1e-3f);
        assertThat(results.get("best").get("dev_accuracy").asDouble()).isBetween(0.0, 1.0);
        assertThat(out.resolve("trial-1/best/model.safetensors")).exists();
        assertThat(out.resolve("trial-2/best/model.safetensors")).exists();

        // Interrupted during trial 2 before its first checkpoint: a rerun is refused, --resume keeps trial 1 and
        // runs trial 2 again, to the same figures.
        JsonNode before = results.get("trials");
        AtomicDirectory.deleteTree(out.resolve("trial-2/last"));
        AtomicDirectory.deleteTree(out.resolve("trial-2/best"));
        CliRun again = raccoon("tune", searched(args(out, "--space", space.toString())));
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("holds an earlier search; continue it with --resume");
        assertThat(again.out()).as("refused before the table starts").isEmpty();
        CliRun resumed = raccoon("tune", searched(args(out, "--space", space.toString(), "--resume")));
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        JsonNode after = JSON.readTree(out.resolve("results.json").toFile()).get("trials");
        for (int t = 0; t < 2; t++)
            assertThat(after.get(t).get("dev_accuracy").asDouble()).isEqualTo(before.get(t).get("dev_accuracy").asDouble());
        // the finished trial keeps the time and speed it was trained at
        assertThat(after.get(0).get("seconds").asDouble()).isEqualTo(before.get(0).get("seconds").asDouble());
        assertThat(after.get(0).get("examples_per_s").asDouble()).isEqualTo(before.get(0).get("examples_per_s").asDouble());
        assertThat(resumed.err()).contains("trial-1 finished all 3 steps already; nothing to train");
        assertThat(out.resolve("trial-2/best/model.safetensors")).exists();

        // A resume whose second trial no longer matches its checkpoint stops before the first rewrites results.json.
        byte[] written = Files.readAllBytes(out.resolve("results.json"));
        Path other = data.resolve("other-space.json");
        Files.writeString(other, "{\"lr\": [3e-4, 2e-3], \"epochs\": [1], \"batch_size\": [16], \"dropout\": [0.1]}");
        CliRun mismatched = raccoon("tune", searched(args(out, "--space", other.toString(), "--resume")));
        assertThat(mismatched.exitCode()).isEqualTo(1);
        assertThat(mismatched.err()).contains("trial-2").contains("trial was lr 0.001, epochs 1, warmup 0.1, batch size 16,"
                + " dropout 0.1 and is now lr 0.002,");
        assertThat(mismatched.err()).doesNotContain("trial 1/2 step");
        assertThat(Files.readAllBytes(out.resolve("results.json"))).isEqualTo(written);
    }

    /** eval warns about such a file; train picked checkpoints by it in silence (a model answering one label scores 1.0). */
    @Test
    void aDevSetWithoutOneOfTheLabelsIsWarnedAbout(@TempDir Path out) throws IOException {
        List<String> rows = Files.readAllLines(data.resolve("dev.tsv"));
        List<String> positive = new ArrayList<>(List.of(rows.getFirst()));
        positive.addAll(rows.stream().skip(1).filter(r -> r.endsWith("\t1")).toList());
        Path dev = Files.write(out.resolve("positive.tsv"), positive);
        List<String> a = args(out.resolve("run"));
        a.set(a.indexOf(data.resolve("dev.tsv").toString()), dev.toString());
        CliRun run = raccoon("train", a);
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("raccoon train: warning: no --dev row has the label 'negative' of [negative, positive],"
                + " so the dev accuracy that picks the best checkpoint cannot see it; is " + dev + " the data for this task?");
    }

    /** The diverging point came from the space, not from --lr: it stopped the whole search with "lower --lr". */
    @Test
    void tuneRecordsADivergingTrialAndGoesOn(@TempDir Path out) throws IOException {
        Path space = out.resolve("space.json");
        Files.writeString(space, "{\"lr\": [1e-3, 1e30], \"epochs\": [1], \"batch_size\": [48], \"warmup\": [0]}");
        CliRun run = raccoon("tune", searched(args(out.resolve("search"), "--space", space.toString())));
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("\\n2 +\\S+ +1 +0 +48 +- +diverged: the [a-z' ]+ (NaN|-?Infinity|overflowed) at step 1 \\(left out of the ranking\\)")
                .containsPattern("best: trial 1, dev_accuracy 0\\.\\d{4}");
        JsonNode trial2 = JSON.readTree(out.resolve("search/results.json").toFile()).at("/trials/1");
        assertThat(trial2.get("diverged").asText()).endsWith("at step 1");
        assertThat(trial2.get("dev_accuracy").isNull()).isTrue();
    }
}
