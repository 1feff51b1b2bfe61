import dev.raccoon.train.ngram.NgramClassifier;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Class probabilities of a character n-gram model ({@code raccoon ngram}) for the texts of an NSMC-format file, one
 * tab-separated row per text: what EXPERIMENTS.md averages with the transformer teachers' {@code raccoon logits}.
 * Run: {@code java -cp raccoon-cli/target/raccoon.jar docs/experiments/NgramProbabilities.java MODEL DATA.tsv OUT.tsv}
 */
public class NgramProbabilities {
    public static void main(String[] args) throws Exception {
        NgramClassifier model = NgramClassifier.load(Path.of(args[0]));
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            String[] columns = line.split("\t");
            if (!columns[0].equals("id")) texts.add(columns[1]);
        }
        float[][] p = model.probabilities(texts, Arrays.asList(new String[texts.size()]));
        StringBuilder out = new StringBuilder();
        for (float[] row : p) {
            for (int c = 0; c < row.length; c++) out.append(c == 0 ? "" : "\t").append(row[c]);
            out.append('\n');
        }
        Files.writeString(Path.of(args[2]), out);
    }
}
