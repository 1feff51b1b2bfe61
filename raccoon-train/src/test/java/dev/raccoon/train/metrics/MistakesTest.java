package dev.raccoon.train.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MistakesTest {
    @Test
    void keepsOnlyWrongAnswersTheMostConfidentFirstAndTheDataOrderAmongEquals() {
        Mistakes m = new Mistakes(List.of("negative", "positive"));
        m.add(2, "맞음", null, 1, 1, 0.99f);
        m.add(3, "a", null, 0, 1, 0.6f);
        m.add(4, "b", null, 1, 0, 0.95f);
        m.add(5, "c", "pair", 0, 1, 0.6f);
        m.add(6, "d", null, 1, 0, 0.7f);
        assertThat(m.count()).isEqualTo(4);
        assertThat(m.all()).extracting(Mistakes.Mistake::text).containsExactly("b", "d", "a", "c");
        assertThat(m.mostConfident(2)).extracting(Mistakes.Mistake::text).containsExactly("b", "d");
        assertThat(m.mostConfident(10)).hasSize(4);
        assertThat(m.all().get(3).pair()).isEqualTo("pair");
        assertThat(m.all().getFirst().line()).isEqualTo(4);
        assertThatThrownBy(() -> m.add(7, "x", null, 2, 0, 0.5f)).hasMessage("classes 2 and 0 for 2 labels");
    }
}
