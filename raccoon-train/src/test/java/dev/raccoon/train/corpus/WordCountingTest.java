package dev.raccoon.train.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raccoon.text.WordPieceTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordCountingTest {
    @Test
    void threadsDoNotChangeTheVocabulary(@TempDir Path dir) throws Exception {
        String[] words = {"영화가", "정말", "재밌다", "지루했다", "배우들의", "연기는", "최고", "별로다", "스토리가"};
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            lines.add(words[i % 9] + " " + words[(i * 4) % 9] + "  " + words[(i * 7 + 2) % 9] + " " + (i % 97));
        }
        Path file = dir.resolve("c.txt");
        Files.write(file, lines);
        WordPieceTrainer.Options options = new WordPieceTrainer.Options(150, 2, 1000, 1_000_000);
        List<List<String>> vocabs = new ArrayList<>();
        for (int threads : new int[] {1, 3}) {
            long[] progress = {0};
            WordCounting.Result r = WordCounting.count(CorpusFiles.utf8(List.of(file)), 2500, options, false, threads,
                    bytes -> progress[0] = bytes);
            assertThat(r.lines()).isEqualTo(2500);
            assertThat(progress[0]).isPositive();
            vocabs.add(r.trainer().train(size -> { }));
        }
        assertThat(vocabs.get(1)).hasSize(150).isEqualTo(vocabs.get(0));
    }
}
