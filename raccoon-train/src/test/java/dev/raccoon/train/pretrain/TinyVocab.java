package dev.raccoon.train.pretrain;

import dev.raccoon.text.Vocabulary;
import dev.raccoon.text.WordPieceTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A vocabulary of the five specials and {@code words} more tokens, written to a temporary vocab.txt. */
final class TinyVocab {
    static final int PAD = 0, UNK = 1, CLS = 2, SEP = 3, MASK = 4, FIRST_WORD = 5;

    private TinyVocab() {}

    static Vocabulary of(int words) {
        try {
            Path dir = Files.createTempDirectory("tiny-vocab");
            List<String> tokens = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
            for (int i = 0; i < words; i++) tokens.add("w" + i);
            Path file = dir.resolve("vocab.txt");
            Files.write(file, tokens);
            return WordPieceTokenizer.fromVocab(file, false).vocab();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
