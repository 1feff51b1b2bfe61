package dev.raccoon.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.api.Classifier;
import dev.raccoon.api.Prediction;
import dev.raccoon.text.WordPieceTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "predict", description = {"Classifies texts: a label and its probability per text.",
        "Without TEXT arguments, reads one text per line from stdin."})
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

    @Override
    public Integer call() throws Exception {
        List<String> inputs = texts.isEmpty() ? readStdin() : texts;
        // The server answers 400 to an empty text; a blank argument is as surely a mistake (an unset shell variable).
        for (int i = 0; i < inputs.size(); i++)
            if (WordPieceTokenizer.isBlank(inputs.get(i))) throw new IllegalArgumentException("TEXT " + (i + 1) + " is empty");
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        try (Classifier classifier = modelOptions.load(spec, taskOption.task)) {
            List<Prediction> predictions = classifier.classify(inputs);
            for (int i = 0; i < inputs.size(); i++) {
                Prediction p = predictions.get(i);
                boolean truncated = classifier.truncated(inputs.get(i));
                out.println(json ? toJson(inputs.get(i), p, truncated) : String.format(Locale.ROOT, "%-8s %5.1f%%  %s%s",
                        p.label(), 100 * p.probability(), inputs.get(i),
                        truncated ? "  (only its first " + classifier.maxLength() + " tokens were read)" : ""));
            }
        }
        out.flush();
        return 0;
    }

    private static String toJson(String text, Prediction p, boolean truncated) throws Exception {
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

    private static List<String> readStdin() throws Exception {
        List<String> lines = new ArrayList<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) if (!line.isBlank()) lines.add(line);
        if (lines.isEmpty()) throw new IllegalArgumentException("no TEXT given and nothing on stdin");
        return lines;
    }
}
