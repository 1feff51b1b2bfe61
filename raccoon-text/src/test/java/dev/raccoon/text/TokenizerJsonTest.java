package dev.raccoon.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tokenizers saved by transformers 5, which writes tokenizer.json and no vocab.txt (fixture and ids from
 * src/test/resources/tokenizer-json/make_fixture.py): added tokens keep transformers' ids, cased and uncased.
 */
class TokenizerJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path fixture(String name) throws Exception {
        return Path.of(TokenizerJsonTest.class.getResource("/tokenizer-json/" + name + "/tokenizer.json").toURI()).getParent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"cased", "uncased"})
    void encodesAsTransformersFastTokenizer(String name) throws Exception {
        Path dir = fixture(name);
        assertThat(dir.resolve("vocab.txt")).doesNotExist();
        WordPieceTokenizer tokenizer = WordPieceTokenizer.load(dir);
        assertThat(tokenizer.lowerCase()).isEqualTo(name.equals("uncased"));
        assertThat(tokenizer.vocab().size()).isEqualTo(20 + 4); // [NEW], 영화관람, <e> and </e> after the vocabulary
        for (JsonNode c : JSON.readTree(dir.resolve("expected.json").toFile())) {
            String pair = c.get("text_pair").isNull() ? null : c.get("text_pair").asText();
            int[] expected = JSON.convertValue(c.get("input_ids"), int[].class);
            assertThat(tokenizer.encode(c.get("text").asText(), pair, 16).inputIds()).as(c.toString()).containsExactly(expected);
        }
    }

    @Test
    void aTokenizerJsonIsReadBeforeVocabTxtAndEitherMustExist(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("both"));
        for (String f : List.of("tokenizer.json", "tokenizer_config.json"))
            Files.copy(fixture("cased").resolve(f), dir.resolve(f));
        Files.writeString(dir.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n", StandardCharsets.UTF_8);
        assertThat(WordPieceTokenizer.load(dir).vocab().size()).isEqualTo(24);

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> WordPieceTokenizer.load(empty)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("no vocab.txt or tokenizer.json");

        Path bpe = Files.createDirectories(tmp.resolve("bpe"));
        Files.writeString(bpe.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {}}}");
        assertThatThrownBy(() -> WordPieceTokenizer.load(bpe)).hasMessageContaining("the model is \"BPE\"; Raccoon reads WordPiece");
        Files.writeString(bpe.resolve("tokenizer.json"), "{\"model\": 5}");
        assertThatThrownBy(() -> WordPieceTokenizer.load(bpe)).hasMessageContaining("the model is 5, not an object; Raccoon reads WordPiece");
        Files.writeString(bpe.resolve("tokenizer.json"), "{}");
        assertThatThrownBy(() -> WordPieceTokenizer.load(bpe)).hasMessageContaining("the model is missing; Raccoon reads WordPiece");

        Path gap = Files.createDirectories(tmp.resolve("gap"));
        String json = Files.readString(fixture("cased").resolve("tokenizer.json")).replace("\"[MASK]\": 4", "\"[MASK]\": 40");
        Files.writeString(gap.resolve("tokenizer.json"), json);
        assertThatThrownBy(() -> WordPieceTokenizer.load(gap)).hasMessageContaining("gives \"[MASK]\" the id 40");
    }

    @Test
    void addedTokensJsonAddsWhatTokenizerJsonLacks(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("legacy"));
        Files.copy(fixture("cased").resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"do_lower_case\": false}");
        Files.writeString(dir.resolve("added_tokens.json"), "{\"<e>\": 22, \"<x>\": 24}");
        WordPieceTokenizer tokenizer = WordPieceTokenizer.load(dir);
        assertThat(tokenizer.vocab().size()).isEqualTo(25);
        assertThat(tokenizer.encode("영화<x>", 16).inputIds()).containsExactly(2, 5, 24, 3);
    }

    /** The cased fixture with {@code change} made to its tokenizer.json, in a directory of its own. */
    private static Path changed(Path tmp, String name, Consumer<ObjectNode> change) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        ObjectNode json = (ObjectNode) JSON.readTree(fixture("cased").resolve("tokenizer.json").toFile());
        change.accept(json);
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), json);
        Files.copy(fixture("cased").resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        return dir;
    }

    @Test
    void settingsRaccoonDoesNotImplementAreRefused(@TempDir Path tmp) throws Exception {
        Path noClean = changed(tmp, "noclean", j -> ((ObjectNode) j.get("normalizer")).put("clean_text", false));
        assertThatThrownBy(() -> WordPieceTokenizer.load(noClean)).hasMessageContaining("normalizer clean_text false");

        Path roberta = changed(tmp, "roberta", j -> j.putObject("post_processor").put("type", "RobertaProcessing")
                .set("sep", JSON.createArrayNode().add("[SEP]").add(3)));
        assertThatThrownBy(() -> WordPieceTokenizer.load(roberta))
                .hasMessageContaining("post_processor \"RobertaProcessing\" does not give BERT's [CLS] A [SEP]");
        Path sepOnly = changed(tmp, "sep-only", j -> ((ArrayNode) j.get("post_processor").get("single")).remove(0));
        assertThatThrownBy(() -> WordPieceTokenizer.load(sepOnly)).hasMessageContaining("post_processor \"TemplateProcessing\"");
        Path pairTypes = changed(tmp, "pair-types", j -> ((ObjectNode) j.get("post_processor").get("pair").get(3).get("Sequence"))
                .put("type_id", 0));
        assertThatThrownBy(() -> WordPieceTokenizer.load(pairTypes)).hasMessageContaining("post_processor \"TemplateProcessing\"");

        Path bert = changed(tmp, "bert", j -> j.putObject("post_processor").put("type", "BertProcessing")
                .<ObjectNode>set("sep", JSON.createArrayNode().add("[SEP]").add(3))
                .set("cls", JSON.createArrayNode().add("[CLS]").add(2)));
        assertThat(WordPieceTokenizer.load(bert).encode("영화", "최고", 16).inputIds()).containsExactly(2, 5, 3, 10, 3);
        Path none = changed(tmp, "none", j -> j.putNull("post_processor"));
        assertThat(WordPieceTokenizer.load(none).encode("영화", 16).inputIds()).containsExactly(2, 5, 3);
    }
}
