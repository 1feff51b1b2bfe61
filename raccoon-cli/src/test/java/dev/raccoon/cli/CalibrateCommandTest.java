package dev.raccoon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raccoon.api.Classifier;
import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.engine.HostTensor;
import dev.raccoon.model.ModelDirectory;
import dev.raccoon.model.Params;
import dev.raccoon.model.io.DType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CalibrateCommandTest {
    private static final Path MODEL = OracleAnswers.MODEL;
    private static final List<String> TEXTS = OracleAnswers.TEXTS;

    @TempDir
    Path dir;
    private float[][] logits;

    @BeforeEach
    void readLogits() throws Exception {
        assumeTrue(OracleAnswers.modelPresent(), "oracle model not found at " + MODEL.toAbsolutePath());
        logits = OracleAnswers.logits();
    }

    /** The model's own answers as labels, every fourth flipped when {@code someWrong}. */
    private Path data(boolean someWrong) throws Exception {
        return OracleAnswers.nsmc(dir.resolve(someWrong ? "dev.tsv" : "right.tsv"), someWrong);
    }

    @Test
    void writesAModelWhoseLogitsAreDividedByTheFittedTemperature() throws Exception {
        Path out = dir.resolve("calibrated");
        // eval points at calibrate when the probabilities are far off (a random model's say little of its 12 right of 16),
        // on enough rows that the ECE is not the sample's noise
        CliRun before = CliRun.run("", "eval", "--model", MODEL.toString(), "--data", data(true).toString(), "--json");
        assertThat(JsonLines.JSON.readTree(before.out()).at("/calibration/ece").asDouble()).isGreaterThan(0.02);
        assertThat(before.err()).doesNotContain("raccoon calibrate");
        List<String> rows = Files.readAllLines(data(true));
        List<String> many = new java.util.ArrayList<>(List.of(rows.getFirst()));
        for (int i = 0; i < 125; i++) many.addAll(rows.subList(1, rows.size()));
        Path large = Files.write(dir.resolve("dev2000.tsv"), many);
        // the suggestion reads the data as eval did (the options calibrate has too, not --json)
        CliRun onMany = CliRun.run("", "eval", "--model", MODEL.toString(), "--data", large.toString(), "--json",
                "--max-length", "64", "--text-column", "document");
        assertThat(onMany.err()).contains("'raccoon calibrate --model " + MODEL + " --data " + large
                + " --max-length 64 --text-column document --out DIR'");
        CliRun r = CliRun.run("", "calibrate", "--model", MODEL.toString(), "--data", data(true).toString(), "--out", out.toString(), "--device", "scalar");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Matcher m = Pattern.compile("temperature (\\S+) ").matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        double t = Double.parseDouble(m.group(1));
        assertThat(r.out()).contains("log loss").contains("ECE").contains("Brier").contains("on the 16 rows it was fitted on");
        assertThat(r.err()).contains("16 rows read, 16 used").contains("(float32) written to " + out)
                .contains("fitted on only 16 rows, so the temperature is uncertain");
        JsonNode record = JsonLines.JSON.readTree(out.resolve("calibration.json").toFile());
        assertThat(record.get("temperature").asDouble()).isCloseTo(t, within(1e-4 * t));
        assertThat(record.get("rows").asInt()).isEqualTo(16);
        assertThat(record.get("data").asText()).endsWith("dev.tsv");
        assertThat(record.get("truncation").asText()).isEqualTo("head-tail");
        assertThat(record.get("rows_truncated").asInt()).isZero();
        assertThat(record.get("compute_precision").asText()).isEqualTo("fp32");
        assertThat(record.at("/after/log_loss").asDouble()).isLessThanOrEqualTo(record.at("/before/log_loss").asDouble());
        // an export of the calibrated model (to bfloat16, say) keeps the record of its temperature
        Path exported = dir.resolve("exported");
        CliRun export = CliRun.run("", "export", "--model", out.toString(), "--out", exported.toString(), "--dtype", "bf16");
        assertThat(export.exitCode()).as(export.err()).isZero();
        assertThat(exported.resolve("calibration.json")).hasSameTextualContentAs(out.resolve("calibration.json"));

        try (Classifier calibrated = Classifier.load(out, Classifier.Options.defaults().withDevice("scalar"))) {
            float[][] scaled = calibrated.logits(TEXTS, null);
            for (int i = 0; i < TEXTS.size(); i++)
                for (int c = 0; c < 2; c++)
                    assertThat(scaled[i][c]).as("text %d, logit %d", i, c).isCloseTo((float) (logits[i][c] / t), within(1e-4f * (1 + Math.abs(scaled[i][c]))));
        }
        // eval of the written model reports the log loss calibrate printed as "after"
        CliRun eval = CliRun.run("", "eval", "--model", out.toString(), "--data", dir.resolve("dev.tsv").toString(), "--json", "--device", "scalar");
        JsonNode json = JsonLines.JSON.readTree(eval.out());
        Matcher after = Pattern.compile("log loss\\s+(\\S+)\\s+(\\S+)").matcher(r.out());
        assertThat(after.find()).isTrue();
        assertThat(json.at("/calibration/log_loss").asDouble()).isCloseTo(Double.parseDouble(after.group(2)), within(1e-4));
        assertThat(Double.parseDouble(after.group(2))).isLessThanOrEqualTo(Double.parseDouble(after.group(1)));
    }

    @Test
    void keepsTheConfigsDtypeUnlessToldAndNeverWritesOverAModel() throws Exception {
        Path half = dir.resolve("half");
        CliRun r = CliRun.run("", "calibrate", "--model", MODEL.toString(), "--data", data(true).toString(), "--out", half.toString(),
                "--dtype", "f16", "--device", "scalar");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(JsonLines.JSON.readTree(half.resolve("config.json").toFile()).get("dtype").asText()).isEqualTo("float16");
        Path again = dir.resolve("again");
        r = CliRun.run("", "calibrate", "--model", half.toString(), "--data", data(true).toString(), "--out", again.toString(), "--device", "scalar");
        assertThat(r.err()).contains("(float16) written to");
        // calibrated already: the second temperature is 1 but for the rounding of the float16 weights
        assertThat(r.out()).contains("close to 1, the model was about calibrated already")
                .contains("figures of the logits divided by T in float32; the float16 weights written round them slightly");

        byte[] before = Files.readAllBytes(half.resolve("model.safetensors"));
        r = CliRun.run("", "calibrate", "--model", MODEL.toString(), "--data", data(true).toString(), "--out", half.toString(), "--device", "scalar");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("exists and is not an empty directory; nothing was written");
        assertThat(Files.readAllBytes(half.resolve("model.safetensors"))).isEqualTo(before);

        r = CliRun.run("", "calibrate", "--model", MODEL.toString(), "--data", data(true).toString(), "--out", dir.resolve("x").toString(), "--dtype", "f8");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--dtype must be f32, f16 or bf16, not 'f8'");
    }

    /**
     * export and calibrate write the model into a temporary sibling and rename it: a kill leaves no half a model at
     * --out (which the rerun would refuse and predict fail on), only that sibling, which the rerun clears.
     */
    @Test
    void exportAndCalibrateWriteTheModelWholeAndClearWhatAKilledRunLeft() throws Exception {
        for (String command : List.of("export", "calibrate")) {
            Path out = dir.resolve(command + "-whole");
            Path killed = Files.createDirectories(dir.resolve(command + "-whole.tmp-6fb521bd7f52ebe9"));
            Files.writeString(killed.resolve("model.safetensors"), "half");
            CliRun r = command.equals("export")
                    ? CliRun.run("", "export", "--model", MODEL.toString(), "--out", out.toString())
                    : CliRun.run("", "calibrate", "--model", MODEL.toString(), "--data", data(true).toString(), "--out", out.toString(), "--device", "scalar");
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(killed).as(command).doesNotExist();
            for (String file : List.of("config.json", "model.safetensors", "tokenizer_config.json", "vocab.txt"))
                assertThat(out.resolve(file)).as(command).isRegularFile();
            try (var siblings = Files.list(dir)) {
                assertThat(siblings.map(p -> p.getFileName().toString())).filteredOn(n -> n.startsWith(command + "-whole"))
                        .containsExactly(command + "-whole");
            }
        }
        assertThat(dir.resolve("calibrate-whole/calibration.json")).isRegularFile();
    }

    @Test
    void refusesWhatItCannotCalibrateBeforeTheWork() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        CliRun r = CliRun.run("", "calibrate", "--model", MODEL.toString(), "--data", data(true).toString(), "--out", file.resolve("sub").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains(file + " is a file, not a directory").doesNotContain("rows read");

        // a multi-label copy of the model: its sigmoids are not a softmax to fit
        Path multi = Files.createDirectories(dir.resolve("multi"));
        try (var files = Files.list(MODEL)) {
            for (Path f : files.toList()) Files.copy(f, multi.resolve(f.getFileName()));
        }
        JsonNode config = JsonLines.JSON.readTree(multi.resolve("config.json").toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) config).put("problem_type", "multi_label_classification");
        Files.writeString(multi.resolve("config.json"), config.toString());
        r = CliRun.run("", "calibrate", "--model", multi.toString(), "--data", data(true).toString(), "--out", dir.resolve("m").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("is a multi-label model");
        // eval of it gives no calibration figures either
        CliRun eval = CliRun.run("", "eval", "--model", multi.toString(), "--data", data(true).toString(), "--json");
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        assertThat(JsonLines.JSON.readTree(eval.out()).has("calibration")).isFalse();
    }

    /**
     * A diverged model (finite weights, so large that every logit overflows): eval and predict refuse it; calibrate
     * printed NaN figures, called the model overconfident (T at its search bound) and wrote it.
     */
    @Test
    void refusesAModelWhoseLogitsAreNotFinite() throws Exception {
        Path diverged = dir.resolve("diverged");
        try (Backend scalar = Backends.scalar()) {
            ModelDirectory model = ModelDirectory.load(MODEL, scalar);
            Params params = model.model().params();
            for (String name : List.of("classifier.dense.weight", "classifier.out_proj.weight")) {
                HostTensor w = params.toHost().get(name);
                float[] huge = w.data().clone();
                for (int i = 0; i < huge.length; i++) huge[i] *= 1e30f;
                params.load(name, new HostTensor(w.shape(), huge), "test");
            }
            ModelDirectory.save(diverged, model.model(), model.tokenizer(), DType.F32);
        }
        Path out = dir.resolve("calibrated");
        CliRun r = CliRun.run("", "calibrate", "--model", diverged.toString(), "--data", data(true).toString(), "--out", out.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).containsPattern("raccoon calibrate: the model's logits \\[.*\\] are not finite, so no label is more likely than another");
        assertThat(r.out()).doesNotContain("temperature");
        assertThat(out).doesNotExist();
    }

    /** A file read with the wrong encoding keeps a few rows: figures from them would pass for the file's. */
    @Test
    void mostRowsUnusableIsAnErrorForCalibrateAndEval() throws Exception {
        StringBuilder tsv = new StringBuilder("id\tdocument\tlabel\n");
        for (int i = 0; i < TEXTS.size(); i++) tsv.append(i).append('\t').append(i < 5 ? TEXTS.get(i) : "").append("\t1\n");
        Path mostlyEmpty = Files.writeString(dir.resolve("mostly-empty.tsv"), tsv);
        for (String command : List.of("calibrate", "eval")) {
            List<String> args = new ArrayList<>(List.of(command, "--model", MODEL.toString(), "--data", mostlyEmpty.toString()));
            if (command.equals("calibrate")) args.addAll(List.of("--out", dir.resolve("never").toString()));
            CliRun r = CliRun.run("", args.toArray(String[]::new));
            assertThat(r.exitCode()).as(command + ": " + r.err()).isEqualTo(1);
            assertThat(r.err()).contains("most rows of " + mostlyEmpty + " could not be used (11 of 16");
        }
        assertThat(dir.resolve("never")).doesNotExist();
    }

    @Test
    void dataTheModelGetsAllRightHasNoBestTemperature() throws Exception {
        Path out = dir.resolve("never");
        CliRun r = CliRun.run("", "calibrate", "--model", MODEL.toString(), "--data", data(false).toString(), "--out", out.toString(), "--device", "scalar");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("every row is classified right with a margin");
        assertThat(out).doesNotExist();
        List<String> lines = new ArrayList<>(r.err().lines().toList());
        assertThat(lines).noneMatch(l -> l.contains("at dev.raccoon")); // one message, no stack trace
    }
}
