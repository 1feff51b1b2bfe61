package dev.raccoon.cli;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Backends;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** Where a training run computes and whether it draws progress: shared by {@code train}, {@code tune} and {@code pretrain}. */
final class ComputeOptions {
    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda, scalar or auto (CUDA when a GPU and driver are present, else cpu) (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--threads", defaultValue = "0", description = "CPU threads (0: all cores).")
    int threads;

    @Option(names = "--no-progress", description = "No progress bar on stderr; a plain line at each dev evaluation (train, distill, tune) or checkpoint (pretrain) instead, as when the output is not a terminal.")
    boolean noProgress;

    /** The backend; a device or thread count it cannot have is a usage error of {@code spec}'s command. */
    Backend backend(CommandSpec spec) {
        if (threads < 0) throw TrainingOptions.usage(spec, "--threads must not be negative, got " + threads);
        int cores = Runtime.getRuntime().availableProcessors();
        if (threads > cores && "cpu".equalsIgnoreCase(device))
            System.err.println("note: --threads " + threads + " is more than the " + cores + " cores; the extra threads only"
                    + " wait for a core (0 takes one a core)");
        try {
            return Backends.create(device, threads == 0 ? cores : threads);
        } catch (IllegalArgumentException e) {
            throw TrainingOptions.usage(spec, e.getMessage());
        }
    }

    /** "cpu, 2 threads": what a run says it computes on. */
    static String describe(Backend backend) {
        return backend.name() + ", " + backend.threads() + (backend.threads() == 1 ? " thread" : " threads");
    }

    /** A bar on a terminal; in a log file or a pipe a bar is one endless line, so there the plain lines. */
    boolean progress() {
        return bars(noProgress);
    }

    /** Whether to draw progress bars: on a terminal, unless --no-progress. */
    static boolean bars(boolean noProgress) {
        return !noProgress && System.console() != null && System.console().isTerminal();
    }
}
