package dev.raccoon.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordPieceTrainerTest {

    private static final List<String> SPECIALS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

    /** hug x10, pug x5, pun x12, bun x4, hugs x5 (the Hugging Face course's example), spread over lines. */
    private static WordPieceTrainer hugCorpus(WordPieceTrainer.Options options) {
        WordPieceTrainer trainer = new WordPieceTrainer(options, null);
        for (int i = 0; i < 12; i++) {
            StringBuilder line = new StringBuilder("pun");
            if (i < 10) line.append(" hug");
            if (i < 5) line.append("\tpug  hugs");
            if (i < 4) line.append(" bun");
            trainer.addText(line.toString());
        }
        return trainer;
    }

    @Test
    void learnsSpecialsAlphabetContinuationsAndMergesInOrder() {
        List<String> vocab = hugCorpus(new WordPieceTrainer.Options(100, 0, 1000, 1000)).train(size -> { });
        List<String> expected = new ArrayList<>(SPECIALS);
        // alphabet in code point order, then "##" forms of the characters seen inside words
        expected.addAll(List.of("b", "g", "h", "n", "p", "s", "u", "##g", "##n", "##s", "##u"));
        // pairs: (##u,##g) 20, (p,##u) 17, (##u,##n) 16, (h,##u) 15 ... then counts shift as merges apply;
        // "pug" and "hugs" tie at 5 and the pair of smaller ids, (p, ##ug), goes first
        expected.addAll(List.of("##ug", "##un", "hug", "pun", "pug", "hugs", "bun"));
        assertThat(vocab).containsExactlyElementsOf(expected);
    }

    @Test
    void stopsAtTheVocabularySizeOrTheMinimumFrequency() {
        List<String> bySize = hugCorpus(new WordPieceTrainer.Options(21, 0, 1000, 1000)).train(size -> { });
        assertThat(bySize).hasSize(21).endsWith("pun", "pug");

        WordPieceTrainer trainer = hugCorpus(new WordPieceTrainer.Options(100, 5, 1000, 1000));
        List<String> byFrequency = trainer.train(size -> { });
        assertThat(byFrequency).endsWith("pug", "hugs").doesNotContain("bun"); // (b, ##un) occurs 4 times
        assertThat(trainer.summary().merges()).isEqualTo(6);
        assertThat(trainer.summary().words()).isEqualTo(36);
        assertThat(trainer.summary().distinct()).isEqualTo(5);
    }

    @Test
    void limitAlphabetKeepsTheMostFrequentCharactersAndDropsTheRestFromWords() {
        // b (4 times) is the rarest character; without it "bun" trains as ##u ##n
        List<String> vocab = hugCorpus(new WordPieceTrainer.Options(100, 0, 6, 1000)).train(size -> { });
        assertThat(vocab.subList(5, 15)).containsExactly("g", "h", "n", "p", "s", "u", "##g", "##n", "##s", "##u");
        assertThat(vocab).doesNotContain("b", "bun").contains("##un");
    }

    @Test
    void normalizesAndPreTokenizesAsBert() {
        WordPieceTrainer trainer = new WordPieceTrainer(WordPieceTrainer.Options.of(100), null);
        trainer.addText("Café,\u0000 ok!!\u200b 漢字가 Nice");
        trainer.addText(java.text.Normalizer.normalize("가 Café", java.text.Normalizer.Form.NFD)); // composed, as the tokenizer reads it
        assertThat(trainer.wordCounts()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "Café", 2L, ",", 1L, "ok", 1L, "!", 2L, "漢", 1L, "字", 1L, "가", 2L, "Nice", 1L));
    }

    @Test
    void morphemeSplitterCutsWordsIntoInitialAndContinuingPieces() {
        // a fake analyser: a morpheme starts before each 가 and 는
        WordPieceTrainer.MorphemeSplitter particles = text -> {
            List<Integer> starts = new ArrayList<>();
            for (int i = 0; i < text.length(); i++) {
                if (text.charAt(i) == '가' || text.charAt(i) == '는') starts.add(i);
            }
            return starts.stream().mapToInt(Integer::intValue).toArray();
        };
        WordPieceTrainer trainer = new WordPieceTrainer(WordPieceTrainer.Options.of(100), particles);
        for (int i = 0; i < 3; i++) {
            trainer.addText("영화가 좋다");
            trainer.addText("영화는 가나다");
        }
        assertThat(trainer.wordCounts()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "영화", 6L, "##가", 3L, "##는", 3L, "좋다", 3L, "가나다", 3L));
        List<String> vocab = trainer.train(size -> { });
        assertThat(vocab).contains("영화", "##가", "##는").doesNotContain("영화가", "영화는", "화가", "##화가");
    }

    @Test
    void prunesRareWordsWhenTheCountMapIsFull() {
        WordPieceTrainer trainer = new WordPieceTrainer(new WordPieceTrainer.Options(100, 2, 1000, 3), null);
        trainer.addText("a a a b b c");
        trainer.addText("d e"); // 5 distinct words: c, d and e (seen once) go
        assertThat(trainer.wordCounts()).containsExactlyInAnyOrderEntriesOf(Map.of("a", 3L, "b", 2L));
        trainer.addText("f g h"); // 5 again: the floor rises to 2, so b goes as well as f, g, h
        assertThat(trainer.wordCounts()).containsExactlyInAnyOrderEntriesOf(Map.of("a", 3L));
        trainer.train(size -> { });
        assertThat(trainer.summary().pruned()).isEqualTo(7);
    }

    @Test
    void addCountsSumsTheCountsOfAnotherTrainer() {
        WordPieceTrainer a = new WordPieceTrainer(WordPieceTrainer.Options.of(100), null);
        WordPieceTrainer b = new WordPieceTrainer(WordPieceTrainer.Options.of(100), null);
        a.addText("hug pug");
        b.addText("hug bun");
        a.addCounts(b);
        assertThat(a.wordCounts()).containsExactlyInAnyOrderEntriesOf(Map.of("hug", 2L, "pug", 1L, "bun", 1L));
        assertThat(b.wordCounts()).hasSize(2);
    }

    @Test
    void skipsWordsTooLongForWordPiece() {
        WordPieceTrainer trainer = new WordPieceTrainer(WordPieceTrainer.Options.of(100), null);
        trainer.addText("ㅋ".repeat(101) + " " + "ㅋ".repeat(100));
        assertThat(trainer.wordCounts()).containsOnlyKeys("ㅋ".repeat(100));
    }

    @Test
    void savedVocabularyLoadsAndTokenizesTheTrainingWordsWithoutUnk(@TempDir Path dir) throws Exception {
        WordPieceTrainer trainer = new WordPieceTrainer(new WordPieceTrainer.Options(100, 1, 1000, 1000), null);
        List<String> lines = List.of("이 영화 정말 재밌어요!! 최고", "배우들 연기가 최고였다. 10점 만점에 10점",
                "스토리가 지루하고 연기는 별로... 2점", "Marvel 영화는 역시 재밌다 ㅋㅋㅋ");
        lines.forEach(trainer::addText);
        List<String> vocab = trainer.train(size -> { });
        assertThat(vocab).hasSize(100).startsWith(SPECIALS.toArray(String[]::new)).doesNotHaveDuplicates();

        WordPieceTrainer.save(vocab, dir);
        assertThat(Files.readAllLines(dir.resolve("vocab.txt"))).containsExactlyElementsOf(vocab);
        assertThat(Files.readString(dir.resolve("tokenizer_config.json")))
                .contains("\"do_lower_case\" : false", "\"tokenize_chinese_chars\" : true");
        WordPieceTokenizer tokenizer = WordPieceTokenizer.load(dir);
        assertThat(tokenizer.vocab().size()).isEqualTo(100);
        assertThat(tokenizer.lowerCase()).isFalse();
        assertThat(tokenizer.stripAccents()).isFalse();
        for (int id = 0; id < 5; id++) {
            assertThat(tokenizer.vocab().token(id)).isEqualTo(SPECIALS.get(id));
        }
        for (String line : lines) {
            assertThat(tokenizer.tokenize(line)).doesNotContain("[UNK]");
        }
        assertThat(tokenizer.encode("재밌어요", 16).tokens()).startsWith("[CLS]").endsWith("[SEP]");
    }

    @Test
    void rejectsOptionsThatCannotWork() {
        assertThatThrownBy(() -> new WordPieceTrainer.Options(4, 2, 1000, 10))
                .hasMessageContaining("special tokens");
        WordPieceTrainer trainer = new WordPieceTrainer(WordPieceTrainer.Options.of(10), null);
        trainer.train(size -> { });
        assertThatThrownBy(() -> trainer.addText("x")).isInstanceOf(IllegalStateException.class);
    }
}
