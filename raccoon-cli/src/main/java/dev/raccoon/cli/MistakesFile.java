package dev.raccoon.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.engine.cpu.CpuMath;
import dev.raccoon.serve.TableFormat;
import dev.raccoon.train.data.Example;
import dev.raccoon.train.metrics.Mistakes;
import picocli.CommandLine.Model.CommandSpec;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** eval's --errors file: the rows a classifier got wrong, the most confident first, as TSV, CSV or JSON lines. */
final class MistakesFile {
    private MistakesFile() {}

    /**
     * The file's format, checked before any scoring: a known extension, a folder to write into and nothing there yet.
     *
     * @throws picocli.CommandLine.ParameterException for the lexicon, which gives no probabilities, or an unknown extension
     */
    static TableFormat format(CommandSpec spec, Path file, boolean lexicon) throws IOException {
        if (lexicon) throw TrainingOptions.usage(spec, "--errors lists a model's mistakes by its probabilities, which the lexicon baseline has not");
        TableFormat format = TableFormat.byExtension(file);
        if (format == null)
            throw TrainingOptions.usage(spec, "--errors " + file + ": the name must end in .tsv (or .txt), .csv, or .jsonl (or .ndjson, .json: JSON lines)");
        if (Files.exists(file)) throw new FileAlreadyExistsException(file + " (--errors writes a new file; nothing is written over)");
        Path parent = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) throw new IOException("--errors " + file + ": no folder " + parent + " to write into");
        if (!Files.isWritable(parent)) throw new IOException("--errors " + file + ": the folder " + parent + " cannot be written to");
        return format;
    }

    /** The answer to a row starting on {@code line} of the data: the most probable class, and its probability. */
    static void add(Mistakes mistakes, long line, Example row, float[] probabilities) {
        int answer = CpuMath.argmax(probabilities);
        mistakes.add(line, row.text(), row.pair(), row.label(), answer, probabilities[answer]);
    }

    static void write(Path file, TableFormat format, Mistakes mistakes) throws IOException {
        List<Mistakes.Mistake> all = mistakes.all();
        boolean pairs = all.stream().anyMatch(m -> m.pair() != null);
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            if (format.tabular()) out.write(format.join(columns(pairs, "line", "text", "text_pair", "gold", "answer", "probability")) + "\n");
            for (Mistakes.Mistake m : all) {
                String gold = mistakes.labels().get(m.gold()), answer = mistakes.labels().get(m.predicted());
                if (format.tabular()) {
                    out.write(format.join(columns(pairs, Long.toString(m.line()), m.text(), m.pair(), gold, answer,
                            Float.toString(m.probability()))) + "\n");
                } else {
                    ObjectNode o = JsonLines.JSON.createObjectNode().put("line", m.line()).put("text", m.text());
                    if (pairs) o.put("text_pair", m.pair());
                    o.put("gold", gold).put("answer", answer).put("probability", m.probability());
                    out.write(JsonLines.JSON.writeValueAsString(o) + "\n");
                }
            }
        }
    }

    private static List<String> columns(boolean pairs, String line, String text, String pair, String gold, String answer,
                                        String probability) {
        List<String> c = new ArrayList<>(List.of(line, text));
        if (pairs) c.add(pair);
        c.addAll(List.of(gold, answer, probability));
        return c;
    }
}
