package dev.raccoon.train.pretrain;

import dev.raccoon.text.Vocabulary;

import java.util.ArrayList;
import java.util.List;

/** A vocabulary of the five specials and {@code words} more tokens. */
final class TinyVocab {
    static final int PAD = 0, UNK = 1, CLS = 2, SEP = 3, MASK = 4, FIRST_WORD = 5;

    private TinyVocab() {}

    static Vocabulary of(int words) {
        List<String> tokens = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        for (int i = 0; i < words; i++) tokens.add("w" + i);
        return Vocabulary.of(tokens);
    }
}
