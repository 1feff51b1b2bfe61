package dev.raccoon.cli;

import dev.raccoon.train.Trainer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.util.Locale;

/** --task of train and tune; distill trains classifiers only and has none. */
final class TrainingTaskOption {
    @Option(names = "--task", defaultValue = "classify", description = "classify (N labels) or regress (one score, MSE: --label-column names the score) (default: ${DEFAULT-VALUE}).")
    String task;

    Trainer.Task task(CommandSpec spec) {
        return switch (task.toLowerCase(Locale.ROOT)) {
            case "classify" -> Trainer.Task.CLASSIFY;
            case "regress" -> Trainer.Task.REGRESS;
            default -> throw TrainingOptions.usage(spec, "--task must be classify or regress, not '" + task + "'");
        };
    }
}
