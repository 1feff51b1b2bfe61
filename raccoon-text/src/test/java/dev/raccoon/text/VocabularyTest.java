package dev.raccoon.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class VocabularyTest {
    @Test
    void ofKeepsListOrderAndFindsTheSpecialTokens() {
        Vocabulary v = Vocabulary.of(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "영화", "##는"));
        assertThat(v.size()).isEqualTo(7);
        assertThat(v.baseSize()).isEqualTo(7);
        assertThat(new int[] {v.padId(), v.unkId(), v.clsId(), v.sepId(), v.maskId()}).containsExactly(0, 1, 2, 3, 4);
        assertThat(v.id("##는")).isEqualTo(6);
        assertThat(v.token(5)).isEqualTo("영화");
    }

    @Test
    void ofRefusesRepeatsAndMissingSpecialTokens() {
        assertThatThrownBy(() -> Vocabulary.of(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "a")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("the tokens repeat");
        assertThatThrownBy(() -> Vocabulary.of(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "a")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("the tokens lack [MASK]");
    }
}
