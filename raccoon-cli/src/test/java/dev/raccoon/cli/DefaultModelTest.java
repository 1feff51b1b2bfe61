package dev.raccoon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The models shipped under models/ answer without --model, for both tasks. */
class DefaultModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void home() {
        System.setProperty("raccoon.home", CliRun.repo("").toString());
    }

    @AfterEach
    void clear() {
        System.clearProperty("raccoon.home");
        System.clearProperty("raccoon.models");
    }

    private static JsonNode predict(String... args) throws Exception {
        String[] full = new String[args.length + 2];
        full[0] = "predict";
        full[1] = "--json";
        System.arraycopy(args, 0, full, 2, args.length);
        CliRun r = CliRun.run("", full);
        assertThat(r.exitCode()).as(r.err()).isZero();
        return JSON.readTree(r.out());
    }

    @Test
    void binaryModelIsTheDefaultAndGetsObviousReviewsRight() throws Exception {
        assertThat(predict("영화 정말 재밌어요. 배우들 연기도 최고!").get("label").asText()).isEqualTo("positive");
        assertThat(predict("시간 아깝다. 최악의 영화").get("label").asText()).isEqualTo("negative");
    }

    @Test
    void threeClassModelIsChosenByTask() throws Exception {
        JsonNode o = predict("--task", "3class", "인생 영화입니다. 꼭 보세요");
        assertThat(o.get("probabilities").size()).isEqualTo(3);
        assertThat(o.get("probabilities").has("neutral")).isTrue();
        assertThat(o.get("label").asText()).isEqualTo("positive");
        assertThat(predict("--task", "3class", "돈 아깝고 지루한 최악의 영화").get("label").asText()).isEqualTo("negative");
    }

    /** The shipped models are the ones models/README.md describes: their dev accuracy is the card's, when ../shared is here. */
    @Test
    void shippedModelsScoreTheirModelCardsDevAccuracy() throws Exception {
        assertDevAccuracy("binary", "data/nsmc/dev.tsv", 10_000, 0.8860);
        assertDevAccuracy("3class", "data/reviews3/dev.tsv", 9_000, 0.6948);
    }

    private static void assertDevAccuracy(String task, String data, int rows, double card) throws Exception {
        Path dev = CliRun.repo("../shared").resolve(data);
        assumeTrue(Files.exists(dev), dev + " not found");
        CliRun r = CliRun.run("", "eval", "--task", task, "--data", dev.toString(), "--max-length", "64", "--truncation",
                "head", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode o = JSON.readTree(r.out());
        assertThat(o.get("n").asInt()).isEqualTo(rows);
        // Within two reviews of the card's figure: thread counts may reorder a sum and flip a borderline one.
        assertThat(o.get("accuracy").asDouble()).as(task).isCloseTo(card, within(2.0 / rows));
    }

    @Test
    void missingDefaultModelSaysWhereItLookedAndHowToFixIt(@TempDir Path empty) {
        System.clearProperty("raccoon.home");
        System.setProperty("raccoon.models", empty.toString());
        CliRun r = CliRun.run("", "predict", "--task", "3class", "좋아요");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("no default model for task 3class").contains("--model DIR");
    }

    @Test
    void unknownTaskIsAUsageStyleError() {
        CliRun r = CliRun.run("", "predict", "--task", "5class", "좋아요");
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).contains("unknown task '5class'");
    }
}
