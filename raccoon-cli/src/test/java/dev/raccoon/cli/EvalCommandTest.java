package dev.raccoon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.model.ModelDirectory;
import dev.raccoon.model.io.DType;
import dev.raccoon.train.ModelInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class EvalCommandTest {
    /** The oracle's tiny random ELECTRA classifier: labels LABEL_0 and LABEL_1, which data labels 0 and 1 map to. */
    private static final Path MODEL = CliRun.oracleClassifier();

    @TempDir
    Path dir;

    private static CliRun eval(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "eval";
        System.arraycopy(args, 0, all, 1, args.length);
        return CliRun.run("", all);
    }

    private static void assumeModel() {
        assumeTrue(Files.exists(MODEL.resolve("config.json")), "oracle model not found at " + MODEL.toAbsolutePath());
    }

    private Path nsmc() throws Exception {
        return Files.writeString(dir.resolve("small.tsv"), """
                id\tdocument\tlabel
                1\t영화 정말 재밌어요\t1
                2\t최악의 영화 시간 낭비\t0
                3\t배우들 연기가 좋았다\t1
                4\t\"""지루하다\"""\t0
                5\t\t1
                6\t스토리가 별로\t7
                """);
    }

    @Test
    void errorsListsTheWrongRowsTheMostConfidentFirst() throws Exception {
        assumeTrue(OracleAnswers.modelPresent());
        Path data = OracleAnswers.nsmc(dir.resolve("answers.tsv"), true);
        Path tsv = dir.resolve("wrong.tsv"), jsonl = dir.resolve("wrong.jsonl");
        CliRun r = eval("--model", MODEL.toString(), "--data", data.toString(), "--errors", tsv.toString(),
                "--report", dir.resolve("report").toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("4 mistakes written to " + tsv);
        List<String> lines = Files.readAllLines(tsv);
        assertThat(lines.getFirst()).isEqualTo("line\ttext\tgold\tanswer\tprobability");
        assertThat(lines).hasSize(5);
        // rows 3, 7, 11 and 15 of OracleAnswers were given the label the model does not answer
        // the lines of the data file they are on: row i is on line i + 2, after the header
        assertThat(lines.subList(1, 5)).extracting(l -> l.split("\t")[0]).containsExactlyInAnyOrder("5", "9", "13", "17");
        assertThat(lines.subList(1, 5)).extracting(l -> l.split("\t")[1]).containsExactlyInAnyOrder(
                OracleAnswers.TEXTS.get(3), OracleAnswers.TEXTS.get(7), OracleAnswers.TEXTS.get(11), OracleAnswers.TEXTS.get(15));
        List<Float> probabilities = lines.subList(1, 5).stream().map(l -> Float.parseFloat(l.split("\t")[4])).toList();
        assertThat(probabilities).isSortedAccordingTo(java.util.Comparator.reverseOrder()).allMatch(p -> p >= 0.5f);
        assertThat(Files.readString(dir.resolve("report/index.html"))).contains("The most confident mistakes (4 of 4)")
                .contains("The model read up to 128 tokens of a text (--max-length); of a longer one the first quarter and"
                        + " the end (--truncation head-tail): 0 rows were longer. It computed in fp32.");
        // the report's metrics.json is eval --json's record, with how the model read the data
        JsonNode metrics = JsonLines.JSON.readTree(dir.resolve("report/metrics.json").toFile());
        assertThat(metrics.get("max_length").asInt()).isEqualTo(128);
        assertThat(metrics.get("compute_precision").asText()).isEqualTo("fp32");

        assertThat(eval("--model", MODEL.toString(), "--data", data.toString(), "--errors", jsonl.toString()).exitCode()).isZero();
        JsonNode first = JsonLines.JSON.readTree(Files.readAllLines(jsonl).getFirst());
        assertThat(first.get("text").asText()).isEqualTo(lines.get(1).split("\t")[1]);
        assertThat(first.get("line").asLong()).isEqualTo(Long.parseLong(lines.get(1).split("\t")[0]));
        assertThat(first.has("gold") && first.has("answer") && first.has("probability")).isTrue();

        // a rerun replaces its own list, and nothing else
        Files.writeString(tsv, "stale\n", java.nio.file.StandardOpenOption.APPEND);
        CliRun again = eval("--model", MODEL.toString(), "--data", data.toString(), "--errors", tsv.toString());
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(Files.readAllLines(tsv)).isEqualTo(lines);
        Path notOurs = Files.writeString(dir.resolve("notes.tsv"), "meeting notes\n");
        CliRun refused = eval("--model", MODEL.toString(), "--data", data.toString(), "--errors", notOurs.toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("replaces only an earlier list of mistakes");
        assertThat(Files.readString(notOurs)).isEqualTo("meeting notes\n");
        assertThat(eval("--model", MODEL.toString(), "--data", data.toString(), "--errors", dir.resolve("e.tsv.gz").toString())
                .exitCode()).isEqualTo(2);
        CliRun xlsx = eval("--model", MODEL.toString(), "--data", data.toString(), "--errors", dir.resolve("w.xlsx").toString());
        assertThat(xlsx.exitCode()).isEqualTo(2);
        assertThat(xlsx.err()).contains("must end in .tsv (or .txt), .csv, or .jsonl");
        CliRun lexicon = eval("--lexicon", data.toString(), "--data", data.toString(), "--errors", dir.resolve("l.tsv").toString());
        assertThat(lexicon.exitCode()).isEqualTo(2);
        assertThat(lexicon.err()).contains("the lexicon baseline has not");
    }

    @Test
    void refusesAMistakesFileInsideTheReportBeforeAnyWork() throws Exception {
        Path data = nsmc();
        for (Path report : List.of(Files.createDirectories(dir.resolve("existing")), dir.resolve("absent"))) {
            CliRun r = eval("--model", MODEL.toString(), "--data", data.toString(), "--report", report.toString(),
                    "--errors", report.resolve("mistakes.tsv").toString());
            assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
            assertThat(r.err()).contains("lies inside --report " + report);
            assertThat(r.out()).isEmpty();
            assertThat(report.resolve("mistakes.tsv")).doesNotExist();
        }
        assertThat(dir.resolve("existing")).isEmptyDirectory();
    }

    @Test
    void saysHowManyRowsWereCutAndRecordsHowLongTextsWereRead() throws Exception {
        assumeModel();
        CliRun r = eval("--model", MODEL.toString(), "--data", nsmc().toString(), "--max-length", "4", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("longer than the model reads (4 tokens): it read the first quarter and the end of each");
        JsonNode json = JsonLines.JSON.readTree(r.out());
        assertThat(json.get("max_length").asInt()).isEqualTo(4);
        assertThat(json.get("truncation").asText()).isEqualTo("head-tail");
        assertThat(json.get("rows_truncated").asInt()).isBetween(1, 4);
        assertThat(json.get("compute_precision").asText()).isEqualTo("fp32");
        CliRun head = eval("--model", MODEL.toString(), "--data", nsmc().toString(), "--max-length", "4", "--truncation",
                "head", "--json");
        assertThat(JsonLines.JSON.readTree(head.out()).get("truncation").asText()).isEqualTo("head");
        assertThat(head.err()).contains("it read the beginning of each");
    }

    @Test
    void evaluatesAModelAsJson() throws Exception {
        assumeModel();
        CliRun r = eval("--model", MODEL.toString(), "--data", nsmc().toString(), "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode json = JsonLines.JSON.readTree(r.out());
        assertThat(json.get("n").asInt()).isEqualTo(4);
        assertThat(json.get("accuracy").asDouble()).isBetween(0.0, 1.0);
        assertThat(json.has("macro_f1")).isTrue();
        assertThat(json.has("roc_auc")).isTrue();
        assertThat(json.get("labels").toString()).isEqualTo("[\"LABEL_0\",\"LABEL_1\"]");
        assertThat(json.get("rows_skipped").asInt()).isEqualTo(2);
        // answering at a probability of at least 0.5 answers every row of two classes: the whole accuracy
        assertThat(json.at("/calibration/selective/0/coverage").asDouble()).isEqualTo(1.0);
        assertThat(json.at("/calibration/selective/0/accuracy").asDouble()).isEqualTo(json.get("accuracy").asDouble());
        assertThat(json.at("/calibration/ece").asDouble()).isBetween(0.0, 1.0);
        assertThat(json.at("/calibration/log_loss").asDouble()).isPositive();
        assertThat(r.err()).contains("6 rows read, 4 used, 2 skipped").contains("empty text (1 row, line 6)")
                .contains("unknown label (1 row, line 7: label '7'");
    }

    @Test
    void evaluatesAModelAsTextWithAReport() throws Exception {
        assumeModel();
        Path log = Files.writeString(dir.resolve("log.jsonl"), "{\"step\": 1, \"loss\": 0.7, \"lr\": 1e-5}\n{\"step\": 2, \"loss\": 0.6}\n");
        Path report = dir.resolve("report");
        CliRun r = eval("--model", MODEL.toString(), "--data", nsmc().toString(), "--format", "nsmc",
                "--report", report.toString(), "--log", log.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("accuracy").contains("macro-F1").contains("ROC-AUC").contains("confusion matrix")
                .contains("ECE").contains("answering only when the probability is at least");
        assertThat(report.resolve("index.html")).exists();
        assertThat(report.resolve("reliability.png")).exists();
        assertThat(report.resolve("confusion_matrix.png")).exists();
        assertThat(report.resolve("loss.png")).exists();
    }

    @Test
    void evaluatesARegressionModelOnPairs() throws Exception {
        assumeModel();
        // The oracle encoder under a new one-output head: a regression model, scored by logits[0].
        Path model = dir.resolve("regression");
        try (Backend backend = Backends.scalar()) {
            ModelInit init = ModelInit.fromPretrained(MODEL, List.of("score"), "regression", null, 1, backend);
            ModelDirectory.save(model, init.model(), init.tokenizer(), DType.F32);
        }
        Path sts = Files.writeString(dir.resolve("sts.tsv"), """
                genre\tfilename\tyear\tid\tscore\tsentence1\tsentence2
                main-captions\tMSRvid\t2012test\t0000\t5.000\t한 남자가 춤을 추고 있다.\t남자가 춤을 춘다.
                main-captions\tMSRvid\t2012test\t0001\t0.500\t아이가 말을 타고 있다.\t여자가 요리를 한다.
                main-captions\tMSRvid\t2012test\t0002\t3.200\t고양이가 잔다.\t고양이가 자고 있다.
                main-captions\tMSRvid\t2012test\t0003\t없음\t가\t나
                """);
        CliRun r = eval("--model", model.toString(), "--data", sts.toString(), "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode json = JsonLines.JSON.readTree(r.out());
        assertThat(json.get("n").asInt()).isEqualTo(3);
        assertThat(json.get("pearson").asDouble()).isBetween(-1.0, 1.0);
        assertThat(json.get("spearman").asDouble()).isBetween(-1.0, 1.0);
        assertThat(json.get("mse").asDouble()).isPositive();
        assertThat(r.err()).contains("bad score (1 row, line 5: score '없음' is not a number)");
    }

    @Test
    void evaluatesTheLexiconBaseline() throws Exception {
        Path lexicon = Files.writeString(dir.resolve("lexicon.txt"), "재밌\t2\r\n최악\t-2\r\n좋\t1\r\n지루\t-1\r\n");
        CliRun r = eval("--lexicon", lexicon.toString(), "--data", nsmc().toString(), "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode json = JsonLines.JSON.readTree(r.out());
        assertThat(json.get("n").asInt()).isEqualTo(4);
        // 재밌 → positive, 최악 → negative, 좋 → positive, and 지루 after the quotes (a new word starts there): all right.
        assertThat(json.get("accuracy").asDouble()).isEqualTo(1.0);
        assertThat(json.get("labels").toString()).isEqualTo("[\"negative\",\"positive\"]");
        assertThat(json.has("calibration")).as("lexicon scores are no probabilities").isFalse();
    }

    @Test
    void readsCp949DataWhenToldAndHintsWhenNot() throws Exception {
        assumeModel();
        String utf8 = Files.readString(nsmc());
        Path cp949 = Files.write(dir.resolve("excel.tsv"), utf8.getBytes("x-windows-949"));
        CliRun r = eval("--model", MODEL.toString(), "--data", cp949.toString(), "--json", "--encoding", "CP949");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(JsonLines.JSON.readTree(r.out()).get("n").asInt()).isEqualTo(4);
        assertThat(r.out()).isEqualTo(eval("--model", MODEL.toString(), "--data", nsmc().toString(), "--json").out());
        CliRun wrong = eval("--model", MODEL.toString(), "--data", cp949.toString());
        assertThat(wrong.exitCode()).isEqualTo(1);
        assertThat(wrong.err()).contains("undecodable text (5 rows, lines 2, 3, 4, 5, 7; line 2: not valid UTF-8; a file saved by Excel on Korean Windows is CP949: pass --encoding cp949)");
    }

    @Test
    void usageErrorsExitWithTwo() throws Exception {
        String lexicon = Files.writeString(dir.resolve("lexicon.txt"), "좋\t1\n").toString(), data = nsmc().toString();
        CliRun logWithoutReport = eval("--lexicon", lexicon, "--data", data, "--log", "x.jsonl");
        assertThat(logWithoutReport.exitCode()).isEqualTo(2);
        assertThat(logWithoutReport.err()).contains("--log needs --report");
        assertThat(eval("--lexicon", lexicon, "--data", data, "--format", "xml").exitCode()).isEqualTo(2);
        assertThat(eval("--lexicon", lexicon, "--data", data, "--task", "5class").exitCode()).isEqualTo(2);
    }

    @Test
    void withoutModelOrLexiconTheBundledModelOfTheTaskIsEvaluated() throws Exception {
        System.setProperty("raccoon.home", CliRun.repo("").toString());
        try {
            CliRun r = eval("--data", nsmc().toString(), "--json");
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(JsonLines.JSON.readTree(r.out()).get("accuracy").asDouble()).isGreaterThan(0.5);
        } finally {
            System.clearProperty("raccoon.home");
        }
    }

    @Test
    void badInputExitsWithOneAndOneSentence() throws Exception {
        String lexicon = Files.writeString(dir.resolve("lexicon.txt"), "좋\t1\n").toString();
        Path odd = Files.writeString(dir.resolve("odd.tsv"), "id\tbody\tlabel\n1\t좋다\t1\n");
        CliRun r = eval("--lexicon", lexicon, "--data", odd.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("raccoon eval: " + odd + " has no text column").doesNotContain("Exception");
        Path empty = Files.writeString(dir.resolve("empty.tsv"), "id\tdocument\tlabel\n1\t\t1\n");
        CliRun none = eval("--lexicon", lexicon, "--data", empty.toString());
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.err()).contains(empty + " has no usable rows").as("no rows, so no label is missing")
                .doesNotContain("warning");
        Path bomOnly = Files.writeString(dir.resolve("bom-only.tsv"), "\uFEFF");
        CliRun headerless = eval("--lexicon", lexicon, "--data", bomOnly.toString());
        assertThat(headerless.exitCode()).isEqualTo(1);
        assertThat(headerless.err()).contains(bomOnly + " line 1 (the header) is empty; expected the column names");
    }
}
