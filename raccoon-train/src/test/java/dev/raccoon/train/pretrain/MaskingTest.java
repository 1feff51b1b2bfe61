package dev.raccoon.train.pretrain;

import dev.raccoon.model.Batch;
import dev.raccoon.model.SequenceClassifier;
import dev.raccoon.text.Vocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static dev.raccoon.train.pretrain.TinyVocab.CLS;
import static dev.raccoon.train.pretrain.TinyVocab.FIRST_WORD;
import static dev.raccoon.train.pretrain.TinyVocab.MASK;
import static dev.raccoon.train.pretrain.TinyVocab.PAD;
import static dev.raccoon.train.pretrain.TinyVocab.SEP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class MaskingTest {
    private static final Vocabulary VOCAB = TinyVocab.of(50);

    /** 800 sequences of 128: [CLS] words [SEP] words [SEP] then padding, with [MASK] and [UNK] among the words. */
    private static Batch batch() {
        SplittableRandom random = new SplittableRandom(1);
        int size = 800, seq = 128;
        int[] ids = new int[size * seq];
        int[] mask = new int[ids.length];
        for (int b = 0; b < size; b++) {
            int len = 40 + random.nextInt(seq - 40 + 1);
            for (int t = 0; t < len; t++) {
                int id = t == 0 ? CLS : t == len - 1 || t == len / 2 ? SEP
                        : random.nextInt(40) == 0 ? MASK : random.nextInt(1, VOCAB.size());
                if (id == CLS && t > 0 || id == SEP && t != len - 1 && t != len / 2) id = FIRST_WORD;
                ids[b * seq + t] = id;
                mask[b * seq + t] = 1;
            }
        }
        return new Batch(size, seq, ids, new int[ids.length], mask);
    }

    @ParameterizedTest
    @ValueSource(floats = {0.15f, 0.25f})
    void electraChoosesItsShareAndMasksEightyFivePercentOfThem(float chooseProb) {
        Batch batch = batch();
        Masking.Masked m = Masking.electra(VOCAB, chooseProb).apply(batch, new SplittableRandom(2));
        long candidates = 0;
        for (int i = 0; i < batch.tokens(); i++) {
            int id = batch.inputIds()[i];
            if (batch.attentionMask()[i] == 1 && id != CLS && id != SEP && id != PAD && id != MASK) candidates++;
        }
        int masked = 0, kept = 0;
        for (int i : m.chosen()) {
            int original = batch.inputIds()[i];
            assertThat(batch.attentionMask()[i]).as("padding is never chosen").isEqualTo(1);
            assertThat(original).as("specials are never chosen").isNotIn(CLS, SEP, PAD, MASK);
            assertThat(m.labels()[i]).isEqualTo(original);
            if (m.inputIds()[i] == MASK) masked++;
            else if (m.inputIds()[i] == original) kept++;
        }
        assertThat(masked + kept).as("ELECTRA never puts in a random token").isEqualTo(m.chosen().length);
        assertThat((double) m.chosen().length / candidates).isCloseTo(chooseProb, within(0.006));
        assertThat((double) masked / m.chosen().length).isCloseTo(0.85, within(0.015));
        long labelled = java.util.Arrays.stream(m.labels()).filter(l -> l != SequenceClassifier.IGNORE_INDEX).count();
        assertThat(labelled).isEqualTo(m.chosen().length);
        for (int i = 0; i < batch.tokens(); i++)
            if (m.labels()[i] == SequenceClassifier.IGNORE_INDEX) assertThat(m.inputIds()[i]).isEqualTo(batch.inputIds()[i]);
    }

    @Test
    void bertMasksEightyReplacesTenKeepsTen() {
        Batch batch = batch();
        Masking.Masked m = Masking.bert(VOCAB, Masking.DEFAULT_CHOOSE_PROB).apply(batch, new SplittableRandom(3));
        int masked = 0, kept = 0, random = 0;
        for (int i : m.chosen()) {
            int now = m.inputIds()[i];
            if (now == MASK) masked++;
            else if (now == batch.inputIds()[i]) kept++;
            else {
                random++;
                assertThat(now).as("random tokens are ordinary").isNotIn(CLS, SEP, PAD, MASK);
            }
        }
        double n = m.chosen().length;
        // A random draw equal to the original counts as kept: 0.1 · 1/46 moves from random to kept.
        assertThat(masked / n).isCloseTo(0.80, within(0.015));
        assertThat(random / n).isCloseTo(0.10 * 45 / 46, within(0.01));
        assertThat(kept / n).isCloseTo(0.10 + 0.10 / 46, within(0.01));
    }
}
