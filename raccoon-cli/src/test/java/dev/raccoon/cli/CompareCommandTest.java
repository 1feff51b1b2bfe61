package dev.raccoon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raccoon.engine.HostTensor;
import dev.raccoon.model.io.Checkpoints;
import dev.raccoon.model.io.DType;
import dev.raccoon.model.io.SafeTensors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CompareCommandTest {
    private static final Path MODEL = OracleAnswers.MODEL;

    @TempDir
    Path dir;
    private Path data;
    private Path inverted;

    /** Data the oracle model gets right but for every fourth row, and a copy of the model whose logits are negated. */
    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(OracleAnswers.modelPresent(), "oracle model not found at " + MODEL.toAbsolutePath());
        data = OracleAnswers.nsmc(dir.resolve("dev.tsv"), true);
        inverted = Files.createDirectories(dir.resolve("inverted"));
        for (String f : List.of("config.json", "vocab.txt", "tokenizer_config.json")) Files.copy(MODEL.resolve(f), inverted.resolve(f));
        Map<String, HostTensor> state = Checkpoints.readStateDict(MODEL);
        for (String name : List.of("classifier.out_proj.weight", "classifier.out_proj.bias")) {
            float[] v = state.get(name).data();
            for (int i = 0; i < v.length; i++) v[i] = -v[i];
        }
        SafeTensors.write(inverted.resolve("model.safetensors"), state, Map.of("format", "pt"), DType.F32);
    }

    @Test
    void aModelRightWhereTheBaselineIsWrong() throws Exception {
        CliRun r = CliRun.run("", "compare", "--model", inverted.toString(), "--baseline", MODEL.toString(), "--data", data.toString(),
                "--device", "scalar", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode json = JsonLines.JSON.readTree(r.out());
        assertThat(json.get("n").asInt()).isEqualTo(16);
        assertThat(json.get("baseline_accuracy").asDouble()).isEqualTo(0.75);
        assertThat(json.get("model_accuracy").asDouble()).isEqualTo(0.25);
        assertThat(json.get("only_baseline_right").asInt()).isEqualTo(12);
        assertThat(json.get("only_model_right").asInt()).isEqualTo(4);
        // 4 : 12 of 16 → 2 · (1 + 16 + 120 + 560 + 1820) / 2¹⁶
        assertThat(json.get("mcnemar_p").asDouble()).isCloseTo(2 * 2517 / 65536.0, within(1e-12));
        assertThat(json.get("rows_read").asInt()).isEqualTo(16);
        assertThat(json.get("max_length").asInt()).isEqualTo(128);
        assertThat(json.get("truncation").asText()).isEqualTo("head-tail");
        assertThat(json.get("compute_precision").asText()).isEqualTo("fp32");

        CliRun text = CliRun.run("", "compare", "--model", inverted.toString(), "--baseline", MODEL.toString(), "--data", data.toString(),
                "--device", "scalar");
        assertThat(text.out()).contains("difference            -50.00 points").contains("4 only the model, 12 only the baseline")
                .contains("p = 0.0768: equally good classifiers would often differ this much");
    }

    /** The baseline may be a character n-gram model: its accuracy is the one eval --ngram reports. */
    @Test
    void anNgramBaseline() throws Exception {
        Path ngram = dir.resolve("ngram");
        CliRun trained = CliRun.run("", "ngram", "--train", data.toString(), "--dev", data.toString(), "--labels", "LABEL_0,LABEL_1",
                "--out", ngram.toString());
        assertThat(trained.exitCode()).as(trained.err()).isZero();
        CliRun r = CliRun.run("", "compare", "--model", MODEL.toString(), "--baseline", ngram.toString(), "--data", data.toString(),
                "--device", "scalar", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        CliRun eval = CliRun.run("", "eval", "--ngram", ngram.toString(), "--data", data.toString(), "--json");
        JsonNode compared = JsonLines.JSON.readTree(r.out()), evaluated = JsonLines.JSON.readTree(eval.out());
        assertThat(compared.get("baseline_accuracy").asDouble()).isEqualTo(evaluated.get("accuracy").asDouble());
        assertThat(compared.get("model_accuracy").asDouble()).isEqualTo(0.75);
    }

    @Test
    void theSameModelTiesAndOtherLabelsAreRefused() throws Exception {
        CliRun r = CliRun.run("", "compare", "--model", MODEL.toString(), "--baseline", MODEL.toString(), "--data", data.toString(),
                "--device", "scalar", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode json = JsonLines.JSON.readTree(r.out());
        assertThat(json.get("difference").asDouble()).isZero();
        assertThat(json.get("mcnemar_p").asDouble()).isEqualTo(1.0);
        assertThat(json.get("difference_low").isNull()).as("no row tells them apart").isTrue();
        CliRun text = CliRun.run("", "compare", "--model", MODEL.toString(), "--baseline", MODEL.toString(), "--data", data.toString(),
                "--device", "scalar");
        assertThat(text.out()).contains("+0.00 points (no interval: no row is right by one model only)");

        CliRun other = CliRun.run("", "compare", "--model", CliRun.repo("models/nsmc-binary").toString(), "--baseline", MODEL.toString(),
                "--data", data.toString(), "--device", "scalar");
        assertThat(other.exitCode()).isEqualTo(1);
        assertThat(other.err()).contains("the models' labels differ: [negative, positive]").contains("[LABEL_0, LABEL_1]");
    }

    @Test
    void oneModelReadTwoWaysIsComparedRowByRow() throws Exception {
        CliRun r = CliRun.run("", "compare", "--model", MODEL.toString(), "--baseline", MODEL.toString(),
                "--baseline-truncation", "head", "--data", data.toString(), "--max-length", "4", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode o = JsonLines.JSON.readTree(r.out());
        double headTail = accuracy("head-tail"), head = accuracy("head");
        assertThat(o.get("model_accuracy").asDouble()).isEqualTo(headTail);
        assertThat(o.get("baseline_accuracy").asDouble()).isEqualTo(head);
        assertThat(o.get("only_model_right").asInt() + o.get("only_baseline_right").asInt())
                .as("the two readings answer some rows differently").isPositive();
        assertThat(r.err()).contains("it read the first quarter and the end of each").contains("the baseline read the beginning of each");
        assertThat(o.get("truncation").asText()).isEqualTo("head-tail");
        assertThat(o.get("baseline_truncation").asText()).isEqualTo("head");
        assertThat(o.get("baseline_max_length").asInt()).isEqualTo(4);
        CliRun text = CliRun.run("", "compare", "--model", MODEL.toString(), "--baseline", MODEL.toString(),
                "--baseline-truncation", "head", "--data", data.toString(), "--max-length", "4");
        assertThat(text.out()).contains(MODEL + " (--baseline-truncation head)").contains(MODEL + " (--truncation head-tail)");
        CliRun bad = CliRun.run("", "compare", "--model", MODEL.toString(), "--baseline", MODEL.toString(),
                "--baseline-truncation", "middle", "--data", data.toString());
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("unknown truncation 'middle'");
    }

    private double accuracy(String truncation) throws Exception {
        CliRun r = CliRun.run("", "eval", "--model", MODEL.toString(), "--data", data.toString(), "--max-length", "4",
                "--truncation", truncation, "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        return JsonLines.JSON.readTree(r.out()).get("accuracy").asDouble();
    }
}
