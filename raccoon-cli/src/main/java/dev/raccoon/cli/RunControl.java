package dev.raccoon.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** Stopping a fine-tuning run early and resuming it: shared by {@code train} and {@code distill}. */
final class RunControl {
    @Option(names = "--resume", description = "Continue the interrupted run in OUT/last (same options as that run).")
    boolean resume;

    @Option(names = "--stop-after", defaultValue = "0", paramLabel = "STEPS",
            description = "Stop after STEPS steps with OUT/last saved, to --resume later; the schedule still spans all epochs"
                    + " (default 0: run to the end).")
    int stopAfter;

    /** --stop-after, validated (0: run to the end). */
    int stopAfter(CommandSpec spec) {
        if (stopAfter < 0) throw TrainingOptions.usage(spec, "--stop-after must not be negative");
        return stopAfter;
    }
}
