package dev.raccoon.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.api.Classifier;
import dev.raccoon.text.Truncation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.BufferedInputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "logits", description = {
        "Writes the model's logits for JSON lines from stdin.",
        "Reads {\"text\": ..., \"text_pair\": ...} and writes {\"logits\": [...]} per line (batched internally with padding "
                + "and attention masks).",
        "A bad line gets {\"error\": ...} in its place (and a message on stderr); the exit code is then 1."})
final class LogitsCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Spec
    CommandSpec spec;

    @Mixin
    TaskOption taskOption;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        int errors = 0;
        modelOptions.unlessGiven = Truncation.HEAD;
        try (Classifier classifier = modelOptions.load(spec, taskOption.task)) {
            JsonLines in = new JsonLines(new BufferedInputStream(System.in));
            List<JsonLines.Line> chunk = new ArrayList<>();
            for (JsonLines.Line line = in.next(); ; line = in.next()) {
                if (line != null) chunk.add(line);
                if (in.chunkEnds(chunk.size(), line == null)) {
                    errors += writeChunk(classifier, chunk, out);
                    out.flush();
                    chunk.clear();
                }
                if (line == null) break;
            }
        }
        out.flush();
        return errors == 0 ? 0 : 1;
    }

    private static int writeChunk(Classifier classifier, List<JsonLines.Line> chunk, PrintStream out) throws Exception {
        List<String> texts = new ArrayList<>();
        List<String> pairs = new ArrayList<>();
        for (JsonLines.Line l : chunk) {
            if (l.error() != null) continue;
            texts.add(l.text());
            pairs.add(l.textPair());
        }
        float[][] logits = texts.isEmpty() ? new float[0][] : classifier.logits(texts, pairs);
        int next = 0, errors = 0;
        for (JsonLines.Line l : chunk) {
            ObjectNode result = JsonLines.JSON.createObjectNode();
            if (l.error() != null) {
                errors++;
                System.err.println("raccoon logits: " + l.error());
                result.put("error", l.error());
            } else {
                var array = result.putArray("logits");
                for (float v : logits[next++]) array.add(v);
            }
            out.println(JsonLines.JSON.writeValueAsString(result));
        }
        return errors;
    }
}
