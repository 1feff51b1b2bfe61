package dev.raccoon.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordPieceTokenizerTest {

    private static final List<String> VOCAB = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
            "hello", "world", "un", "##aff", "##able", "cafe", "café", "Cafe", "i", "a", "##a", "[", "]", "mask",
            "漢", "字", "abc", "한국", "##어", "ᄒ", "##ᅡ", "##ᆫ", "😀", "##😀", "$", "¿", "!", "b", "c", "d", "e",
            "f", "g", "h");

    @TempDir
    Path dir;

    private Path writeVocab(List<String> tokens) throws IOException {
        Path file = dir.resolve("vocab.txt");
        Files.writeString(file, String.join("\n", tokens) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    private WordPieceTokenizer tokenizer(boolean lowerCase) throws IOException {
        return WordPieceTokenizer.fromVocab(writeVocab(VOCAB), lowerCase);
    }

    private WordPieceTokenizer withConfig(String json) throws IOException {
        writeVocab(VOCAB);
        Files.writeString(dir.resolve("tokenizer_config.json"), json, StandardCharsets.UTF_8);
        return WordPieceTokenizer.load(dir);
    }

    @Test
    void aBlankTextIsOneTheTokenizerKeepsNothingOf() throws IOException {
        WordPieceTokenizer cased = tokenizer(false);
        for (String blank : List.of("", "   ", "\u200b\u200b", "\u0000\u0001", "\u00a0\u3000\t\n", "\ufffd", "\ufeff")) {
            assertThat(WordPieceTokenizer.isBlank(blank)).as("%s", blank.codePoints().boxed().toList()).isTrue();
            assertThat(cased.tokenize(blank)).isEmpty();
        }
        for (String text : List.of("a", " \u200b가", "!", "\ud83d\ude00")) {
            assertThat(WordPieceTokenizer.isBlank(text)).as(text).isFalse();
            assertThat(cased.tokenize(text)).isNotEmpty();
        }
    }

    @Test
    void headAndTailKeepsTheFirstQuarterAndTheEndOfALongText() throws IOException {
        WordPieceTokenizer t = tokenizer(false);
        String text = "a b c d e f g h a b c d"; // 12 tokens
        // 10 ids: 8 for the text, 2 from its start and 6 from its end
        assertThat(t.encode(text, null, 10, Truncation.HEAD_AND_TAIL).tokens())
                .containsExactly("[CLS]", "a", "b", "g", "h", "a", "b", "c", "d", "[SEP]");
        assertThat(t.encode(text, null, 11, Truncation.HEAD_AND_TAIL).tokens()).as("9 ids: 2 and 7")
                .containsExactly("[CLS]", "a", "b", "f", "g", "h", "a", "b", "c", "d", "[SEP]");
        assertThat(t.encode(text, null, 10, Truncation.HEAD).tokens())
                .containsExactly("[CLS]", "a", "b", "c", "d", "e", "f", "g", "h", "[SEP]");
        assertThat(t.encode(text, null, 14, Truncation.HEAD_AND_TAIL).tokens()).as("a text that fits is whole")
                .isEqualTo(t.encode(text, null, 14).tokens());
        assertThat(t.encode(text, null, 3, Truncation.HEAD_AND_TAIL).tokens()).as("room for one token: the last")
                .containsExactly("[CLS]", "d", "[SEP]");
        assertThat(t.encode("a b c d e f", "g h a b c d", 8, Truncation.HEAD_AND_TAIL).tokens())
                .as("a pair is cut longest_first, as transformers cuts it")
                .isEqualTo(t.encode("a b c d e f", "g h a b c d", 8).tokens());
        assertThat(Truncation.of("HEAD-tail")).isEqualTo(Truncation.HEAD_AND_TAIL);
        assertThat(Truncation.HEAD_AND_TAIL.id()).isEqualTo("head-tail");
        assertThatThrownBy(() -> Truncation.of("tail")).hasMessage("unknown truncation 'tail' (head or head-tail)");
    }

    @Test
    void headAndTailIsTheStartAndTheEndOfTheFullTokensOnRandomKoreanText() throws IOException {
        WordPieceTokenizer t = WordPieceTokenizer.load(OracleCasesTest.oracleDir()); // the KoELECTRA v1 vocabulary
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        String[] pieces = {"영화", "정말", "재밌", "어요", "최악", "!", "...", " ", " ", "ㅋㅋ", "연기", "는", "abc", "1", "漢"};
        for (int c = 0; c < 300; c++) {
            StringBuilder text = new StringBuilder();
            for (int i = rnd.nextInt(1, 40); i > 0; i--) text.append(pieces[rnd.nextInt(pieces.length)]);
            List<String> all = t.encode(text.toString(), null, Integer.MAX_VALUE).tokens();
            List<String> inner = all.subList(1, all.size() - 1);
            int maxLength = rnd.nextInt(3, 24), budget = maxLength - 2;
            List<String> got = t.encode(text.toString(), null, maxLength, Truncation.HEAD_AND_TAIL).tokens();
            if (inner.size() <= budget) {
                assertThat(got).as("%s fits", text).isEqualTo(all);
                continue;
            }
            List<String> expected = new java.util.ArrayList<>(List.of("[CLS]"));
            expected.addAll(inner.subList(0, budget / 4));
            expected.addAll(inner.subList(inner.size() - (budget - budget / 4), inner.size()));
            expected.add("[SEP]");
            assertThat(got).as("%s at %d", text, maxLength).isEqualTo(expected).hasSize(maxLength);
            assertThat(t.encode(text.toString(), null, maxLength).tokens()).as("head").isEqualTo(
                    java.util.stream.Stream.concat(all.subList(0, maxLength - 1).stream(), java.util.stream.Stream.of("[SEP]")).toList());
        }
    }

    @Test
    void lowerCaseAlsoStripsAccentsByDefault() throws IOException {
        WordPieceTokenizer lower = tokenizer(true);
        assertThat(lower.stripAccents()).isTrue();
        assertThat(lower.tokenize("HÉLLO Wörld CAFÉ")).containsExactly("hello", "world", "cafe");
        // U+0130 lowercases to "i" + U+0307 (Rust's full mapping); the mark is then stripped
        assertThat(lower.tokenize("İ")).containsExactly("i");

        WordPieceTokenizer cased = tokenizer(false);
        assertThat(cased.stripAccents()).isFalse();
        assertThat(cased.tokenize("café Cafe CAFE")).containsExactly("café", "Cafe", "[UNK]");
    }

    @Test
    void stripAccentsAndLowerCaseAreReadSeparatelyFromTheConfig() throws IOException {
        assertThat(withConfig("{\"do_lower_case\": true, \"strip_accents\": false}").tokenize("CAFÉ"))
                .containsExactly("café");
        assertThat(withConfig("{\"do_lower_case\": false, \"strip_accents\": true}").tokenize("Café"))
                .containsExactly("Cafe");
        assertThat(withConfig("{\"do_lower_case\": true}").stripAccents()).isTrue();
    }

    @Test
    void strippingAccentsDecomposesHangulLikeTransformers() throws IOException {
        // NFD turns a syllable into conjoining jamo, which are letters, not marks: they stay, decomposed
        assertThat(tokenizer(true).tokenize("한")).containsExactly("ᄒ", "##ᅡ", "##ᆫ");
        assertThat(tokenizer(false).tokenize("한국어")).containsExactly("한국", "##어");
    }

    @Test
    void decomposedTextIsComposedFirstAsTheSlowBertTokenizerDoes() throws IOException {
        // Hangul from a macOS clipboard comes as conjoining jamo; BertTokenizerFast would read each word as [UNK]
        String nfd = java.text.Normalizer.normalize("한국어 café", java.text.Normalizer.Form.NFD);
        assertThat(nfd).hasSize(14); // 8 jamo, a space, c a f e and a combining acute
        assertThat(tokenizer(false).tokenize(nfd)).containsExactly("한국", "##어", "café");
        assertThat(tokenizer(false).encode(nfd, 16).inputIds()).isEqualTo(tokenizer(false).encode("한국어 café", 16).inputIds());
        // with accents stripped the text is decomposed again afterwards, as before
        assertThat(tokenizer(true).tokenize(java.text.Normalizer.normalize("한 Café", java.text.Normalizer.Form.NFD)))
                .containsExactly("ᄒ", "##ᅡ", "##ᆫ", "cafe");
    }

    @Test
    void aCasedVocabularyWithoutItsTokenizerConfigIsRefusedNotReadLowerCased() throws IOException {
        writeVocab(VOCAB); // café, Cafe, 한국, ##어: pieces lower-casing with accent stripping never produces
        assertThatThrownBy(() -> WordPieceTokenizer.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("has no tokenizer_config.json, so do_lower_case is true")
                .hasMessageContaining("(such as 'café')").hasMessageContaining("{\"do_lower_case\": false}");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"ElectraTokenizer\"}", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> WordPieceTokenizer.load(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("'s tokenizer_config.json does not set do_lower_case, so do_lower_case is true");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"do_lower_case\": true}", StandardCharsets.UTF_8);
        assertThat(WordPieceTokenizer.load(dir).lowerCase()).as("said outright, it is the model's choice").isTrue();
        Files.delete(dir.resolve("tokenizer_config.json"));
        writeVocab(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[unused0]", "hello", "##s", "world", "ᄒ", "##ᅡ"));
        assertThat(WordPieceTokenizer.load(dir).tokenize("Hello Worlds")).containsExactly("hello", "world", "##s");
    }

    @Test
    void cjkIdeographsAreSplitButHangulIsNot() throws IOException {
        WordPieceTokenizer t = tokenizer(false);
        assertThat(t.tokenize("漢字abc")).containsExactly("漢", "字", "abc");
        assertThat(t.tokenize("한국어漢")).containsExactly("한국", "##어", "漢");
        assertThat(withConfig("{\"do_lower_case\": false, \"tokenize_chinese_chars\": false}").tokenize("漢字"))
                .containsExactly("[UNK]");
    }

    @Test
    void punctuationAndSymbolsInTheAsciiRangesAreSplit() throws IOException {
        assertThat(tokenizer(false).tokenize("hello$world¿abc!")).containsExactly("hello", "$", "world", "¿", "abc",
                "!");
    }

    @Test
    void cleaningDropsControlsAndFormatCharsAndMapsWhitespace() throws IOException {
        WordPieceTokenizer t = tokenizer(false);
        assertThat(t.tokenize("hel\u200Blo\u0000 wor\uFFFDld")).containsExactly("hello", "world");
        assertThat(t.tokenize("hello\u00A0world\u3000abc\tc\u2028d")).containsExactly("hello", "world", "abc", "c",
                "d");
        assertThat(t.tokenize("")).isEmpty();
        assertThat(t.tokenize(" \t\n ")).isEmpty();
    }

    @Test
    void wordPieceIsGreedyLongestMatchFirst() throws IOException {
        WordPieceTokenizer t = tokenizer(false);
        assertThat(t.tokenize("unaffable")).containsExactly("un", "##aff", "##able");
        // one unmatchable piece makes the whole word [UNK]
        assertThat(t.tokenize("unaffablex hello")).containsExactly("[UNK]", "hello");
    }

    @Test
    void specialTokensInTextAreSingleTokens() throws IOException {
        for (boolean lowerCase : new boolean[] {false, true}) {
            WordPieceTokenizer t = tokenizer(lowerCase);
            assertThat(t.tokenize("[CLS]hello[SEP] [MASK]world [UNK][PAD]"))
                    .containsExactly("[CLS]", "hello", "[SEP]", "[MASK]", "world", "[UNK]", "[PAD]");
            // special tokens match the raw text, case included
            assertThat(t.tokenize("[mask]")).containsExactly("[", "mask", "]");
        }
        Encoding e = tokenizer(false).encode("[MASK]", 8);
        assertThat(e.inputIds()).containsExactly(2, 4, 3);
    }

    @Test
    void addedTokensFromTheConfigHonourTheirFlags() throws IOException {
        int next = VOCAB.size();
        WordPieceTokenizer t = withConfig("""
                {"do_lower_case": false, "added_tokens_decoder": {
                  "%d": {"content": "<nl>", "lstrip": true, "rstrip": true, "special": true, "normalized": false},
                  "%d": {"content": "<w>", "single_word": true, "special": true, "normalized": false},
                  "%d": {"content": "Ⅻ", "special": false, "normalized": true}}}
                """.formatted(next, next + 1, next + 2));
        assertThat(t.vocab().size()).isEqualTo(next + 3);
        assertThat(t.vocab().baseSize()).isEqualTo(next);
        assertThat(t.tokenize("hello  <nl>  world")).containsExactly("hello", "<nl>", "world");
        assertThat(t.encode("hello <nl> world", 16).inputIds()).containsExactly(2, 5, next, 6, 3);
        assertThat(t.tokenize("a <w> b")).containsExactly("a", "<w>", "b");
        assertThat(t.tokenize("a<w>b")).containsExactly("a", "[UNK]", "[UNK]", "[UNK]", "b"); // "<", "w", ">"
        assertThat(t.tokenize("helloⅫworld")).containsExactly("hello", "Ⅻ", "world");
    }

    @Test
    void addedTokenIdsMustContinueTheVocabulary() throws IOException {
        assertThatThrownBy(() -> withConfig(
                "{\"added_tokens_decoder\": {\"999\": {\"content\": \"<x>\", \"special\": true}}}"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("tokenizer_config.json").hasMessageContaining("<x>")
                .hasMessageContaining("999");
    }

    private WordPieceTokenizer withLegacyFiles(String config, String specialTokensMap, String addedTokens)
            throws IOException {
        Files.writeString(dir.resolve("special_tokens_map.json"), specialTokensMap, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("added_tokens.json"), addedTokens, StandardCharsets.UTF_8);
        return withConfig(config);
    }

    @Test
    void addedTokensJsonAndSpecialTokensMapAreReadAsTransformersReadsThem() throws IOException {
        int next = VOCAB.size();
        // as transformers before 4.34 saved them; the map's mask_token wins over the config's
        WordPieceTokenizer t = withLegacyFiles("{\"do_lower_case\": false, \"mask_token\": \"<m>\"}", """
                {"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
                 "mask_token": {"content": "[MASK]", "lstrip": false}, "additional_special_tokens": ["<e>", "abc"]}""",
                "{\"<e>\": %d}".formatted(next));
        assertThat(t.vocab().size()).isEqualTo(next + 1); // <e>, and no <m>
        assertThat(t.encode("hello<e>world", 16).inputIds()).containsExactly(2, 5, next, 6, 3);
        assertThat(t.tokenize("aabca")).containsExactly("a", "abc", "a");

        // a config with added_tokens_decoder (transformers 4.34 and later) makes transformers ignore both files
        WordPieceTokenizer modern = withConfig("{\"do_lower_case\": false, \"added_tokens_decoder\": {}}");
        assertThat(modern.vocab().size()).isEqualTo(next);
        assertThat(modern.tokenize("aabca")).containsExactly("[UNK]");

        // an added token not named special is matched in the normalized (here lower-cased) text
        WordPieceTokenizer lower = withConfig("{\"do_lower_case\": true}");
        assertThat(lower.tokenize("hello<E>world")).containsExactly("hello", "<e>", "world");
        WordPieceTokenizer special = withConfig("{\"do_lower_case\": true, \"additional_special_tokens\": [\"<e>\"]}");
        assertThat(special.tokenize("hello<e>world")).containsExactly("hello", "<e>", "world");
        assertThat(special.tokenize("hello<E>world")).doesNotContain("<e>");
    }

    @Test
    void aLegacyAddedTokenIdMustContinueTheVocabularyToo() throws IOException {
        assertThatThrownBy(() -> withLegacyFiles("{}", "{}", "{\"<x>\": 999}"))
                .isInstanceOf(IOException.class).hasMessageContaining("added_tokens.json").hasMessageContaining("<x>")
                .hasMessageContaining("999");
        assertThatThrownBy(() -> withLegacyFiles("{}", "{\"additional_special_tokens\": \"<x>\"}", "{}"))
                .isInstanceOf(IOException.class).hasMessageContaining("special_tokens_map.json")
                .hasMessageContaining("additional_special_tokens must be a list");
    }

    @Test
    void saveKeepsWhatTheLegacyTokenFilesGave() throws IOException {
        int next = VOCAB.size();
        WordPieceTokenizer legacy = withLegacyFiles("{\"do_lower_case\": false}",
                "{\"additional_special_tokens\": [\"<e>\", \"abc\"]}", "{\"<e>\": %d}".formatted(next));
        Path saved = dir.resolve("saved");
        legacy.save(saved);
        assertThat(saved.resolve("added_tokens.json")).doesNotExist();
        JsonNode config = new ObjectMapper().readTree(saved.resolve("tokenizer_config.json").toFile());
        assertThat(config.get("added_tokens_decoder").get(Integer.toString(next)).get("content").textValue()).isEqualTo("<e>");
        assertThat(config.get("additional_special_tokens").toString()).isEqualTo("[\"<e>\",\"abc\"]");
        WordPieceTokenizer reloaded = WordPieceTokenizer.load(saved);
        assertThat(reloaded.vocab().size()).isEqualTo(next + 1);
        for (String text : List.of("hello<e>world", "aabca", "a <e> abc b"))
            assertThat(reloaded.encode(text, 16).inputIds()).as(text).isEqualTo(legacy.encode(text, 16).inputIds());
    }

    @Test
    void encodesPairsWithTokenTypeIds() throws IOException {
        Encoding e = tokenizer(false).encode("hello world", "unaffable", 128);
        assertThat(e.tokens()).containsExactly("[CLS]", "hello", "world", "[SEP]", "un", "##aff", "##able", "[SEP]");
        assertThat(e.tokenTypeIds()).containsExactly(0, 0, 0, 0, 1, 1, 1, 1);
        assertThat(e.inputIds()).containsExactly(2, 5, 6, 3, 7, 8, 9, 3);
        assertThat(e.length()).isEqualTo(8);
        // an encoding is a value: the same text encodes equal, and an edited copy is another
        Encoding again = tokenizer(false).encode("hello world", "unaffable", 128);
        assertThat(again).isEqualTo(e).hasSameHashCodeAs(e).isNotSameAs(e);
        again.inputIds()[1] = 4;
        assertThat(again).isNotEqualTo(e);
        assertThat(e.toString()).contains("inputIds=[2, 5, 6, 3,").doesNotContain("[I@");
        assertThatThrownBy(() -> new Encoding(new int[0], new int[0], List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least [CLS] and [SEP]");
    }

    @Test
    void truncatesSingleTextsToMaxLength() throws IOException {
        Encoding e = tokenizer(false).encode("b c d e f g h", 5);
        assertThat(e.tokens()).containsExactly("[CLS]", "b", "c", "d", "[SEP]");
        assertThat(tokenizer(false).encode("b c", 2).tokens()).containsExactly("[CLS]", "[SEP]");
        assertThatThrownBy(() -> tokenizer(false).encode("b", "c", 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxLength 2");
    }

    @Test
    void truncatesPairsLongestFirst() throws IOException {
        WordPieceTokenizer t = tokenizer(false);
        // budget 7 = 10 - 3 specials; B (2 tokens) fits, A takes the rest
        assertThat(t.encode("b c d e f g h", "a b", 10).tokens())
                .containsExactly("[CLS]", "b", "c", "d", "e", "f", "[SEP]", "a", "b", "[SEP]");
        // both too long: the shorter gets 7 / 2 = 3, the longer 4
        assertThat(t.encode("b c d e f", "c d e f g h", 10).tokens())
                .containsExactly("[CLS]", "b", "c", "d", "[SEP]", "c", "d", "e", "f", "[SEP]");
        // a tie gives B the odd token
        assertThat(t.encode("b c d e", "e f g h", 10).tokens())
                .containsExactly("[CLS]", "b", "c", "d", "[SEP]", "e", "f", "g", "h", "[SEP]");
        assertThat(t.encode("b c d e", "e f g h", 10).tokenTypeIds()).containsExactly(0, 0, 0, 0, 0, 1, 1, 1, 1, 1);
        // A longer: A gets the odd one
        assertThat(t.encode("b c d e f g", "c d e f g", 10).tokens())
                .containsExactly("[CLS]", "b", "c", "d", "e", "[SEP]", "c", "d", "e", "[SEP]");
    }

    @Test
    void pairLengthsAreComparedAfterTokenizingStopsNearMaxLength() throws IOException {
        WordPieceTokenizer t = tokenizer(false);
        // 12 and 11 tokens: the crate stops both at 10 words' worth, so they tie and B gets the odd token
        assertThat(t.encode("b c d e f g h b c d e f", "c d e f g h b c d e f", 10).tokens())
                .containsExactly("[CLS]", "b", "c", "d", "[SEP]", "c", "d", "e", "f", "[SEP]");
        // it stops after whole words only: one word of 13 pieces stays longer than 10 single tokens
        assertThat(t.encode("a".repeat(13), "c d e f g h b c d e f", 10).tokenTypeIds())
                .containsExactly(0, 0, 0, 0, 0, 0, 1, 1, 1, 1);
        // added tokens count towards the limit, and one right after it is dropped
        assertThat(t.encode("b c d e f g h b c d [SEP] [SEP]", "c d e f g h b c d e", 10).tokenTypeIds())
                .containsExactly(0, 0, 0, 0, 0, 1, 1, 1, 1, 1);
    }

    @Test
    void anEmptyPairIsNoPair() throws IOException {
        WordPieceTokenizer t = tokenizer(false);
        assertThat(t.encode("hello", "", 16).tokens()).containsExactly("[CLS]", "hello", "[SEP]");
        assertThat(t.encode("hello", " ", 16).tokens()).containsExactly("[CLS]", "hello", "[SEP]", "[SEP]");
        assertThat(t.encode("", "hello", 16).tokens()).containsExactly("[CLS]", "[SEP]", "hello", "[SEP]");
    }

    @Test
    void categoriesFollowTheTokenizersCrateNotTheNewerJdkTables() throws IOException {
        WordPieceTokenizer t = tokenizer(false);
        // U+061D ARABIC END OF TEXT MARK is Po since Unicode 14; the crate does not know it
        assertThat(t.tokenize("abc\u061Dabc")).containsExactly("[UNK]");
        // U+166D CANADIAN SYLLABICS CHI SIGN was Po before it became So
        assertThat(t.tokenize("abc\u166Dabc")).containsExactly("abc", "[UNK]", "abc");
        // U+0890 ARABIC POUND MARK ABOVE (Cf since Unicode 14) is kept, not dropped
        assertThat(t.tokenize("abc\u0890")).containsExactly("[UNK]");
    }

    @Test
    void longestFirstLengthsMatchTheTokenizersCrate() {
        // the crate's own table for max_length 7 (utils/truncation.rs): lengths 0, 2, 4, 8
        int[] sizes = {0, 2, 4, 8};
        int[][][] expected = {
                {{0, 0}, {0, 2}, {0, 4}, {0, 7}},
                {{2, 0}, {2, 2}, {2, 4}, {2, 5}},
                {{4, 0}, {4, 2}, {3, 4}, {3, 4}},
                {{7, 0}, {5, 2}, {4, 3}, {3, 4}}};
        for (int i = 0; i < sizes.length; i++) {
            for (int j = 0; j < sizes.length; j++) {
                int a = sizes[i];
                int b = sizes[j];
                int n1 = a;
                int n2 = b;
                if (a + b > 7) {
                    long l = WordPieceTokenizer.longestFirst(a, b, 7);
                    n1 = Math.min(a, (int) (l >>> 32));
                    n2 = Math.min(b, (int) l);
                }
                assertThat(new int[] {n1, n2}).as("%d + %d", a, b).containsExactly(expected[i][j]);
            }
        }
    }

    @Test
    void wordsOverOneHundredCodePointsAreUnknown() throws IOException {
        WordPieceTokenizer t = tokenizer(false);
        assertThat(t.tokenize("a".repeat(100))).hasSize(100).startsWith("a", "##a");
        assertThat(t.tokenize("a".repeat(101) + " hello")).containsExactly("[UNK]", "hello");
        // counted in code points as the tokenizers crate counts chars: 100 emoji are 200 UTF-16 units
        assertThat(t.tokenize("😀".repeat(100))).hasSize(100).startsWith("😀", "##😀");
        assertThat(t.tokenize("😀".repeat(101))).containsExactly("[UNK]");
    }

    @Test
    void anyUnicodeStringTokenizesWithoutThrowing() throws IOException {
        WordPieceTokenizer t = WordPieceTokenizer.load(OracleCasesTest.oracleDir());
        List<String> nasty = new ArrayList<>(List.of("\uDBFF\uDFFF", "\u200B\uFEFF",
                "\u0000\u0001\u007F\u0085", "\uE000\uF8FF", "\u0301\u0301", "\uFFFF\uFFFE", "ﷺ", "[CLS", "[[SEP]]",
                "x".repeat(1_000_000), "가 ".repeat(200_000)));
        StringBuilder all = new StringBuilder();
        for (int cp = 0; cp < 0x110000; cp += 7) {
            if (cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE) all.appendCodePoint(cp);
        }
        nasty.add(all.toString());
        for (String s : nasty) {
            assertThatCode(() -> t.encode(s, s, 512)).doesNotThrowAnyException();
        }
        assertThat(t.encode("가 ".repeat(200_000), 128).length()).isEqualTo(128);
    }

    /** transformers' tokenizer refuses a string with a surrogate half alone (a JSON "\\ud800" makes one); so does Raccoon. */
    @Test
    void unpairedSurrogatesAreRefusedWithTheirPlace() throws IOException {
        WordPieceTokenizer t = WordPieceTokenizer.load(OracleCasesTest.oracleDir());
        assertThat(WordPieceTokenizer.invalidUnicode("😀 가\uDBFF\uDFFF")).isNull();
        assertThat(WordPieceTokenizer.invalidUnicode("a\uDC00b")).isEqualTo("not valid Unicode: an unpaired surrogate \\udc00 at character 2");
        assertThat(WordPieceTokenizer.invalidUnicode("😀\uD83D")).contains("\\ud83d at character 3");
        assertThat(WordPieceTokenizer.invalidUnicode("\uDC00\uD800")).contains("\\udc00 at character 1");
        assertThatThrownBy(() -> t.encode("\uD800", 128)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("text: not valid Unicode: an unpaired surrogate \\ud800 at character 1");
        assertThatThrownBy(() -> t.encode("좋다", "x\uDC00", 128)).hasMessageStartingWith("text pair: not valid Unicode");
        assertThatThrownBy(() -> t.tokenize("a\uDC00b")).hasMessageContaining("unpaired surrogate");
    }

    @Test
    void isThreadSafe() throws IOException {
        WordPieceTokenizer t = WordPieceTokenizer.load(OracleCasesTest.oracleDir());
        List<String> texts = OracleCasesTest.cases().stream().map(c -> c.get("text").textValue()).toList();
        List<List<String>> sequential = texts.stream().map(t::tokenize).toList();
        for (int round = 0; round < 20; round++) {
            assertThat(texts.parallelStream().map(t::tokenize).toList()).isEqualTo(sequential);
        }
    }

    @Test
    void vocabularyLooksUpBothWays() throws IOException {
        Vocabulary v = tokenizer(false).vocab();
        assertThat(v.size()).isEqualTo(VOCAB.size());
        assertThat(v.id("hello")).isEqualTo(5);
        assertThat(v.id("nope")).isEqualTo(-1);
        assertThat(v.token(6)).isEqualTo("world");
        assertThat(new int[] {v.padId(), v.unkId(), v.clsId(), v.sepId(), v.maskId()})
                .containsExactly(0, 1, 2, 3, 4);
        assertThatThrownBy(() -> v.token(VOCAB.size())).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void aMaskTokenMissingFromTheVocabularyIsAddedAfterIt() throws IOException {
        List<String> noMask = new ArrayList<>(VOCAB);
        noMask.remove("[MASK]");
        WordPieceTokenizer t = WordPieceTokenizer.fromVocab(writeVocab(noMask), false);
        assertThat(t.vocab().maskId()).isEqualTo(noMask.size());
        assertThat(t.encode("[MASK]", 8).inputIds()).containsExactly(2, noMask.size(), 3);
    }

    @Test
    void reportsAMissingVocabularyFile() {
        Path missing = dir.resolve("nowhere").resolve("vocab.txt");
        assertThatThrownBy(() -> WordPieceTokenizer.fromVocab(missing, false))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> WordPieceTokenizer.load(dir.resolve("nowhere")))
                .isInstanceOf(NoSuchFileException.class).hasMessage(dir.resolve("nowhere") + ": no such model directory");
        assertThatThrownBy(() -> WordPieceTokenizer.load(dir))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("vocab.txt");
    }

    @Test
    void reportsAnEmptyVocabularyFile() throws IOException {
        Path file = writeVocab(List.of());
        Files.writeString(file, "");
        assertThatThrownBy(() -> WordPieceTokenizer.fromVocab(file, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(file.toString())
                .hasMessageContaining("empty");
    }

    @Test
    void aTokenOnTwoLinesReadsAsItsLaterIdAsInTransformers() throws IOException {
        Path file = writeVocab(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "x", "y", "x", "##z", "[PAD]", "##z", "[MASK]"));
        WordPieceTokenizer tokenizer = WordPieceTokenizer.fromVocab(file, false);
        assertThat(tokenizer.vocab().size()).isEqualTo(11);
        assertThat(tokenizer.vocab().padId()).isEqualTo(8);
        assertThat(tokenizer.vocab().token(4)).isEqualTo("x");
        assertThat(tokenizer.encode("x y xz", null, 16).inputIds()).containsExactly(2, 6, 5, 6, 9, 3);
    }

    @Test
    void reportsMissingRequiredSpecialTokens() throws IOException {
        for (String required : List.of("[UNK]", "[CLS]", "[SEP]", "[PAD]")) {
            List<String> tokens = new ArrayList<>(VOCAB);
            tokens.remove(required);
            Path file = writeVocab(tokens);
            assertThatThrownBy(() -> WordPieceTokenizer.fromVocab(file, false))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(file.toString()).hasMessageContaining(required);
        }
    }

    @Test
    void aByteOrderMarkIsNamedNotTakenForPartOfTheFirstToken() throws IOException {
        Path file = writeVocab(VOCAB);
        byte[] body = Files.readAllBytes(file), bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        Files.write(file, java.nio.ByteBuffer.allocate(body.length + 3).put(bom).put(body).array());
        assertThatThrownBy(() -> WordPieceTokenizer.fromVocab(file, false)).isInstanceOf(IOException.class)
                .hasMessageContaining(file + " starts with a byte-order mark").hasMessageContaining("\"[PAD]\"");
    }

    @Test
    void reportsInvalidUtf8WithItsLine() throws IOException {
        Path file = dir.resolve("vocab.txt");
        Files.write(file, new byte[] {'[', 'P', 'A', 'D', ']', '\n', 'a', '\n', (byte) 0xC3, '\n'});
        assertThatThrownBy(() -> WordPieceTokenizer.fromVocab(file, false))
                .isInstanceOf(IOException.class).hasMessageContaining(file + " line 3").hasMessageContaining("UTF-8");
    }

    @Test
    void reportsABrokenConfig() throws IOException {
        assertThatThrownBy(() -> withConfig("{\"do_lower_case\": false,\n \"model_max_length\": }"))
                .isInstanceOf(IOException.class).hasMessageContaining("tokenizer_config.json: malformed JSON: line 2, column 22: ")
                .hasMessageContaining("malformed JSON");
        // Loading a model directory reports bad content as an IOException too, as it does a bad config.json.
        assertThatThrownBy(() -> withConfig("{\"do_lower_case\": \"yes\"}"))
                .isInstanceOf(IOException.class).hasMessageContaining("tokenizer_config.json")
                .hasMessageContaining("do_lower_case");
        assertThatThrownBy(() -> withConfig("{\"unk_token\": \"<unk>\"}"))
                .isInstanceOf(IOException.class).hasMessageContaining("vocab.txt")
                .hasMessageContaining("<unk>");
    }

    @Test
    void saveThenLoadGivesTheSameTokenizer() throws IOException {
        WordPieceTokenizer original = WordPieceTokenizer.load(OracleCasesTest.oracleDir());
        Path saved = dir.resolve("saved");
        original.save(saved);

        assertThat(Files.readAllLines(saved.resolve("vocab.txt"), StandardCharsets.UTF_8))
                .isEqualTo(Files.readAllLines(OracleCasesTest.oracleDir().resolve("vocab.txt"), StandardCharsets.UTF_8));
        JsonNode config = new ObjectMapper().readTree(saved.resolve("tokenizer_config.json").toFile());
        assertThat(config.get("tokenizer_class").textValue()).isEqualTo("ElectraTokenizer");
        assertThat(config.get("do_lower_case").booleanValue()).isFalse();
        assertThat(config.get("strip_accents").isNull()).isTrue();
        assertThat(config.get("model_max_length").intValue()).isEqualTo(512);
        assertThat(config.get("cls_token").textValue()).isEqualTo("[CLS]");
        assertThat(config.get("added_tokens_decoder").get("4").get("content").textValue()).isEqualTo("[MASK]");
        assertThat(config.get("added_tokens_decoder").get("4").get("special").booleanValue()).isTrue();

        WordPieceTokenizer reloaded = WordPieceTokenizer.load(saved);
        assertThat(reloaded.vocab().size()).isEqualTo(original.vocab().size());
        for (JsonNode c : OracleCasesTest.cases()) {
            String text = c.get("text").textValue();
            String pair = c.hasNonNull("text_pair") ? c.get("text_pair").textValue() : null;
            assertThat(reloaded.encode(text, pair, 128).inputIds()).isEqualTo(original.encode(text, pair, 128).inputIds());
        }
    }

    @Test
    void saveKeepsCaseSettingsAndAddedTokens() throws IOException {
        WordPieceTokenizer lower = tokenizer(true);
        Path saved = dir.resolve("lower");
        lower.save(saved);
        WordPieceTokenizer reloaded = WordPieceTokenizer.load(saved);
        assertThat(reloaded.lowerCase()).isTrue();
        assertThat(reloaded.stripAccents()).isTrue();
        assertThat(reloaded.tokenize("HÉLLO [MASK]")).containsExactly("hello", "[MASK]");

        WordPieceTokenizer custom = withConfig("""
                {"do_lower_case": true, "strip_accents": false, "model_max_length": 256, "name_or_path": "x",
                 "added_tokens_decoder": {"%d": {"content": "<nl>", "rstrip": true, "special": true,
                 "normalized": false}}}""".formatted(VOCAB.size()));
        Path saved2 = dir.resolve("custom");
        custom.save(saved2);
        WordPieceTokenizer again = WordPieceTokenizer.load(saved2);
        assertThat(again.stripAccents()).isFalse();
        assertThat(again.modelMaxLength()).isEqualTo(256);
        assertThat(again.vocab().size()).isEqualTo(VOCAB.size() + 1);
        assertThat(again.tokenize("CAFÉ<nl>  hello")).containsExactly("café", "<nl>", "hello");
        assertThat(Files.readString(saved2.resolve("tokenizer_config.json"))).contains("\"name_or_path\"");
        assertThat(Files.readAllLines(saved2.resolve("vocab.txt"))).isEqualTo(VOCAB);
    }
}
