package dev.raccoon.train.data;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LabelsTest {
    @Test
    void mapsNamesAndNumbers() {
        assertThat(Labels.BINARY.id("0")).isZero();
        assertThat(Labels.BINARY.id(" 1 ")).isEqualTo(1);
        assertThat(Labels.BINARY.id("Positive")).isEqualTo(1);
        assertThat(Labels.BINARY.id("2")).isEqualTo(-1);
        assertThat(Labels.BINARY.id("neutral")).isEqualTo(-1);
        assertThat(Labels.BINARY.id("")).isEqualTo(-1);
        assertThat(Labels.BINARY.id("1.0")).as("as pandas writes it").isEqualTo(1);
        assertThat(Labels.BINARY.id("0.00")).isZero();
        assertThat(Labels.BINARY.id("0.5")).isEqualTo(-1);
        assertThat(Labels.BINARY.id("1.")).isEqualTo(-1);
        Labels model = new Labels(List.of("LABEL_0", "LABEL_1"));
        assertThat(model.id("1")).isEqualTo(1);
        assertThat(model.id("label_0")).isZero();
    }

    @Test
    void mapsRatings() {
        int[] binary = new int[11], three = new int[11];
        for (int r = 1; r <= 10; r++) {
            binary[r] = Labels.BINARY.fromRating(r);
            three[r] = Labels.THREE_CLASS.fromRating(r);
        }
        assertThat(binary).containsExactly(0, 0, 0, 0, 0, -1, -1, -1, -1, 1, 1);
        assertThat(three).containsExactly(0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2);
        assertThatThrownBy(() -> Labels.BINARY.fromRating(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Labels(List.of("a", "b", "c", "d")).fromRating(5)).hasMessageContaining("2 or 3 classes");
    }
}
