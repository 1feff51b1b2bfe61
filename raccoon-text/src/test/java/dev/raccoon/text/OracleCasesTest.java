package dev.raccoon.text;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every case of tokenizer_cases.jsonl, made with transformers' BertTokenizerFast (see /work/shared/oracle). */
class OracleCasesTest {

    static final int MAX_LENGTH = 128;
    static final int CASE_COUNT = 374;

    static Path oracleDir() {
        try {
            return Path.of(OracleCasesTest.class.getResource("/oracle/vocab.txt").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<JsonNode> cases() {
        ObjectMapper json = new ObjectMapper();
        try {
            List<JsonNode> cases = new ArrayList<>();
            for (String line : Files.readAllLines(oracleDir().resolve("tokenizer_cases.jsonl"), StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    cases.add(json.readTree(line));
                }
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void allCasesArePresent() {
        assertThat(cases()).hasSize(CASE_COUNT);
    }

    @TestFactory
    Stream<DynamicTest> encodesLikeTransformers() throws IOException {
        WordPieceTokenizer tokenizer = WordPieceTokenizer.load(oracleDir());
        List<JsonNode> cases = cases();
        return cases.stream().map(c -> DynamicTest.dynamicTest("case " + cases.indexOf(c) + ": "
                + abbreviate(c.get("text").textValue()), () -> {
            String pair = c.hasNonNull("text_pair") ? c.get("text_pair").textValue() : null;
            Encoding e = tokenizer.encode(c.get("text").textValue(), pair, MAX_LENGTH);
            if (c.has("tokens")) { // the pair cases record ids only
                assertThat(e.tokens()).as("tokens").isEqualTo(strings(c.get("tokens")));
            }
            assertThat(e.inputIds()).as("input_ids").isEqualTo(ints(c.get("input_ids")));
            assertThat(e.tokenTypeIds()).as("token_type_ids").isEqualTo(ints(c.get("token_type_ids")));
        }));
    }

    private static String abbreviate(String s) {
        String oneLine = s.codePoints().map(cp -> Character.isISOControl(cp) ? '?' : cp)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return oneLine.length() > 40 ? oneLine.substring(0, 40) + "…" : oneLine;
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).intValue();
        }
        return out;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.textValue()));
        return out;
    }
}
