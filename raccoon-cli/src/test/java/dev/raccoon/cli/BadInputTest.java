package dev.raccoon.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Mistakes a user makes with paths, files and option values: a clear message, the right exit code, nothing lost. */
class BadInputTest {
    @TempDir
    Path dir;

    private static final List<String> REVIEWS = List.of("영화 정말 재밌어요", "시간 아깝다", "배우들 연기가 좋았어요", "스토리가 엉망",
            "최고의 영화", "지루했다", "또 보고 싶다", "돈 아까움");

    private Path tsv(String name) throws IOException {
        StringBuilder s = new StringBuilder("id\tdocument\tlabel\n");
        for (int i = 0; i < REVIEWS.size(); i++) s.append(i).append('\t').append(REVIEWS.get(i)).append('\t').append((i + 1) % 2).append('\n');
        return Files.writeString(dir.resolve(name), s.toString());
    }

    private static String model() {
        return CliRun.oracleClassifier().toString();
    }

    @Test
    void ngramRefusesToReplaceADirectoryItDidNotWrite() throws IOException {
        Path train = tsv("train.tsv"), victim = dir.resolve("victim");
        Files.createDirectories(victim.resolve("sub"));
        Files.writeString(victim.resolve("important.txt"), "precious");
        CliRun r = CliRun.run("", "ngram", "--train", train.toString(), "--dev", train.toString(), "--out", victim.toString(), "--max-n", "2");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("holds other files (no ngram_config.json in it)", "nothing was written");
        assertThat(victim.resolve("important.txt")).hasContent("precious");
        assertThat(victim.resolve("sub")).isDirectory();

        Path model = dir.resolve("ngram");
        Path skipping = Files.writeString(dir.resolve("skipping.tsv"), Files.readString(train) + "99\t\t1\n");
        for (int run = 0; run < 2; run++) { // an empty or absent path, then its own earlier output, are written
            CliRun ok = CliRun.run("", "ngram", "--train", skipping.toString(), "--dev", train.toString(), "--out", model.toString(), "--max-n", "2");
            assertThat(ok.exitCode()).as(ok.err()).isZero();
            assertThat(ok.err()).as("said as eval says it").contains("raccoon ngram: " + skipping + ": ").contains("1 skipped");
        }
        // --labels as a person types them, with a space after the comma, names no " positive"
        Path spaced = dir.resolve("spaced");
        CliRun named = CliRun.run("", "ngram", "--train", train.toString(), "--dev", train.toString(), "--out", spaced.toString(),
                "--max-n", "2", "--labels", "negative, positive");
        assertThat(named.exitCode()).as(named.err()).isZero();
        assertThat(dev.raccoon.train.ngram.NgramClassifier.load(spaced).labels()).containsExactly("negative", "positive");
        try (var entries = Files.list(dir)) {
            assertThat(entries.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp-") || n.endsWith(".old"));
        }
    }

    /** With a full corpus or many teachers, what comes before training takes hours: a wrong --out is found first. */
    @Test
    void anOutputThatCannotBeWrittenIsRefusedBeforeTheTeachersOrTheCorpusAreRead() throws IOException {
        Path train = tsv("train.tsv"), taken = Files.createDirectories(dir.resolve("taken"));
        Files.writeString(taken.resolve("notes.txt"), "mine");
        CliRun distill = CliRun.run("", "distill", "--teacher", model(), "--model", model(), "--train", train.toString(),
                "--dev", train.toString(), "--out", taken.toString(), "--no-progress");
        assertThat(distill.exitCode()).isEqualTo(1);
        assertThat(distill.err()).contains(taken + " is not empty (it holds notes.txt)").doesNotContain("distilling");
        CliRun resume = CliRun.run("", "distill", "--teacher", model(), "--model", model(), "--train", train.toString(),
                "--dev", train.toString(), "--out", dir.resolve("never").toString(), "--resume", "--no-progress");
        assertThat(resume.err()).contains("no checkpoint to resume from").doesNotContain("distilling");
        Path corpus = Files.writeString(dir.resolve("corpus.txt"), "좋은 영화\n".repeat(50));
        CliRun pretrain = CliRun.run("", "pretrain", "--config", "tiny", "--vocab", model(), "--corpus", corpus.toString(),
                "--out", taken.toString(), "--steps", "2");
        assertThat(pretrain.exitCode()).isEqualTo(1);
        assertThat(pretrain.err()).contains(taken + " is not empty (it holds notes.txt)").doesNotContain("reading");
        Path init = Files.createDirectories(dir.resolve("deep-init"));
        try (var files = Files.list(CliRun.repo("raccoon-model/src/test/resources/oracle/electra-discriminator"))) {
            for (Path f : files.toList()) Files.copy(f, init.resolve(f.getFileName()));
        }
        Files.writeString(init.resolve("config.json"), Files.readString(init.resolve("config.json"))
                .replaceFirst("\"num_hidden_layers\": *\\d+", "\"num_hidden_layers\": 100000"));
        CliRun deep = CliRun.run("", "pretrain", "--init", init.toString(), "--corpus", corpus.toString(),
                "--out", dir.resolve("deep").toString(), "--steps", "1");
        assertThat(deep.exitCode()).as(deep.err()).isEqualTo(1);
        assertThat(deep.err()).contains("gives num_hidden_layers 100000, but the weights hold 2 layers").doesNotContain("reading");
        assertUsage(CliRun.run("", "pretrain", "--config", "tiny", "--vocab", model(), "--corpus", corpus.toString(),
                "--out", dir.resolve("p").toString(), "--steps", "2", "--save-every", "0"), "save-every and log-every must be at least 1");
        List<String> trainArgs = List.of("train", "--config", "tiny", "--vocab", model(), "--train", train.toString(),
                "--dev", train.toString(), "--out", dir.resolve("t").toString());
        for (String[] wrong : new String[][] {{"--weight-decay", "NaN", "weight decay must be a finite number ≥ 0, got NaN"},
                {"--log-every", "0", "log-every must be positive, got 0"}, {"--eval-every", "-1", "eval-every must not be negative, got -1"}}) {
            List<String> args = new java.util.ArrayList<>(trainArgs);
            args.addAll(List.of(wrong[0], wrong[1]));
            assertUsage(CliRun.run("", args.toArray(String[]::new)), wrong[2]);
        }
    }

    /** Out of memory is one line with the way out, not a stack trace: picocli hands its handler exceptions only. */
    @Test
    void runningOutOfMemorySaysHowToGiveJavaMore() throws Exception {
        Path line = Files.writeString(dir.resolve("one-line.txt"), "가나다 ".repeat(3_000_000) + "\n");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx48m",
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), "dev.raccoon.cli.Main",
                "predict", "--model", model());
        Process p = new ProcessBuilder(command).redirectInput(line.toFile()).redirectErrorStream(true).start();
        String printed = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(printed).isEqualTo(1);
        assertThat(printed).containsPattern("raccoon predict: out of memory \\(Java heap space\\) with a 4[0-9] MB heap; give Java"
                + " more, e.g\\. RACCOON_JAVA_OPTS=-Xmx2g").doesNotContain("\tat ");
    }

    /** The advice grows with the heap that ran out: -Xmx8g told a 10 GB heap to shrink. */
    @Test
    void outOfMemoryAdviceIsTwiceTheHeapThatRanOut() {
        assertThat(Main.moreMemory(10L << 30)).isEqualTo("with a 10.0 GB heap; give Java more, e.g. RACCOON_JAVA_OPTS=-Xmx20g");
        assertThat(Main.moreMemory(6_400L << 20)).isEqualTo("with a 6.3 GB heap; give Java more, e.g. RACCOON_JAVA_OPTS=-Xmx13g");
    }

    @Test
    void anOutputDirectoryThatIsAFileIsAUsageErrorBeforeAnyWork() throws IOException {
        Path train = tsv("train.tsv"), file = Files.writeString(dir.resolve("file"), "x");
        CliRun r = CliRun.run("", "train", "--config", "tiny", "--vocab", model(), "--train", train.toString(), "--dev", train.toString(),
                "--out", file.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--out " + file + " is a file");
        CliRun ngram = CliRun.run("", "ngram", "--train", train.toString(), "--dev", train.toString(), "--out", file.toString());
        assertThat(ngram.exitCode()).as("as train says it").isEqualTo(2);
        assertThat(ngram.err()).contains("--out " + file + " is a file");
        CliRun eval = CliRun.run("", "eval", "--model", model(), "--data", train.toString(), "--report", file.toString());
        assertThat(eval.exitCode()).isEqualTo(2);
        assertThat(eval.err()).contains("--report " + file + " is a file");
        CliRun log = CliRun.run("", "eval", "--model", model(), "--data", train.toString(), "--report", dir.resolve("rep").toString(),
                "--log", dir.resolve("nolog.jsonl").toString());
        assertThat(log.exitCode()).isEqualTo(2);
        assertThat(log.err()).contains("nolog.jsonl: no such file");
        assertThat(dir.resolve("rep")).doesNotExist();
        CliRun notALog = CliRun.run("", "eval", "--model", model(), "--data", train.toString(), "--report", dir.resolve("rep").toString(),
                "--log", train.toString());
        assertThat(notALog.exitCode()).isEqualTo(2);
        assertThat(notALog.err()).contains("train.tsv holds no training log entries (9 unreadable lines)");
        assertThat(dir.resolve("rep")).doesNotExist();
    }

    @Test
    void serveSettingsThatCannotWorkAreUsageErrorsBeforeTheModelLoads() {
        CliRun origin = CliRun.run("", "serve", "--model", dir.resolve("no-model").toString(), "--cors-origin", "https://app.example.com/");
        assertThat(origin.exitCode()).isEqualTo(2);
        assertThat(origin.err()).contains("--cors-origin 'https://app.example.com/' is not a web origin", "without a path")
                .doesNotContain("no-model");
        CliRun port = CliRun.run("", "serve", "--model", dir.resolve("no-model").toString(), "--port", "70000");
        assertThat(port.exitCode()).isEqualTo(2);
        assertThat(port.err()).contains("--port must be 0..65535, got 70000");
        // Each message names the flag to change, not the setting behind it.
        assertUsage(CliRun.run("", "serve", "--model", dir.resolve("no-model").toString(), "--max-explain-texts", "0"),
                "--max-explain-texts must be at least 1, got 0");
        assertUsage(CliRun.run("", "serve", "--model", dir.resolve("no-model").toString(), "--max-body-bytes", "10"),
                "--max-body-bytes must be at least 64, got 10");
        assertUsage(CliRun.run("", "serve", "--model", dir.resolve("no-model").toString(), "--shutdown-grace-ms", "-1"),
                "--shutdown-grace-ms must not be negative, got -1");
    }

    @Test
    void aReportReplacesItsOwnDirectoryWholeAndNoOtherOne() throws IOException {
        Path data = tsv("dev.tsv"), report = dir.resolve("report");
        for (int run = 0; run < 2; run++) {
            CliRun r = CliRun.run("", "eval", "--model", model(), "--data", data.toString(), "--report", report.toString());
            assertThat(r.exitCode()).as(r.err()).isZero();
        }
        assertThat(report.resolve("index.html")).exists();
        assertThat(report.resolve("metrics.json")).content().contains("\"accuracy\"");
        Path mine = Files.createDirectories(dir.resolve("site"));
        Files.writeString(mine.resolve("index.html"), "my page");
        CliRun refused = CliRun.run("", "eval", "--model", model(), "--data", data.toString(), "--report", mine.toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("holds other files (no metrics.json in it)");
        assertThat(mine.resolve("index.html")).hasContent("my page");
        // Notes kept inside an earlier report would go with it: that report is not replaced either.
        Path notes = Files.writeString(report.resolve("my_notes.txt"), "baseline run");
        CliRun kept = CliRun.run("", "eval", "--model", model(), "--data", data.toString(), "--report", report.toString());
        assertThat(kept.exitCode()).isEqualTo(1);
        assertThat(kept.err()).contains("holds an earlier output and also my_notes.txt, which replacing it would delete");
        assertThat(notes).hasContent("baseline run");
        assertThat(report.resolve("index.html")).exists();
    }

    @Test
    void optionValuesNoModelTakesAreUsageErrors() throws IOException {
        assertUsage(CliRun.run("", "predict", "--model", model(), "--threads", "100000", "좋다"), "threads must lie in [0, 1024], got 100000");
        assertUsage(CliRun.run("", "predict", "--task", "5class", "좋다"), "unknown task '5class'");
        assertUsage(CliRun.run("", "predict", "--model", model(), "--task", "3class", "좋다"),
                "--task 3class does not fit " + model() + ", which has 2 labels (LABEL_0, LABEL_1)");
        assertUsage(CliRun.run("", "score", "--model", model(), "--task", "3class", "--in", tsv("in.tsv").toString(),
                "--out", dir.resolve("scored.tsv").toString()), "--task 3class does not fit");
        assertThat(dir.resolve("scored.tsv")).doesNotExist();
        assertUsage(CliRun.run("", "predict", "--model", model(), "--batch-size", "0", "좋다"), "the batch size must be at least 1");
        assertUsage(CliRun.run("", "predict", "--model", model(), "--device", "gpu", "좋다"), "unknown device 'gpu' (known: auto, cpu, cuda, scalar)");
        assertUsage(CliRun.run("{\"text\": \"a\"}\n", "tokenize", "--model", model(), "--max-length", "0"), "--max-length must be at least 3, got 0");
        assertUsage(CliRun.run("{\"text\": \"a\"}\n", "tokenize", "--model", model(), "--lower-case"), "--lower-case goes with --vocab");
        assertUsage(CliRun.run("", "export", "--model", model(), "--out", dir.resolve("e").toString(), "--dtype", "f8"), "--dtype must be f32, f16 or bf16");
        Path train = tsv("train.tsv");
        assertUsage(CliRun.run("", "train", "--config", "tiny", "--vocab", model(), "--train", train.toString(), "--dev", train.toString(),
                "--out", dir.resolve("t").toString(), "--threads", "5000"), "threads must be at most 1024, got 5000");
        assertUsage(CliRun.run("", "train", "--config", "tiny", "--vocab", model(), "--train", train.toString(), "--dev", train.toString(),
                "--out", dir.resolve("t").toString(), "--labels", "good,Good"), "label Good is given twice");
    }

    /** Exit code 2 and the message, then a pointer to --help rather than the whole option list. */
    private static void assertUsage(CliRun r, String message) {
        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(message).containsPattern("See 'raccoon \\w+ --help' for its options\\.").doesNotContain("Usage:");
    }

    @Test
    void anUnknownCommandIsNamedWithTheCommandsThereAre() {
        CliRun r = CliRun.run("", "predictt", "좋아요");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("raccoon: unknown command 'predictt' (commands: predict, score, serve").contains("Did you mean: raccoon predict");
        assertThat(CliRun.run("", "--bogus").err()).contains("Unknown option: '--bogus'");
        CliRun help = CliRun.run("", "predictt", "--help");
        assertThat(help.exitCode()).as("not the root help, as if the command were not there").isEqualTo(2);
        assertThat(help.err()).contains("raccoon: unknown command 'predictt'");
        assertThat(help.out()).isEmpty();
    }

    @Test
    void aTextThatStartsWithADashIsToldToFollowTheEndOfOptions() {
        CliRun r = CliRun.run("", "predict", "--model", model(), "-_- 별로");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Unknown option: '-_- 별로'")
                .contains("A text that starts with '-' goes after '--', which ends the options: raccoon predict -- '-_- 별로'");
        CliRun after = CliRun.run("", "predict", "--model", model(), "--", "-_- 별로");
        assertThat(after.exitCode()).as(after.err()).isZero();
        assertThat(after.out()).contains("-_- 별로");
        // a mistyped option is not taken for a text
        assertThat(CliRun.run("", "predict", "--model", model(), "--josn", "좋아").err()).doesNotContain("goes after '--'");
    }

    @Test
    void jsonLinesAnswerLineForLineAndReadOneObjectALine() {
        CliRun r = CliRun.run("\uFEFF{\"text\": \"하나\"}\n\n{\"text\": \"셋\"} {\"text\": \"넷\"}\n{\"text\": \"다섯\"}\n"
                + "{\"text\": \"좋아\", \"text_pair\": \"a\\udc00\"}\n", "tokenize", "--model", model());
        assertThat(r.exitCode()).isEqualTo(1);
        String[] out = r.out().split("\n");
        assertThat(out).hasSize(5);
        assertThat(out[4]).isEqualTo("{\"error\":\"line 5: \\\"text_pair\\\" is not valid Unicode: an unpaired surrogate \\\\udc00 at character 2\"}");
        assertThat(out[0]).startsWith("{\"input_ids\"");
        assertThat(out[1]).isEqualTo("{\"error\":\"line 2: empty line\"}");
        assertThat(out[2]).isEqualTo("{\"error\":\"line 3: not valid JSON (more follows the JSON value)\"}");
        assertThat(out[3]).startsWith("{\"input_ids\"");
    }

    @Test
    void dataFilesMayBeGzippedAndADirectoryIsNamed() throws IOException {
        Path plain = tsv("dev.tsv"), gz = dir.resolve("dev.tsv.gz");
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(b)) {
            z.write(Files.readAllBytes(plain));
        }
        Files.write(gz, b.toByteArray());
        CliRun fromPlain = CliRun.run("", "eval", "--model", model(), "--data", plain.toString(), "--json");
        CliRun fromGzip = CliRun.run("", "eval", "--model", model(), "--data", gz.toString(), "--json");
        assertThat(fromGzip.exitCode()).as(fromGzip.err()).isZero();
        assertThat(fromGzip.out()).isEqualTo(fromPlain.out());

        CliRun folder = CliRun.run("", "eval", "--model", model(), "--data", dir.toString());
        assertThat(folder.exitCode()).isEqualTo(1);
        assertThat(folder.err()).contains(dir + " is a directory, not a data file");
        Files.write(dir.resolve("cut.txt.gz"), java.util.Arrays.copyOf(b.toByteArray(), b.size() / 2));
        Files.write(dir.resolve("cut.tsv.gz"), java.util.Arrays.copyOf(b.toByteArray(), b.size() / 2));
        CliRun cutData = CliRun.run("", "eval", "--model", model(), "--data", dir.resolve("cut.tsv.gz").toString());
        assertThat(cutData.exitCode()).isEqualTo(1);
        assertThat(cutData.err()).contains("cut.tsv.gz: not a complete gzip file");
        CliRun cut = CliRun.run("", "vocab", "--corpus", dir.resolve("cut.txt.gz").toString(), "--size", "100", "--out", dir.resolve("v").toString());
        assertThat(cut.exitCode()).isEqualTo(1);
        assertThat(cut.err()).contains("cut.txt.gz: not a complete gzip file");
    }

    @Test
    void anEmptyCorpusIsAnErrorAndWritesNothing() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n \n");
        CliRun vocab = CliRun.run("", "vocab", "--corpus", empty.toString(), "--size", "100", "--out", dir.resolve("v").toString());
        assertThat(vocab.exitCode()).isEqualTo(1);
        assertThat(vocab.err()).contains("no words in " + empty, "nothing was written");
        assertThat(dir.resolve("v")).doesNotExist();
        CliRun corpus = CliRun.run("", "corpus", "--corpus", empty.toString(), "--vocab", model(), "--out", dir.resolve("c.bin").toString());
        assertThat(corpus.exitCode()).isEqualTo(1);
        assertThat(corpus.err()).contains("no pretraining sequence came out of " + empty, "nothing was written");
        try (var entries = Files.list(dir)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("empty.txt");
        }
    }

    @Test
    void aCasedModelWithoutItsTokenizerConfigIsRefused() throws IOException {
        Path copy = Files.createDirectories(dir.resolve("no-tokenizer-config"));
        try (var files = Files.list(CliRun.oracleClassifier())) {
            for (Path f : files.toList())
                if (!f.getFileName().toString().equals("tokenizer_config.json")) Files.copy(f, copy.resolve(f.getFileName()));
        }
        CliRun r = CliRun.run("", "predict", "--model", copy.toString(), "좋아요");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains(copy + " has no tokenizer_config.json, so do_lower_case is true", "{\"do_lower_case\": false}");
        assertThat(r.out()).isEmpty();
        assertThat(CliRun.run("", "predict", "--model", model(), "좋아요").err()).doesNotContain("tokenizer_config.json");
    }

    @Test
    void scoringIntoAMissingDirectoryCreatesIt() throws IOException {
        Path in = tsv("in.tsv"), out = dir.resolve("new/sub/out.tsv");
        CliRun r = CliRun.run("", "score", "--model", model(), "--in", in.toString(), "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(Files.readAllLines(out)).hasSize(REVIEWS.size() + 1);
        assertThat(r.err()).doesNotContain("longer than the model reads");
    }

    @Test
    void scoringSaysHowManyTextsWereLongerThanTheModelReads() throws IOException {
        // 8 tokens: six one-syllable words beside [CLS] and [SEP] fit, seven do not.
        Path in = Files.writeString(dir.resolve("in.tsv"), "id\ttext\n1\t가 나 다 라 마 바\n2\t가 나 다 라 마 바 사\n3\t가\n");
        Path out = dir.resolve("out.tsv");
        CliRun r = CliRun.run("", "score", "--model", model(), "--max-length", "8", "--in", in.toString(),
                "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("1 row longer than the model reads (8 tokens): it read the first quarter and the end of each",
                "truncated is true in their rows");
        List<String> lines = Files.readAllLines(out);
        int truncated = Arrays.asList(lines.getFirst().split("\t")).indexOf("truncated");
        assertThat(lines.subList(1, lines.size())).extracting(l -> l.split("\t", -1)[truncated])
                .containsExactly("false", "true", "false");
    }

    @Test
    void fileSystemErrorsNameThePathAndWhatIsWrong() {
        assertThat(Main.describe(new java.nio.file.NoSuchFileException("a/b.tsv"))).isEqualTo("a/b.tsv: no such file or directory");
        assertThat(Main.describe(new java.nio.file.FileAlreadyExistsException("out"))).isEqualTo("out: already exists");
        assertThat(Main.describe(new java.nio.file.AccessDeniedException("/root/x"))).isEqualTo("/root/x: permission denied");
        assertThat(Main.describe(new java.nio.file.FileSystemException(".", "..old", "Device or resource busy")))
                .isEqualTo(".: Device or resource busy (..old)");
    }

    /**
     * vocab and ngram write --out only at the end: a folder they cannot write to fails before the work (hours of it for
     * a vocabulary of a whole corpus), naming --out, not a temporary path the user never gave.
     */
    @Test
    void vocabAndNgramRefuseAnOutputTheyCannotWriteBeforeTheWork() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "mine");
        Path data = tsv("data.tsv");
        Path corpus = Files.write(dir.resolve("corpus.txt"), java.util.Collections.nCopies(20, String.join(" ", REVIEWS)));
        for (String[] command : List.<String[]>of(
                new String[] {"vocab", "--corpus", corpus.toString(), "--size", "100", "--out", file.resolve("v").toString()},
                new String[] {"ngram", "--train", data.toString(), "--dev", data.toString(), "--out", file.resolve("ng").toString()})) {
            CliRun r = CliRun.run("", command);
            assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).as(command[0]).isEqualTo("raccoon " + command[0] + ": " + command[command.length - 1] + ": Not a directory\n");
            assertThat(r.out()).as(command[0]).isEmpty();
        }
        assertThat(file).hasContent("mine");
    }

    /** A model trained on the few rows that decode would pass for one trained on the file. */
    @Test
    void trainingDataMostOfWhoseRowsCannotBeReadIsRefused() throws IOException {
        StringBuilder rows = new StringBuilder("id\tdocument\tlabel\n");
        for (int i = 0; i < REVIEWS.size(); i++) rows.append(i).append('\t').append(REVIEWS.get(i)).append('\t').append(i % 2).append('\n');
        rows.append("99\tok ascii\t1\n100\tbad ascii\t0\n");
        Path cp949 = Files.write(dir.resolve("excel.tsv"), rows.toString().getBytes(dev.raccoon.text.TextEncodings.named("cp949")));
        CliRun r = CliRun.run("", "ngram", "--train", cp949.toString(), "--dev", cp949.toString(), "--out", dir.resolve("mostly").toString(), "--max-n", "2");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("most rows of " + cp949 + " could not be used (" + REVIEWS.size() + " of " + (REVIEWS.size() + 2));
        assertThat(dir.resolve("mostly")).doesNotExist();
    }

    /** Labels match by name or id, so data of the other task reads as something; it must not pass silently. */
    @Test
    void dataForOtherLabelsIsRefusedOrNamed() throws IOException {
        Path binary = tsv("binary.tsv");
        StringBuilder three = new StringBuilder("id\tdocument\tlabel\n");
        for (int i = 0; i < REVIEWS.size(); i++) three.append(i).append('\t').append(REVIEWS.get(i)).append('\t').append(i % 3).append('\n');
        Path threeClass = Files.writeString(dir.resolve("three.tsv"), three.toString());

        CliRun trainBinaryOnThree = CliRun.run("", "ngram", "--train", threeClass.toString(), "--dev", binary.toString(),
                "--out", dir.resolve("a").toString(), "--max-n", "2");
        assertThat(trainBinaryOnThree.exitCode()).isEqualTo(1);
        assertThat(trainBinaryOnThree.err()).contains("three.tsv: 2 rows have a label that is not one of [negative, positive] (line 4: label '2'")
                .contains("give --labels with every class the data holds").doesNotContain("--task regress"); // ngram classifies only
        assertThat(dir.resolve("a")).doesNotExist();
        // scores read as labels (KorSTS without --task regress): no row fits, and the hint says what does
        StringBuilder scores = new StringBuilder("id\tdocument\tlabel\n");
        for (int i = 0; i < REVIEWS.size(); i++) scores.append(i).append('\t').append(REVIEWS.get(i)).append('\t').append(i % 5 + 0.5).append('\n');
        Path sts = Files.writeString(dir.resolve("sts.tsv"), scores.toString());
        CliRun scoresAsLabels = CliRun.run("", "train", "--config", "tiny", "--vocab", model(), "--train", sts.toString(),
                "--dev", sts.toString(), "--out", dir.resolve("s").toString());
        assertThat(scoresAsLabels.exitCode()).isEqualTo(1);
        assertThat(scoresAsLabels.err()).contains("have a label that is not one of [negative, positive]")
                .contains("or --task regress when the labels are scores");

        CliRun trainThreeOnBinary = CliRun.run("", "train", "--config", "tiny", "--vocab", model(), "--labels", "negative,neutral,positive",
                "--train", binary.toString(), "--dev", binary.toString(), "--out", dir.resolve("b").toString());
        assertThat(trainThreeOnBinary.exitCode()).isEqualTo(1);
        assertThat(trainThreeOnBinary.err()).contains("binary.tsv: no row has the label 'positive' of [negative, neutral, positive]");

        CliRun evalBinaryOnThree = CliRun.run("", "eval", "--model", model(), "--data", threeClass.toString());
        assertThat(evalBinaryOnThree.exitCode()).isEqualTo(1);
        assertThat(evalBinaryOnThree.err()).contains("rows have a label that is not one of [LABEL_0, LABEL_1]");

        CliRun evalThreeOnBinary = CliRun.run("", "eval", "--model", CliRun.repo("models/reviews3-3class").toString(), "--data", binary.toString());
        assertThat(evalThreeOnBinary.exitCode()).as(evalThreeOnBinary.err()).isZero();
        assertThat(evalThreeOnBinary.err()).contains("warning: no row has the label 'positive' of [negative, neutral, positive]");
    }

    @Test
    void aTuneSpaceWithABadValueIsAUsageErrorBeforeTheFirstTrial() throws IOException {
        Path train = tsv("train.tsv"), space = Files.writeString(dir.resolve("space.json"), "{\"lr\": [1e-3, -1], \"epochs\": [1]}");
        CliRun r = CliRun.run("", "tune", "--space", space.toString(), "--config", "tiny", "--vocab", model(),
                "--train", train.toString(), "--dev", train.toString(), "--out", dir.resolve("t").toString());
        assertUsage(r, "space.json: learning rate must be positive and finite, got -1.0");
        Files.writeString(space, "{\"epochs\": [1.5]}");
        CliRun notWhole = CliRun.run("", "tune", "--space", space.toString(), "--config", "tiny", "--vocab", model(),
                "--train", train.toString(), "--dev", train.toString(), "--out", dir.resolve("t").toString());
        assertUsage(notWhole, "space.json: \"epochs\" holds 1.5, not a whole number");
        assertThat(dir.resolve("t")).doesNotExist();
    }
}
