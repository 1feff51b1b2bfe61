package dev.raccoon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** tokenize, logits and predict through the command line, against the oracle's expected outputs. */
class CoreCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyCommandPrintsItsHelpCleanly() {
        for (String name : new picocli.CommandLine(new Main()).getSubcommands().keySet()) {
            if (name.equals("help")) continue;
            CliRun help = CliRun.run("", name, "--help");
            assertThat(help.exitCode()).as(name).isZero();
            assertThat(help.out()).as(name).startsWith("Usage: raccoon " + name);
            // picocli reports a description it cannot format (a lone %) on stderr.
            assertThat(help.err()).as(name).isEmpty();
        }
    }

    /** The input line of an oracle case: its text and text_pair, as the stdin commands read them. */
    private static String inputLine(JsonNode oracleCase) throws Exception {
        var o = JSON.createObjectNode().put("text", oracleCase.get("text").asText());
        if (oracleCase.hasNonNull("text_pair")) o.put("text_pair", oracleCase.get("text_pair").asText());
        return JSON.writeValueAsString(o);
    }

    @Test
    void tokenizeMatchesTheOracleCasesLineByLine() throws Exception {
        Path cases = CliRun.repo("raccoon-text/src/test/resources/oracle/tokenizer_cases.jsonl");
        List<String> lines = Files.readAllLines(cases);
        StringBuilder in = new StringBuilder();
        for (String l : lines) in.append(inputLine(JSON.readTree(l))).append('\n');
        CliRun r = CliRun.run(in.toString(), "tokenize", "--model", CliRun.oracleClassifier().toString(), "--max-length", "128");
        assertThat(r.exitCode()).as(r.err()).isZero();
        String[] out = r.out().split("\n");
        assertThat(out).hasSize(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            JsonNode expected = JSON.readTree(lines.get(i));
            JsonNode actual = JSON.readTree(out[i]);
            assertThat(actual.get("input_ids")).as("case %d", i).isEqualTo(expected.get("input_ids"));
            assertThat(actual.get("token_type_ids")).as("case %d", i).isEqualTo(expected.get("token_type_ids"));
        }
    }

    @Test
    void logitsReadTheHeadOfALongTextAsTransformersAndTheOtherCommandsItsHeadAndTail() throws Exception {
        String model = CliRun.oracleClassifier().toString();
        String text = "처음에는 지루했는데 중간부터 조금 나아졌고 배우들 연기는 그럭저럭 괜찮았지만 결말은 정말 최악이었다";
        String line = JSON.writeValueAsString(JSON.createObjectNode().put("text", text)) + "\n";
        java.util.function.Function<String[], String> logits = extra -> {
            List<String> args = new ArrayList<>(List.of("logits", "--model", model, "--max-length", "8"));
            args.addAll(List.of(extra));
            CliRun r = CliRun.run(line, args.toArray(String[]::new));
            assertThat(r.exitCode()).as(r.err()).isZero();
            return r.out();
        };
        String byDefault = logits.apply(new String[0]);
        assertThat(byDefault).isEqualTo(logits.apply(new String[] {"--truncation", "head"}))
                .isNotEqualTo(logits.apply(new String[] {"--truncation", "head-tail"}));
        CliRun predict = CliRun.run("", "predict", "--model", model, "--max-length", "8", "--json", text);
        CliRun predictHeadTail = CliRun.run("", "predict", "--model", model, "--max-length", "8", "--json",
                "--truncation", "head-tail", text);
        assertThat(predict.out()).isEqualTo(predictHeadTail.out());
        List<Integer> ids = new ArrayList<>();
        CliRun tokens = CliRun.run(line, "tokenize", "--model", model, "--max-length", "8", "--truncation", "head-tail");
        JSON.readTree(tokens.out()).get("input_ids").forEach(id -> ids.add(id.asInt()));
        CliRun headTokens = CliRun.run(line, "tokenize", "--model", model, "--max-length", "8");
        assertThat(ids).hasSize(8);
        assertThat(JSON.readTree(headTokens.out()).get("input_ids").get(1).asInt()).as("both start alike").isEqualTo(ids.get(1));
        assertThat(JSON.readTree(headTokens.out()).get("input_ids").get(6).asInt()).as("the ends differ").isNotEqualTo(ids.get(6));
        CliRun bad = CliRun.run("", "predict", "--model", model, "--truncation", "tail", text);
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("unknown truncation 'tail' (head or head-tail)");
    }

    @Test
    void predictExplainsEveryTokenByOcclusionAsTheServerDoes() throws Exception {
        String text = "배우들 연기가 정말 좋았어요 최고";
        CliRun r = CliRun.run("", "predict", "--model", CliRun.oracleClassifier().toString(), "--explain", "--json", text);
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode o = JSON.readTree(r.out());
        try (dev.raccoon.api.Classifier c = dev.raccoon.api.Classifier.load(CliRun.oracleClassifier())) {
            dev.raccoon.api.Occlusion occlusion = dev.raccoon.api.Occlusion.of(c, text);
            List<dev.raccoon.text.Encoding> all = new ArrayList<>(List.of(c.encode(text)));
            all.addAll(occlusion.variants());
            float[][] logits = c.logitsOf(all);
            List<dev.raccoon.api.Occlusion.TokenScore> expected = occlusion.scores(c, c.prediction(logits[0]), logits, 1);
            assertThat(o.get("tokens")).hasSize(expected.size());
            for (int i = 0; i < expected.size(); i++) {
                assertThat(o.get("tokens").get(i).get("token").asText()).isEqualTo(expected.get(i).token());
                assertThat(o.get("tokens").get(i).get("score").floatValue()).isCloseTo(expected.get(i).score(), within(1e-6f));
            }
        }
        CliRun plain = CliRun.run("", "predict", "--model", CliRun.oracleClassifier().toString(), "--explain", text);
        String[] lines = plain.out().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[1]).startsWith("     배우").containsPattern("최고 [+-]\\d\\.\\d\\d$");
        String longText = "처음에는 지루했는데 중간부터 조금 나아졌고 배우들 연기는 그럭저럭 괜찮았지만 결말은 정말 최악이었다";
        String cut = CliRun.run("", "predict", "--model", CliRun.oracleClassifier().toString(), "--explain",
                "--max-length", "10", longText).out().split("\n")[1];
        assertThat(cut).as("the middle left out after the first quarter of 8 tokens")
                .matches("\\s+\\S+ [+-]\\d\\.\\d\\d  \\S+ [+-]\\d\\.\\d\\d  …  .*");
        JsonNode cutJson = JSON.readTree(CliRun.run("", "predict", "--model", CliRun.oracleClassifier().toString(), "--explain",
                "--json", "--max-length", "10", longText).out());
        assertThat(cutJson.get("omitted_after").asInt()).isEqualTo(2);
        assertThat(o.has("omitted_after")).isFalse();
        CliRun without = CliRun.run("", "predict", "--model", CliRun.oracleClassifier().toString(), "--json", text);
        assertThat(JSON.readTree(without.out()).has("tokens")).isFalse();
    }

    @Test
    void logitsMatchTheOracleAndBadLinesKeepTheirPlace() throws Exception {
        JsonNode cases = JSON.readTree(CliRun.oracleClassifier().resolve("expected_logits.json").toFile()).get("cases");
        List<String> in = new ArrayList<>();
        for (JsonNode c : cases) in.add(inputLine(c));
        in.add(3, "{not json");
        in.add(7, "{\"text\": 5}");
        in.add(9, "{\"txt\": \"오타\"}");
        byte[] bytes = (String.join("\n", in) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        CliRun r = CliRun.run(bytes, "logits", "--model", CliRun.oracleClassifier().toString(), "--batch-size", "7");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("line 4: not valid JSON").contains("line 8: \"text\" must be a string")
                .contains("line 10: no \"text\" field");
        String[] out = r.out().split("\n");
        assertThat(out).hasSize(cases.size() + 3);
        assertThat(JSON.readTree(out[3]).has("error")).isTrue();
        assertThat(JSON.readTree(out[7]).has("error")).isTrue();
        assertThat(JSON.readTree(out[9]).has("error")).isTrue();
        int next = 0;
        for (int i = 0; i < out.length; i++) {
            if (i == 3 || i == 7 || i == 9) continue;
            JsonNode expected = cases.get(next++).get("logits");
            JsonNode actual = JSON.readTree(out[i]).get("logits");
            for (int j = 0; j < 2; j++)
                assertThat(actual.get(j).asDouble()).isCloseTo(expected.get(j).asDouble(), org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    /** --precision bf16 rounds the dense layers' operands: logits near the oracle's fp32 ones, but not equal. */
    @Test
    void logitsInBf16StayNearTheOracle() throws Exception {
        JsonNode cases = JSON.readTree(CliRun.oracleClassifier().resolve("expected_logits.json").toFile()).get("cases");
        StringBuilder in = new StringBuilder();
        for (JsonNode c : cases) in.append(inputLine(c)).append('\n');
        CliRun r = CliRun.run(in.toString(), "logits", "--model", CliRun.oracleClassifier().toString(), "--precision", "bf16");
        assertThat(r.exitCode()).as(r.err()).isZero();
        String[] out = r.out().split("\n");
        assertThat(out).hasSize(cases.size());
        double farthest = 0;
        for (int i = 0; i < out.length; i++)
            for (int j = 0; j < 2; j++) {
                double want = cases.get(i).get("logits").get(j).asDouble();
                double got = JSON.readTree(out[i]).get("logits").get(j).asDouble();
                // bf16 keeps about 3 significant digits per operand; the error grows through the layers to ~2%.
                assertThat(got).as("bf16 logit %d of case %d", j, i)
                        .isCloseTo(want, org.assertj.core.data.Offset.offset(5e-2 * Math.max(1, Math.abs(want))));
                farthest = Math.max(farthest, Math.abs(got - want));
            }
        assertThat(farthest).as("bf16 is applied").isGreaterThan(1e-4);
        CliRun bad = CliRun.run("", "predict", "--model", CliRun.oracleClassifier().toString(), "--precision", "fp16", "좋아");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--precision: unknown precision 'fp16' (known: fp32, tf32, bf16)");
    }

    @Test
    void brokenUtf8IsReportedWithItsLineNumber() {
        byte[] in = "{\"text\": \"좋아요\"}\n{\"text\": \"\u0000\"}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] broken = new byte[in.length + 16];
        System.arraycopy(in, 0, broken, 0, in.length);
        byte[] bad = {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'};
        System.arraycopy(bad, 0, broken, in.length, bad.length);
        CliRun r = CliRun.run(java.util.Arrays.copyOf(broken, in.length + bad.length), "tokenize", "--model",
                CliRun.oracleClassifier().toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("line 3: not valid UTF-8");
        assertThat(r.out().split("\n")).hasSize(3);
    }

    @Test
    void predictPrintsLabelAndProbabilityAndJson() throws Exception {
        CliRun plain = CliRun.run("", "predict", "--model", CliRun.oracleClassifier().toString(), "영화 정말 재밌어요", "별로");
        assertThat(plain.exitCode()).as(plain.err()).isZero();
        assertThat(plain.out().split("\n")).hasSize(2);
        assertThat(plain.out()).containsPattern("LABEL_[01] +\\d+\\.\\d% +영화 정말 재밌어요");
        CliRun json = CliRun.run("", "predict", "--json", "--model", CliRun.oracleClassifier().toString(), "영화 정말 재밌어요");
        JsonNode o = JSON.readTree(json.out());
        assertThat(o.get("text").asText()).isEqualTo("영화 정말 재밌어요");
        double p0 = o.get("probabilities").get("LABEL_0").asDouble(), p1 = o.get("probabilities").get("LABEL_1").asDouble();
        assertThat(p0 + p1).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(o.get("probability").asDouble()).isEqualTo(Math.max(p0, p1), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(o.get("truncated").asBoolean()).isFalse();

        // With --max-length 8 the model reads six one-syllable words beside [CLS] and [SEP]; a seventh is cut.
        CliRun cut = CliRun.run("", "predict", "--json", "--max-length", "8", "--model", CliRun.oracleClassifier().toString(),
                "가 나 다 라 마 바", "가 나 다 라 마 바 사");
        String[] lines = cut.out().split("\n");
        assertThat(JSON.readTree(lines[0]).get("truncated").asBoolean()).isFalse();
        assertThat(JSON.readTree(lines[1]).get("truncated").asBoolean()).isTrue();
        CliRun cutPlain = CliRun.run("", "predict", "--max-length", "8", "--model", CliRun.oracleClassifier().toString(), "가 나 다 라 마 바 사");
        assertThat(cutPlain.out()).contains("가 나 다 라 마 바 사  (longer than 8 tokens: the model read the first quarter and the end)");
    }

    @Test
    void errorsAreOneSentenceWithExitCodes() {
        CliRun missing = CliRun.run("", "predict", "--model", "/nonexistent/model", "좋아");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("/nonexistent/model").doesNotContain("Exception").doesNotContain("\tat ");
        CliRun blank = CliRun.run("", "predict", "--model", CliRun.oracleClassifier().toString(), "좋아", " ");
        assertThat(blank.exitCode()).isEqualTo(1);
        assertThat(blank.err()).contains("TEXT 2 is empty");
        assertThat(blank.out()).isEmpty();
        CliRun usage = CliRun.run("", "predict", "--bogus");
        assertThat(usage.exitCode()).isEqualTo(2);
    }
}
