package dev.raccoon.train.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A training log in JSON lines, one object per logging step such as
 * {@code {"step": 100, "epoch": 0.5, "loss": 0.41, "lr": 4.9e-5, "dev_accuracy": 0.87}}. Every numeric field is
 * kept; any may be missing. A line without {@code step} is placed at its line number. Lines that are not JSON
 * objects are listed by number in {@link #badLines()} and otherwise ignored, so a log still being written can be drawn.
 */
public record TrainingLog(List<Entry> entries, List<Integer> badLines) {
    /** One line: its step and its numeric fields (step excluded). */
    public record Entry(double step, Map<String, Double> values) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    public static TrainingLog read(Path file) throws IOException {
        List<Entry> entries = new ArrayList<>();
        List<Integer> bad = new ArrayList<>();
        int number = 0;
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                number++;
                if (line.isBlank()) continue;
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (IOException e) {
                    node = null;
                }
                if (node == null || !node.isObject()) {
                    bad.add(number);
                    continue;
                }
                Map<String, Double> values = new LinkedHashMap<>();
                for (var it = node.properties().iterator(); it.hasNext(); ) {
                    var field = it.next();
                    if (field.getValue().isNumber()) values.put(field.getKey(), field.getValue().asDouble());
                }
                Double step = values.remove("step");
                entries.add(new Entry(step != null ? step : number, values));
            }
        }
        return new TrainingLog(List.copyOf(entries), List.copyOf(bad));
    }

    /** "line 3", "lines 3, 7, 9" or "lines 3, 7, 9, … (12 in all)": at most ten numbers, for a message. */
    public static String lineList(List<Integer> lines) {
        String shown = String.join(", ", lines.stream().limit(10).map(String::valueOf).toList());
        return (lines.size() == 1 ? "line " : "lines ") + shown + (lines.size() > 10 ? ", … (" + lines.size() + " in all)" : "");
    }

    /** Numeric fields in order of first appearance. */
    public Set<String> fields() {
        Set<String> fields = new LinkedHashSet<>();
        for (Entry e : entries) fields.addAll(e.values().keySet());
        return fields;
    }

    /** Steps and values of one field over the entries that have it: {@code {steps, values}}. */
    public double[][] series(String field) {
        double[] x = new double[entries.size()], y = new double[entries.size()];
        int n = 0;
        for (Entry e : entries) {
            Double v = e.values().get(field);
            if (v == null || !Double.isFinite(v)) continue;
            x[n] = e.step();
            y[n++] = v;
        }
        return new double[][] {Arrays.copyOf(x, n), Arrays.copyOf(y, n)};
    }
}
