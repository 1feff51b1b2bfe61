package dev.raccoon.cli;

import dev.raccoon.api.Classifier;
import dev.raccoon.api.DefaultModels;
import dev.raccoon.serve.ScoreNotes;
import dev.raccoon.text.Truncation;
import dev.raccoon.train.ngram.NgramClassifier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Options shared by the commands that run a classification model. Defaults are field initialisers, so an
 * instance that picocli never filled (an unmatched argument group) holds them too.
 */
final class ModelOptions {
    @Option(names = "--model", paramLabel = "DIR",
            description = "Hugging Face model directory (config.json, vocab.txt, model.safetensors or pytorch_model.bin); "
                    + "default: the shipped model of --task.")
    Path model;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda, scalar or auto (CUDA when a GPU and driver are present, else cpu) (default: ${DEFAULT-VALUE}).")
    String device = "cpu";

    @Option(names = "--threads", defaultValue = "0", description = "CPU threads (default: 0, all cores).")
    int threads = 0;

    @Option(names = "--precision", defaultValue = "fp32", description = ComputeOptions.PRECISION_HELP)
    String precision = "fp32";

    @Option(names = "--max-length", defaultValue = "128", description = "Tokens per text (default: ${DEFAULT-VALUE}).")
    int maxLength = 128;

    @Option(names = "--batch-size", defaultValue = "32", description = "Texts per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize = 32;

    @Option(names = "--truncation", paramLabel = "HOW",
            description = "Which tokens of a text longer than --max-length are read: head-tail (its first quarter and "
                    + "its end, where a Korean review gives its verdict) or head (its start, as transformers reads it). "
                    + "Default: head-tail (logits: head, to match transformers).")
    String truncation;

    /** The truncation when --truncation is not given: logits sets head. */
    Truncation unlessGiven = Truncation.HEAD_AND_TAIL;

    /** The --model directory, or the shipped model of the task (binary when null). */
    Path directory(CommandSpec spec, String task) throws IOException {
        return model != null ? model : DefaultModels.locate(task(spec, task));
    }

    private static DefaultModels.Task task(CommandSpec spec, String task) {
        try {
            return DefaultModels.Task.named(task == null ? "binary" : task);
        } catch (IllegalArgumentException e) {
            throw TrainingOptions.usage(spec, "--task: " + e.getMessage());
        }
    }

    /** The classifier these options name; values no classifier takes are usage errors of {@code spec}'s command. */
    Classifier load(CommandSpec spec, String task) throws IOException {
        Path dir = directory(spec, task);
        Classifier classifier = load(spec, dir);
        // With --model, a --task given as well is a claim about that model: check it rather than ignore it.
        if (model != null && task != null && spec.commandLine().getParseResult().hasMatchedOption("--task")) {
            int expected = task(spec, task).labels;
            if (classifier.labels().size() != expected) {
                List<String> labels = classifier.labels();
                classifier.close();
                throw TrainingOptions.usage(spec, "--task " + task + " does not fit " + dir + ", which has " + labels.size()
                        + " labels (" + String.join(", ", labels) + ")");
            }
        }
        return classifier;
    }

    /** The classifier in {@code dir}, run with these options (a second model beside --model, e.g. compare's baseline). */
    Classifier load(CommandSpec spec, Path dir) throws IOException {
        return load(spec, dir, truncation);
    }

    /** {@link #load(CommandSpec, Path)}, reading long texts as {@code reading} says (null: as these options say). */
    Classifier load(CommandSpec spec, Path dir, String reading) throws IOException {
        Classifier.Options options;
        try {
            String how = reading != null ? reading : truncation;
            options = new Classifier.Options(device, threads, maxLength, batchSize,
                    how == null ? unlessGiven : Truncation.of(how), ComputeOptions.precision(spec, precision));
        } catch (IllegalArgumentException e) {
            throw TrainingOptions.usage(spec, e.getMessage());
        }
        if (NgramClassifier.isModel(dir))
            throw new IOException(dir + " is a character n-gram model, not an ELECTRA/BERT directory: score it with 'raccoon eval --ngram "
                    + dir + "' or use it as a 'raccoon distill --teacher'");
        Classifier classifier = Classifier.load(dir, options);
        if (classifier.maxLength() < maxLength)
            System.err.println("raccoon: note: " + ScoreNotes.maxLengthAbovePositions(maxLength, classifier.maxLength(), dir));
        return classifier;
    }
}
