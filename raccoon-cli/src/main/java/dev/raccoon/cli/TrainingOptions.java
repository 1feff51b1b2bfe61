package dev.raccoon.cli;

import dev.raccoon.engine.Backend;
import dev.raccoon.model.ElectraConfig;
import dev.raccoon.text.Truncation;
import dev.raccoon.train.ModelInit;
import dev.raccoon.train.run.Progress;
import dev.raccoon.train.Trainer;
import dev.raccoon.train.data.Example;
import dev.raccoon.train.data.Labels;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Options shared by {@code train} and {@code tune}: starting model, data, output and the training recipe. */
final class TrainingOptions {
    static final class Start {
        @Option(names = "--model", paramLabel = "DIR", required = true,
                description = "Hugging Face directory to start from: ElectraForPreTraining, ElectraModel, a classifier, or BertForMaskedLM, BertForPreTraining, BertModel.")
        Path model;

        @Option(names = "--config", paramLabel = "SIZE", required = true,
                description = "Train from scratch with a new model: tiny (64/128/2 layers), mini (128/256/4 layers) or small (ELECTRA-small); needs --vocab.")
        String config;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Start start;

    @Option(names = "--vocab", paramLabel = "DIR|FILE", description = "Vocabulary for --config: a model directory or a vocab.txt.")
    Path vocab;

    @Mixin
    DataOptions data;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Output directory.")
    Path out;

