package dev.raccoon.train;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.train.data.Example;
import dev.raccoon.train.data.Labels;
import dev.raccoon.train.lexicon.KnuLexicon;
import dev.raccoon.train.lexicon.LexiconClassifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End-to-end learning: a tiny ELECTRA trained from scratch on a few thousand NSMC reviews must beat both chance
 * and the KNU lexicon baseline on the same dev rows. Sized to run in about 30 s on 2 cores (it reached 80% against the lexicon's 58%).
 */
class NsmcLearningTest {
    @Test
    void tinyModelBeatsTheLexiconBaseline(@TempDir Path out) throws IOException {
        List<Example> train = TestData.nsmc("train.tsv", 4000);
        List<Example> dev = TestData.nsmc("dev.tsv", 1000);
        LexiconClassifier lexicon = LexiconClassifier.withMajorityTie(
                KnuLexicon.load(TestData.shared("data/knu/SentiWord_Dict.txt")), train);
        long right = dev.stream().filter(e -> lexicon.predict(e.text()) == e.label()).count();
        double lexiconAccuracy = (double) right / dev.size();

        try (Backend backend = Backends.cpu(2)) {
            ModelInit start = ModelInit.fresh(ModelInit.Preset.TINY, TestData.vocab(), Labels.BINARY.names(),
                    "single_label_classification", null, 1, backend);
            Trainer.Options options = Trainer.Options.defaults(Trainer.Task.CLASSIFY).withEpochs(2).withBatchSize(32)
                    .withLr(1e-3f).withMaxLength(64);
            Trainer.Result result = new Trainer(start.model(), start.tokenizer(), options, out).train(train, dev, false);

            System.out.printf("NSMC tiny: dev accuracy %.4f (lexicon %.4f), %.0f examples/s, %.1f s%n",
                    result.bestMetric(), lexiconAccuracy, result.examplesPerSecond(), result.seconds());
            assertThat(result.bestMetric()).isGreaterThan(0.7).isGreaterThan(lexiconAccuracy + 0.05);
        }
    }
}
