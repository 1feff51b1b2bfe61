package dev.raccoon.cli;

import picocli.CommandLine.Option;

/** Which shipped model runs when no --model is given. */
final class TaskOption {
    @Option(names = "--task", paramLabel = "TASK", defaultValue = "binary",
            description = "binary (negative/positive, default) or 3class (negative/neutral/positive): the shipped model used without --model;"
                    + " with --model, given explicitly, the number of labels that model must have.")
    String task;
}
