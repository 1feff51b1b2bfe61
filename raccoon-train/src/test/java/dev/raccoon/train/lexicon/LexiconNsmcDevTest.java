package dev.raccoon.train.lexicon;

import dev.raccoon.train.data.DataFormat;
import dev.raccoon.train.data.DataSpec;
import dev.raccoon.train.data.Example;
import dev.raccoon.train.data.ExampleReader;
import dev.raccoon.train.data.Labels;
import dev.raccoon.train.metrics.ClassificationMetrics;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The baseline on the shared NSMC dev set with the KNU lexicon, when ../shared is present (it is not bundled). */
class LexiconNsmcDevTest {
    @Test
    void knuLexiconOnNsmcDev() throws IOException {
        Path shared = Path.of(System.getProperty("raccoon.shared", "../../shared"));
        Path lexiconFile = shared.resolve("data/knu/SentiWord_Dict.txt");
        Path train = shared.resolve("data/nsmc/train.tsv"), dev = shared.resolve("data/nsmc/dev.tsv");
        assumeTrue(Files.exists(lexiconFile) && Files.exists(train) && Files.exists(dev), "shared KNU lexicon and NSMC not found");
        DataSpec nsmc = DataSpec.of(DataFormat.NSMC, Labels.BINARY);
        // NSMC train is 75,173 negative to 74,827 positive, so ties go to negative.
        LexiconClassifier classifier = LexiconClassifier.withMajorityTie(KnuLexicon.load(lexiconFile),
                ExampleReader.load(train, nsmc).examples());
        ClassificationMetrics m = new ClassificationMetrics(Labels.BINARY.names());
        try (ExampleReader reader = ExampleReader.open(dev, nsmc)) {
            for (Example e = reader.next(); e != null; e = reader.next()) {
                double s = classifier.score(e.text());
                m.add(e.label(), classifier.predict(s), s);
            }
            assertThat(reader.summary().rowsUsed()).isEqualTo(10_000);
        }
        System.out.printf("KNU lexicon baseline on NSMC dev: accuracy %.4f, macro-F1 %.4f, ROC-AUC %.4f%n",
                m.accuracy(), m.macroF1(), m.roc().auc());
        assertThat(m.accuracy()).isBetween(0.6, 0.7);
    }
}
