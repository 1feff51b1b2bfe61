package dev.raccoon.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.api.Classifier;
import dev.raccoon.api.Prediction;
import dev.raccoon.text.TextEncodings;
import dev.raccoon.text.WordPieceTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Parameters;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "predict", description = {"Classifies texts: a label and its probability per text.",
        "Without TEXT arguments, reads one text per line from stdin (blank lines skipped) and answers as it reads."})
final class PredictCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Spec
    CommandSpec spec;

    @Mixin
    TaskOption taskOption;

    @Option(names = "--json", description = "One JSON object per text: text, label, probability, truncated, probabilities.")
    boolean json;

    @Parameters(paramLabel = "TEXT", arity = "0..*", description = "Texts to classify.")
    List<String> texts = new ArrayList<>();

    @Mixin
    EncodingOption encoding;

    @Override
    public Integer call() throws Exception {
        // The server answers 400 to an empty text; a blank argument is as surely a mistake (an unset shell variable).
        for (int i = 0; i < texts.size(); i++)
            if (WordPieceTokenizer.isBlank(texts.get(i))) throw new IllegalArgumentException("TEXT " + (i + 1) + " is empty");
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        long undecodable = 0;
        try (Classifier classifier = modelOptions.load(spec, taskOption.task)) {
            if (!texts.isEmpty()) print(classifier, texts, out);
            else undecodable = predictStdin(classifier, out);
        }
        out.flush();
        return undecodable == 0 ? 0 : 1;
    }

    /**
     * Classifies stdin a chunk of lines at a time ({@link TextLines#chunkEnds}), so a pipe gets its answers as its lines
     * come (a person typing, one by one) and memory stays flat.
     * Blank lines are skipped, and a line that does not decode is reported on stderr. Returns how many did not decode.
     */
    private long predictStdin(Classifier classifier, PrintStream out) throws IOException {
        TextLines lines = new TextLines(new BufferedInputStream(System.in), encoding.encoding);
        List<String> chunk = new ArrayList<>(TextLines.CHUNK);
        long classified = 0, undecodable = 0;
        for (TextLines.Line line = lines.next(); ; line = lines.next()) {
            if (line != null && line.text() == null) {
                undecodable++;
                System.err.println("raccoon predict: line " + line.number() + " is " + TextEncodings.notValidWithHint(encoding.encoding)
                        + "; it was skipped");
            } else if (line != null && !WordPieceTokenizer.isBlank(line.text())) {
                chunk.add(line.text());
            }
            if (lines.chunkEnds(chunk.size(), line == null)) {
                print(classifier, chunk, out);
                out.flush();
                classified += chunk.size();
                chunk.clear();
            }
            if (line == null) break;
        }
        if (classified == 0 && undecodable == 0) throw new IllegalArgumentException("no TEXT given and nothing on stdin");
        return undecodable;
    }

    private void print(Classifier classifier, List<String> inputs, PrintStream out) throws IOException {
        List<Prediction> predictions = classifier.classify(inputs);
        for (int i = 0; i < inputs.size(); i++) {
            Prediction p = predictions.get(i);
            boolean truncated = classifier.truncated(inputs.get(i));
            out.println(json ? toJson(inputs.get(i), p, truncated) : String.format(Locale.ROOT, "%-8s %5.1f%%  %s%s",
                    p.label(), 100 * p.probability(), inputs.get(i),
                    truncated ? "  (only its first " + classifier.maxLength() + " tokens were read)" : ""));
        }
    }

    private static String toJson(String text, Prediction p, boolean truncated) throws IOException {
        ObjectNode o = JsonLines.JSON.createObjectNode();
        o.put("text", text);
        o.put("label", p.label());
        o.put("probability", p.probability());
        o.put("truncated", truncated);
        ObjectNode probs = o.putObject("probabilities");
        float[] probabilities = p.probabilities();
        for (int i = 0; i < probabilities.length; i++) probs.put(p.labels().get(i), probabilities[i]);
        return JsonLines.JSON.writeValueAsString(o);
    }
}
