package dev.raccoon.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.engine.cpu.CpuMath;
import dev.raccoon.serve.TableFormat;
import dev.raccoon.train.data.Example;
import dev.raccoon.train.metrics.Mistakes;
import picocli.CommandLine.Model.CommandSpec;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** eval's --errors file: the rows a classifier got wrong, the most confident first, as TSV, CSV or JSON lines. */
final class MistakesFile {
    private MistakesFile() {}

    /**
     * The file's format, checked before any scoring: a known extension, a folder to write into, and nothing there yet
     * but an earlier list of mistakes, which is replaced.
     *
     * @throws picocli.CommandLine.ParameterException for the lexicon, which gives no probabilities, or an unknown extension
     */
    static TableFormat format(CommandSpec spec, Path file, boolean lexicon) throws IOException {
        if (lexicon) throw TrainingOptions.usage(spec, "--errors lists a model's mistakes by its probabilities, which the lexicon baseline has not");
        TableFormat format = TableFormat.gzipped(file) ? null : TableFormat.byExtension(file);
        if (format == null)
            throw TrainingOptions.usage(spec, "--errors " + file + ": the name must end in .tsv (or .txt), .csv, or .jsonl (or .ndjson, .json: JSON lines)");
        if (Files.exists(file) && !isEarlierList(file, format))
            throw new FileAlreadyExistsException(file + " (--errors replaces only an earlier list of mistakes, and this file is something else)");
        Path parent = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) throw new IOException("--errors " + file + ": no folder " + parent + " to write into");
        if (!Files.isWritable(parent)) throw new IOException("--errors " + file + ": the folder " + parent + " cannot be written to");
        return format;
    }

    /** Whether {@code file} is empty or starts as this class writes it: the header, or a JSON line of a mistake. */
    private static boolean isEarlierList(Path file, TableFormat format) throws IOException {
        if (!Files.isRegularFile(file)) return false;
        String first;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            first = in.readLine();
        } catch (CharacterCodingException e) {
            return false;
        }
        if (first == null) return true;
        return format.tabular() ? first.startsWith(format.join(List.of("line", "text", ""))) : first.startsWith("{\"line\":");
    }

    /** The answer to a row starting on {@code line} of the data: the most probable class, and its probability. */
    static void add(Mistakes mistakes, long line, Example row, float[] probabilities) {
        int answer = CpuMath.argmax(probabilities);
        mistakes.add(line, row.text(), row.pair(), row.label(), answer, probabilities[answer]);
    }

    static void write(Path file, TableFormat format, Mistakes mistakes) throws IOException {
        List<Mistakes.Mistake> all = mistakes.all();
        boolean pairs = all.stream().anyMatch(m -> m.pair() != null);
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
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
