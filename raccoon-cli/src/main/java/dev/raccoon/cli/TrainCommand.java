package dev.raccoon.cli;

import dev.raccoon.train.run.OutputLock;
import dev.raccoon.train.Trainer;
import dev.raccoon.train.data.Example;
import dev.raccoon.train.data.Labels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "train", description = {"Fine-tunes a classifier (or a regression model) on labelled data.",
        "Writes OUT/best (the best dev checkpoint, a Hugging Face directory), OUT/last (resumable) and OUT/train_log.jsonl."})
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TrainingOptions training;

    @Mixin
    TrainingTaskOption task;

    @Mixin
    RunControl run;

    @Override
    public Integer call() throws Exception {
        Trainer.Options options = training.options(spec, task.task(spec), run.stopAfter(spec));
        try (var _ = OutputLock.acquire(training.out)) {
            PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
            Labels labels = training.labels(spec, options.task());
            DataOptions.Split split = training.read(spec, labels, err);
            List<Example> train = split.train(), dev = split.dev();
            training.fineTune(spec, options, labels, train, dev, run.resume, err);
        }
        return 0;
    }
}
