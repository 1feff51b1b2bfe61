package dev.raccoon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raccoon.api.Classifier;
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
    private static final Path MODEL = CliRun.oracleClassifier();
    private static final List<String> TEXTS = List.of("영화 정말 재밌어요", "최악의 영화 시간 낭비", "배우들 연기가 좋았다", "지루하다",
            "스토리가 별로", "다시 보고 싶다", "음악이 좋았어요", "돈 아깝다", "감동적인 결말", "그냥 그랬어요", "배우가 아깝다",
            "연출이 훌륭하다", "졸면서 봤다", "가족과 함께 보기 좋은 영화", "두 번 보세요", "이게 뭐야");

    @TempDir
    Path dir;
    private Path data;
    private Path inverted;

    /** Data the oracle model gets right on rows 0–11 and wrong on 12–15, and a copy of it whose logits are negated. */
    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Files.exists(MODEL.resolve("config.json")), "oracle model not found at " + MODEL.toAbsolutePath());
        float[][] logits;
        try (Classifier classifier = Classifier.load(MODEL, Classifier.Options.defaults().withDevice("scalar"))) {
            logits = classifier.logits(TEXTS, null);
        }
        StringBuilder tsv = new StringBuilder("id\tdocument\tlabel\n");
        for (int i = 0; i < TEXTS.size(); i++) {
            int answer = logits[i][1] > logits[i][0] ? 1 : 0;
            tsv.append(i).append('\t').append(TEXTS.get(i)).append('\t').append(i < 12 ? answer : 1 - answer).append('\n');
        }
        data = Files.writeString(dir.resolve("dev.tsv"), tsv);
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

        CliRun other = CliRun.run("", "compare", "--model", CliRun.repo("models/nsmc-binary").toString(), "--baseline", MODEL.toString(),
                "--data", data.toString(), "--device", "scalar");
        assertThat(other.exitCode()).isEqualTo(1);
        assertThat(other.err()).contains("the models' labels differ: [negative, positive]").contains("[LABEL_0, LABEL_1]");
    }
}
