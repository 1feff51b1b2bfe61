package dev.raccoon.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.api.Answers;
import dev.raccoon.api.Classifier;
import dev.raccoon.api.Occlusion;
import dev.raccoon.api.Prediction;
import dev.raccoon.text.TextEncodings;
import dev.raccoon.text.TextFiles;
import dev.raccoon.text.WordPieceTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "predict", description = {"Classifies texts: a label and its probability per text.",
        "Without TEXT arguments, reads one text per line from stdin (blank lines skipped; gunzipped if gzip) and answers as it reads."})
final class PredictCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Spec
    CommandSpec spec;

    @Mixin
    TaskOption taskOption;

    @Option(names = "--json", description = "One JSON object per text: text, label, probability, truncated, probabilities "
            + "(and tokens with --explain).")
    boolean json;

    @Option(names = "--explain", description = "Score every token the model reads by occlusion: how much the label's "
            + "probability drops when that token is masked (positive: it supports the label). Costs one more text to classify per token.")
    boolean explain;

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
     * Blank lines are skipped, and a line that does not decode is reported on stderr (what to do, with the first);
     * data that is no text in any encoding (UTF-16, gzipped twice) is refused at its first line, which tells it.
     * Returns how many did not decode.
     */
    private long predictStdin(Classifier classifier, PrintStream out) throws IOException {
        TextLines lines = new TextLines(TextFiles.gunzippedIfGzip(System.in, Path.of("stdin")), encoding.encoding);
        List<String> chunk = new ArrayList<>(TextLines.CHUNK);
        long classified = 0, undecodable = 0;
        for (TextLines.Line line = lines.next(); ; line = lines.next()) {
            if (line != null && line.text() == null) {
                if (line.number() == 1 && TextEncodings.noText(lines.head()) != null)
                    throw new IOException("stdin is " + TextEncodings.notValidWithHint(encoding.encoding, lines.head()));
                undecodable++;
                System.err.println("raccoon predict: line " + line.number() + " is " + (undecodable == 1
                        ? TextEncodings.notValidWithHint(encoding.encoding) : TextEncodings.notValid(encoding.encoding)) + "; it was skipped");
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
        // With --explain, the texts and all their occlusion variants go to the model together.
        List<Answers.Answer> answers = Answers.of(classifier, inputs, explain).run();
        for (int i = 0; i < inputs.size(); i++) {
            Answers.Answer a = answers.get(i);
            if (json) {
                ObjectNode o = JsonLines.JSON.createObjectNode().put("text", inputs.get(i));
                out.println(JsonLines.JSON.writeValueAsString(o.setAll(a.toJson())));
                continue;
            }
            Prediction p = a.prediction();
            out.println(String.format(Locale.ROOT, "%-8s %5.1f%%  %s%s", p.label(), 100 * p.probability(), inputs.get(i),
                    a.truncated() ? "  (longer than " + classifier.maxLength() + " tokens: the model read "
                            + classifier.truncation().partRead() + ")" : ""));
            if (a.tokens() != null) out.println(explanation(a.tokens(), a.omittedAfter()));
        }
    }

    /**
     * The tokens in reading order, each with its score: "     영화 +0.01  재밌 +0.42  ##어요 -0.03", with "…" before
     * token {@code gap} where the middle of the text was left out (-1: nowhere).
     */
    private static String explanation(List<Occlusion.TokenScore> tokens, int gap) {
        StringBuilder s = new StringBuilder("   ");
        for (int i = 0; i < tokens.size(); i++) {
            Occlusion.TokenScore t = tokens.get(i);
            if (i == gap) s.append("  …");
            float shown = Math.round(t.score() * 100) / 100f;
            s.append(String.format(Locale.ROOT, "  %s %+.2f", t.token(), shown == 0 ? 0f : shown)); // no "-0.00"
        }
        return s.toString();
    }

}
