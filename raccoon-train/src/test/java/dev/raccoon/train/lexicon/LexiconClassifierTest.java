package dev.raccoon.train.lexicon;

import dev.raccoon.train.data.Example;
import dev.raccoon.train.data.Labels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LexiconClassifierTest {
    @TempDir
    Path dir;

    private KnuLexicon lexicon() throws IOException {
        String knu = String.join("\r\n", "(^^)\t1", "좋\t1", "재미\t1", "재미없\t-2", "최악\t-2", "가슴이 벅차다\t2",
                "별로\t-1", "적극적이다\t-1", "적극적이다\t1", "갈등 -1", "") ;
        return KnuLexicon.load(Files.writeString(dir.resolve("lexicon.txt"), knu, StandardCharsets.UTF_8));
    }

    @Test
    void loadsKnuFormat() throws IOException {
        KnuLexicon lexicon = lexicon();
        assertThat(lexicon.size()).isEqualTo(9);
        assertThat(lexicon.polarity("가슴이  벅차다")).isEqualTo(2.0);
        assertThat(lexicon.polarity("적극적이다")).isEqualTo(0.0);
        assertThat(lexicon.polarity("갈등")).isEqualTo(-1.0);
        assertThat(lexicon.polarity("없는말")).isNull();
    }

    @Test
    void aMalformedLineIsAnErrorWithItsNumber() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.txt"), "좋다\t1\r\n나쁘다\t-5\r\n");
        assertThatThrownBy(() -> KnuLexicon.load(bad)).isInstanceOf(IOException.class).hasMessageContaining(bad + " line 2:");
    }

    @Test
    void scoresByLongestMatchAtWordStartsAndInsideWords() throws IOException {
        LexiconClassifier c = new LexiconClassifier(lexicon(), Labels.BINARY, 1);
        assertThat(c.score("좋아요 좋네")).isEqualTo(2);         // prefixes of words
        assertThat(c.score("재미없다")).isEqualTo(-2);           // longest entry, not 재미
        assertThat(c.score("진짜최악ㅋㅋ")).isEqualTo(-2);         // two characters inside a word
        assertThat(c.score("안좋아")).isZero();                 // one character inside a word is not matched
        assertThat(c.score("가슴이   벅차다!! (^^)")).isEqualTo(3); // multi-word entry over collapsed spaces, emoticon
        assertThat(c.score("별로... 재미는 있음")).isZero();
        assertThat(c.predict("재미있다")).isEqualTo(1);
        assertThat(c.predict("별로")).isZero();
        assertThat(c.predict("아무 말")).isEqualTo(1);
    }

    @Test
    void decomposedHangulMatchesAsComposed() throws IOException {
        LexiconClassifier c = new LexiconClassifier(lexicon(), Labels.BINARY, 1);
        String nfd = java.text.Normalizer.normalize("진짜 최악 재미없다", java.text.Normalizer.Form.NFD);
        assertThat(nfd).isNotEqualTo("진짜 최악 재미없다");
        assertThat(c.score(nfd)).isEqualTo(-4);
    }

    @Test
    void tiesGoToTheTrainingMajorityOrNeutral() throws IOException {
        KnuLexicon lexicon = lexicon();
        List<Example> mostlyNegative = List.of(Example.classified("a", null, 0), Example.classified("b", null, 0),
                Example.classified("c", null, 1));
        assertThat(LexiconClassifier.withMajorityTie(lexicon, mostlyNegative).predict("아무 말")).isZero();
        LexiconClassifier three = new LexiconClassifier(lexicon, Labels.THREE_CLASS, 0);
        assertThat(three.predict("아무 말")).isEqualTo(1);
        assertThat(three.predict("최고 재미")).isEqualTo(2);
        assertThat(three.predict("최악")).isZero();
        assertThat(new LexiconClassifier(KnuLexicon.of(Map.of("좋", 1)), Labels.BINARY, 0).predict("좋다")).isEqualTo(1);
    }
}
