package dev.raccoon.cli;

import dev.raccoon.engine.Backend;
import dev.raccoon.train.ModelInit;
import dev.raccoon.train.Trainer;
import dev.raccoon.train.data.Example;
import dev.raccoon.train.data.Labels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "train", description = {"Fine-tunes a classifier (or a regression model) on labelled data.",
        "Writes OUT/best (the best dev checkpoint, a Hugging Face directory), OUT/last (resumable) and OUT/train_log.jsonl."})
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TrainingOptions training;

    @Option(names = "--resume", description = "Continue the interrupted run in OUT/last (same options as that run).")
    boolean resume;

    @Option(names = "--stop-after", defaultValue = "0", paramLabel = "STEPS",
            description = "Stop after STEPS steps with OUT/last saved, to --resume later; the schedule still spans all epochs.")
    int stopAfter;

    @Override
    public Integer call() throws Exception {
        Trainer.Options options = training.options(spec, stopAfter);
        if (stopAfter < 0) throw TrainingOptions.usage(spec, "--stop-after must not be negative");
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        Labels labels = training.labels(spec);
        List<Example> train = training.read(training.train, labels, err);
        List<Example> dev = training.read(training.dev, labels, err);
        try (Backend backend = training.compute.backend()) {
            ModelInit start = training.model(labels, training.dropout, options.task(), backend);
            if (options.progress()) err.println("training " + start.description() + " on " + train.size()
                    + " examples (" + backend.name() + ", " + backend.threads() + " threads)");
            Trainer.Result r = new Trainer(start.model(), start.tokenizer(), options, training.out).train(train, dev, resume);
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            out.println(summary(r, training.out.toString()));
        }
        return 0;
    }

    static String summary(Trainer.Result r, String out) {
        String state = r.finished() ? "finished" : "stopped (resume with --resume)";
        String best = r.bestStep() < 0 ? "no dev evaluation yet"
                : String.format(Locale.ROOT, "best %s %.4f at step %d: %s/best", r.metric(), r.bestMetric(), r.bestStep(), out);
        return String.format(Locale.ROOT, "%s after %d of %d steps in %s, %.1f examples/s%n%s",
                state, r.steps(), r.totalSteps(), duration(r.seconds()), r.examplesPerSecond(), best);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : String.format(Locale.ROOT, "%.1fs", seconds);
    }
}
