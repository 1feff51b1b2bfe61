package dev.raccoon.train.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** Appends the JSON lines {@link TrainingLog} reads, each flushed at once so a log still being written can be drawn. */
public final class TrainingLogWriter implements Closeable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BufferedWriter out;

    private TrainingLogWriter(BufferedWriter out) {
        this.out = out;
    }

    /**
     * Opens {@code file} for appending; on resume ({@code resumedStep > 0}), lines past the checkpoint's step
     * (written after the checkpoint by the interrupted run) are dropped so they are not logged twice.
     */
    public static TrainingLogWriter open(Path file, int resumedStep) throws IOException {
        if (resumedStep > 0 && Files.exists(file)) {
            List<String> kept = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                try {
                    if (JSON.readTree(line).path("step").asInt(Integer.MAX_VALUE) <= resumedStep) kept.add(line);
                } catch (IOException e) {
                    // A line cut off by the interruption: drop it.
                }
            }
            Files.write(file, kept, StandardCharsets.UTF_8);
        }
        return new TrainingLogWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND));
    }

    public ObjectNode newLine() {
        return JSON.createObjectNode();
    }

    public void write(ObjectNode line) throws IOException {
        out.write(JSON.writeValueAsString(line));
        out.newLine();
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
