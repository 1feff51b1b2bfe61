package dev.raccoon.train;

import dev.raccoon.train.data.DataFormat;
import dev.raccoon.train.data.DataSpec;
import dev.raccoon.train.data.Example;
import dev.raccoon.train.data.ExampleReader;
import dev.raccoon.train.data.Labels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The shared data sets (../shared/data, via the raccoon.shared property); tests skip when they are absent. */
final class TestData {
    private TestData() {
    }

    static Path shared(String relative) {
        String root = System.getProperty("raccoon.shared");
        assumeTrue(root != null, "raccoon.shared is not set");
        Path p = Path.of(root).resolve(relative);
        assumeTrue(Files.exists(p), p + " is missing");
        return p;
    }

    static Path vocab() {
        return shared("data/vocab/koelectra-v1-vocab.txt");
    }

    /** The first {@code n} usable NSMC rows of train.tsv or dev.tsv. */
    static List<Example> nsmc(String file, int n) throws IOException {
        return head(shared("data/nsmc/" + file), DataSpec.of(DataFormat.NSMC, Labels.BINARY), n);
    }

    /** The first {@code n} KorSTS pairs of sts-train.tsv or sts-dev.tsv with their 0–5 scores. */
    static List<Example> korSts(String file, int n) throws IOException {
        return head(shared("data/korsts/" + file), DataSpec.of(DataFormat.TSV, null), n);
    }

    private static List<Example> head(Path file, DataSpec spec, int n) throws IOException {
        List<Example> out = new ArrayList<>(n);
        try (ExampleReader reader = ExampleReader.open(file, spec)) {
            for (Example e = reader.next(); e != null && out.size() < n; e = reader.next()) out.add(e);
        }
        return out;
    }
}
