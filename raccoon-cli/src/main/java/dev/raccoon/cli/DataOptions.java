package dev.raccoon.cli;

import dev.raccoon.train.data.DataFormat;
import dev.raccoon.train.data.DataSpec;
import dev.raccoon.train.data.Example;
import dev.raccoon.train.data.ExampleReader;
import dev.raccoon.train.data.Labels;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** Labelled training and dev data: the files, their format and columns, and the label names. */
final class DataOptions {
    @Mixin
    EncodingOption encoding;

    @Option(names = "--train", paramLabel = "FILE", required = true, description = "Training data.")
    Path train;

    @Option(names = "--dev", paramLabel = "FILE", required = true, description = "Dev data: the accuracy reported (train, tune and distill also keep their best checkpoint by it).")
    Path dev;

    @Option(names = "--format", description = "nsmc, tsv, csv, jsonl or nsmc-json (default: from the file name).")
    String format;

    @Option(names = "--text-column", paramLabel = "NAME", description = "Column (JSON key) of the text (default: the first of text, document, review, sentence, sentence1, comments, content).")
    String textColumn;

    @Option(names = "--pair-column", paramLabel = "NAME", description = "Column of the second text of a pair.")
    String pairColumn;

    @Option(names = "--label-column", paramLabel = "NAME", description = "Column of the label.")
    String labelColumn;

    @Option(names = "--labels", split = ",", paramLabel = "NAME",
            description = "Label names in id order (default: the --model classifier's where the command takes one, else negative,positive); data labels match by name or id.")
    List<String> labels;

    /** --labels, or null when not given; a usage error when invalid. */
    Labels givenLabels(CommandSpec spec) {
        if (labels == null) return null;
        try {
            return new Labels(labels.stream().map(String::strip).toList()); // "negative, positive" names no " positive"
        } catch (IllegalArgumentException e) {
            throw TrainingOptions.usage(spec, "--labels: " + e.getMessage());
        }
    }

    void validateFormat(CommandSpec spec) {
        try {
            if (format != null) DataFormat.named(format);
        } catch (IllegalArgumentException e) {
            throw TrainingOptions.usage(spec, e.getMessage());
        }
    }

    /** Training and dev rows. */
    record Split(List<Example> train, List<Example> dev) {}

    /**
     * The rows of --train and --dev; a summary goes to {@code err} when rows were skipped or {@code verbose}. Data
     * for other labels is refused rather than trained on: labels match by name or by id, so 3-class data read with
     * two names would lose its third class and call neutral positive, and binary data read with three would call
     * positive neutral, which shows as a class that no training row has.
     */
    Split read(CommandSpec command, Labels labels, boolean verbose, PrintStream err) throws IOException {
        List<Example> trainRows = read(command, train, labels, verbose, err);
        String missing = missingLabel(trainRows, labels);
        if (missing != null)
            throw new IOException(train + ": no row has the label '" + missing + "' of " + labels.names()
                    + " (ids count in that order); give --labels with the classes this data holds, or the model that has them");
        List<Example> devRows = read(command, dev, labels, verbose, err);
        // as eval warns: on such a dev set, a model that answers one label for everything scores best
        missing = missingLabel(devRows, labels);
        if (missing != null)
            err.println("raccoon " + command.name() + ": warning: no --dev row has the label '" + missing + "' of "
                    + labels.names() + ", so the dev accuracy that picks the best checkpoint cannot see it;"
                    + " is " + dev + " the data for this task?");
        return new Split(trainRows, devRows);
    }

    /** The first label (of a classification) that no row has; null when every one has rows, or for a regression. */
    private static String missingLabel(List<Example> rows, Labels labels) {
        if (labels == null) return null;
        int[] count = new int[labels.size()];
        for (Example e : rows) count[e.label()]++;
        for (int c = 0; c < count.length; c++)
            if (count[c] == 0) return labels.names().get(c);
        return null;
    }

    private List<Example> read(CommandSpec command, Path file, Labels labels, boolean verbose, PrintStream err) throws IOException {
        DataFormat f = format != null ? DataFormat.named(format) : DataFormat.guess(file);
        ExampleReader.Loaded loaded = ExampleReader.load(file, new DataSpec(f, textColumn, pairColumn, labelColumn, labels, encoding.encoding));
        if (loaded.summary().rowsSkipped() > 0 || verbose) err.println("raccoon " + command.name() + ": " + loaded.summary());
        // labels first, as eval has it: when no row's label fits, the remedy is in the labels, not in the file
        String mismatch = labels == null ? null : loaded.summary().labelMismatch(labels.names());
        if (mismatch != null)
            throw new IOException(mismatch + "; give --labels with every class the data holds"
                    + (command.findOption("--task") != null ? ", or --task regress when the labels are scores" : ""));
        try {
            loaded.summary().requireMostRowsUsed();
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        return loaded.examples();
    }
}
