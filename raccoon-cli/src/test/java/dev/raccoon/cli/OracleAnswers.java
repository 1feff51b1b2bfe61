package dev.raccoon.cli;

import dev.raccoon.api.Classifier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Sixteen reviews labelled with the oracle classifier's own answers, every fourth flipped when asked: data on which
 * calibrate and compare have something known to find.
 */
final class OracleAnswers {
    static final Path MODEL = CliRun.oracleClassifier();
    static final List<String> TEXTS = List.of("영화 정말 재밌어요", "최악의 영화 시간 낭비", "배우들 연기가 좋았다", "지루하다",
            "스토리가 별로", "다시 보고 싶다", "음악이 좋았어요", "돈 아깝다", "감동적인 결말", "그냥 그랬어요", "배우가 아깝다",
            "연출이 훌륭하다", "졸면서 봤다", "가족과 함께 보기 좋은 영화", "두 번 보세요", "이게 뭐야");

    private OracleAnswers() {}

    static boolean modelPresent() {
        return Files.exists(MODEL.resolve("config.json"));
    }

    /** The model's logits for {@link #TEXTS}, on the scalar backend. */
    static float[][] logits() throws IOException {
        try (Classifier classifier = Classifier.load(MODEL, Classifier.Options.defaults().withDevice("scalar"))) {
            return classifier.logits(TEXTS, null);
        }
    }

    /** An NSMC file of the texts with the model's answers as labels; with {@code someWrong}, rows 3, 7, 11, 15 flipped. */
    static Path nsmc(Path file, boolean someWrong) throws IOException {
        float[][] logits = logits();
        StringBuilder tsv = new StringBuilder("id\tdocument\tlabel\n");
        for (int i = 0; i < TEXTS.size(); i++) {
            int answer = logits[i][1] > logits[i][0] ? 1 : 0;
            tsv.append(i).append('\t').append(TEXTS.get(i)).append('\t').append(someWrong && i % 4 == 3 ? 1 - answer : answer).append('\n');
        }
        return Files.writeString(file, tsv);
    }
}