    @Option(names = "--epochs", defaultValue = "3", description = "Passes over the training data (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "32", description = "Examples per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "5e-5", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--max-length", defaultValue = "128", description = "Tokens per example (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--truncation", paramLabel = "HOW", defaultValue = "head-tail",
            description = "Which tokens of a text longer than --max-length are trained on and evaluated: head-tail (its "
                    + "first quarter and its end) or head (its start, as transformers reads it) (default: ${DEFAULT-VALUE}).")
    String truncation;

    @Option(names = "--warmup", defaultValue = "0.1", description = "Fraction of steps of linear warmup (default: ${DEFAULT-VALUE}).")
    float warmup;

    @Option(names = "--weight-decay", defaultValue = "0.01", description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
    float weightDecay;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of initialisation, batch order and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dropout", description = "Hidden and attention dropout (default: the model's, 0.1 for --config).")
    Float dropout;

    @Option(names = "--eval-every", defaultValue = "0", paramLabel = "STEPS",
            description = "Also evaluate and checkpoint every STEPS steps (default: epoch ends only).")
    int evalEvery;

    @Option(names = "--log-every", defaultValue = "50", paramLabel = "STEPS", description = "Log every STEPS steps (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Mixin
    ComputeOptions compute;

    /** The recipe; invalid values are usage errors. */
    Trainer.Options options(CommandSpec spec, Trainer.Task task, int stopAfter) {
        if (start.config != null && vocab == null) throw usage(spec, "--config needs --vocab (a model directory or a vocab.txt)");
        if (start.model != null && vocab != null) throw usage(spec, "--vocab goes with --config; a --model directory brings its own vocabulary");
        if (dropout != null) requireDropout(spec, dropout);
        if (task == Trainer.Task.REGRESS && data.labels != null)
            throw usage(spec, "--labels names classes, and --task regress learns a score, which has none");
        requireOutputDirectory(spec, out, "--out");
        try {
            if (start.config != null) ModelInit.Preset.parse(start.config);
            data.validateFormat(spec);
            return new Trainer.Options(task, epochs, batchSize, lr, maxLength, warmup, weightDecay, seed, 1f,
                    evalEvery, logEvery, stopAfter, compute.progress(), Truncation.of(truncation));
        } catch (IllegalArgumentException e) {
            throw usage(spec, e.getMessage());
        }
    }

    /** Label names of a classification: --labels, else those of a --model classifier, else negative/positive. */
    Labels labels(CommandSpec spec, Trainer.Task task) throws IOException {
        if (task == Trainer.Task.REGRESS) return null;
        Labels given = data.givenLabels(spec);
        if (given != null) return given;
        if (start.model != null && Files.isRegularFile(start.model.resolve("config.json"))) {
            ElectraConfig c = ElectraConfig.read(start.model.resolve("config.json"));
            if (c.architectures().stream().anyMatch(a -> a.endsWith("ForSequenceClassification")) && c.numLabels() >= 2)
                return new Labels(c.labels());
        }
        return Labels.BINARY;
    }

    /** Model names of the labels (regression: transformers' single LABEL_0). */
    static List<String> modelLabels(Labels labels) {
        return labels == null ? List.of("LABEL_0") : labels.names();
    }

    ModelInit model(Labels labels, Float dropoutOverride, Trainer.Task task, Backend backend) throws IOException {
        List<String> names = modelLabels(labels);
        return start.model != null
                ? ModelInit.fromPretrained(start.model, names, task.problemType(), dropoutOverride, seed, backend)
                : ModelInit.fresh(ModelInit.Preset.parse(start.config), vocab, names, task.problemType(), dropoutOverride, seed, backend);
    }

    /** Builds the starting model on the --device backend and trains it; the summary line goes to stdout. */
    void fineTune(CommandSpec spec, Trainer.Options options, Labels labels, List<Example> train, List<Example> dev,
                            boolean resume, PrintStream err) throws IOException {
        fineTune(spec, options, labels, train, dev, resume, Map.of(), err);
    }

    /** {@link #fineTune}, recording {@code provenance} in the checkpoints for a resumed run to match ({@link Trainer#recording}). */
    void fineTune(CommandSpec spec, Trainer.Options options, Labels labels, List<Example> train, List<Example> dev,
                            boolean resume, Map<String, String> provenance, PrintStream err) throws IOException {
        try (Backend backend = compute.backend(spec)) {
            ModelInit start = model(labels, dropout, options.task(), backend);
            float p = start.model().config().hiddenDropoutProb();
            // A checkpoint pretrained with --dropout 0 keeps 0 in its config.json, and fine-tuning inherits it.
            String note = p == 0 && dropout == null && this.start.model != null
                    ? "; the checkpoint's config.json sets none, --dropout 0.1 adds it" : "";
            Trainer trainer = new Trainer(start.model(), start.tokenizer(), options, out).recording(provenance);
            trainer.requireStartable(train, dev, resume); // before a line that says what would be trained
            // Resumed, the weights come from the checkpoint, not from what --config or --model would start.
            String model = resume ? "the run in " + out + " from its last checkpoint" : start.description();
            err.println("training " + model + " on " + train.size() + " examples (dropout " + p + note
                    + "; " + ComputeOptions.describe(backend) + ")");
            noteMaxLength(options, start, err);
            Trainer.Result r = trainer.train(train, dev, resume);
            new PrintStream(System.out, true, StandardCharsets.UTF_8).println(summary(r, out.toString()));
        }
    }

    /** Says when --max-length asks for more tokens than the model has positions (the trainer reads that many). */
    static void noteMaxLength(Trainer.Options options, ModelInit start, PrintStream err) {
        notePositions(options.maxLength(), start.model().config().maxPositionEmbeddings(), "the model's", err);
    }

    /** Says when --max-length asks for more tokens than a model ({@code whose}: "the model's") has positions. */
    static void notePositions(int maxLength, int positions, String whose, PrintStream err) {
        if (maxLength > positions)
            err.println("note: --max-length " + maxLength + " is more than " + whose + " " + positions
                    + " positions; texts are read to " + positions + " tokens");
    }

    static String summary(Trainer.Result r, String out) {
        String state = r.finished() ? "finished" : "stopped (resume with --resume)";
        String best = r.bestStep() >= 0 ? String.format(Locale.ROOT, "best %s %.4f at step %d: %s/best", r.metric(), r.bestMetric(), r.bestStep(), out)
                : r.lastDev().isEmpty() ? "no dev evaluation yet"
                : "no best checkpoint: " + r.metric() + " was undefined at every dev evaluation (the model gave every dev row the same score)";
        return String.format(Locale.ROOT, "%s after %d of %d steps in %s, %.1f examples/s%n%s",
                state, r.steps(), r.totalSteps(), Progress.duration(r.seconds()), r.examplesPerSecond(), best);
    }

    DataOptions.Split read(CommandSpec spec, Labels labels, PrintStream err) throws IOException {
        return data.read(spec, labels, compute.progress(), err);
    }

    /** --dropout of train, tune, distill and pretrain. */
    static void requireDropout(CommandSpec spec, float dropout) {
        if (!(dropout >= 0 && dropout < 1)) throw usage(spec, "--dropout must lie in [0, 1), got " + dropout);
    }

    /** An output directory must be absent or a directory: a file there is a usage error before any work. */
    static void requireOutputDirectory(CommandSpec spec, Path dir, String option) {
        if (dir != null && Files.exists(dir) && !Files.isDirectory(dir))
            throw usage(spec, option + " " + dir + " is a file; it names a directory to write into");
    }

    static CommandLine.ParameterException usage(CommandSpec spec, String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
