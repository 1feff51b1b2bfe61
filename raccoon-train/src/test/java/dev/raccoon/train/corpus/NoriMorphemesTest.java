package dev.raccoon.train.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raccoon.text.WordPieceTrainer;
import java.util.List;
import org.junit.jupiter.api.Test;

class NoriMorphemesTest {

    private static String cut(String text, int[] starts) {
        StringBuilder sb = new StringBuilder();
        int at = 0;
        for (int i = 0; i < text.length(); i++) {
            while (at < starts.length && starts[at] < i) at++;
            if (at < starts.length && starts[at] == i && i > 0) sb.append('|');
            sb.append(text.charAt(i));
        }
        return sb.toString();
    }

    @Test
    void startsMorphemesAtTheirSurfaceOffsets() {
        NoriMorphemes nori = new NoriMorphemes();
        String text = "영화가 정말 재밌었다 가곡역에서 배우들의 mbc특선영화";
        // inflected 재밌었다 keeps its surface pieces; the compound 가곡역 stays whole
        assertThat(cut(text, nori.morphemeStarts(text)))
                .isEqualTo("영화|가 |정말 |재밌|었|다 |가곡역|에서 |배우|들|의 |mbc|특선|영화");
        assertThat(nori.morphemeStarts("")).isEmpty();
    }

    @Test
    void vocabularyLearnsAlongMorphemeBoundariesOnly() {
        WordPieceTrainer trainer = new WordPieceTrainer(new WordPieceTrainer.Options(200, 2, 1000, 1000),
                new NoriMorphemes());
        List<String> lines = List.of("영화가 재밌다", "영화는 재밌다", "드라마가 재밌다", "드라마는 지루하다",
                "배우들의 연기가 좋다", "배우들은 연기를 잘한다");
        for (int i = 0; i < 3; i++) lines.forEach(trainer::addText);
        List<String> vocab = trainer.train(size -> { });
        assertThat(vocab).contains("영화", "드라마", "##가", "##는", "배우", "##들")
                .doesNotContain("영화가", "영화는", "드라마가", "배우들");
    }
}
