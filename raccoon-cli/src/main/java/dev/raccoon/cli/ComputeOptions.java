package dev.raccoon.cli;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.engine.Precision;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** Where a training run computes and whether it draws progress: shared by {@code train}, {@code tune} and {@code pretrain}. */
final class ComputeOptions {
    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda, scalar or auto (CUDA when a GPU and driver are present, else cpu) (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--threads", defaultValue = "0", description = "CPU threads (default: 0, all cores).")
    int threads;

    static final String PRECISION_HELP = "What the matrix products compute in: fp32; tf32 (TF32 tensor cores on CUDA, "
            + "exact fp32 on a CPU); or bf16 (operands rounded to bf16, fp32 sums, fp32 weights, activations and "
            + "everything else; on a CPU emulated, slower than fp32, to see what bf16 does to a model) (default: ${DEFAULT-VALUE}).";

    @Option(names = "--precision", defaultValue = "fp32", description = PRECISION_HELP)
    String precision;

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
            return Backends.create(device, threads == 0 ? cores : threads, precision(spec, precision));
        } catch (IllegalArgumentException e) {
            throw TrainingOptions.usage(spec, e.getMessage());
        }
    }

    /** The --precision of {@code spec}'s command; an unknown name is a usage error. */
    static Precision precision(CommandSpec spec, String name) {
        try {
            return Precision.named(name);
        } catch (IllegalArgumentException e) {
            throw TrainingOptions.usage(spec, "--precision: " + e.getMessage());
        }
    }

    /** "cpu, 2 threads" (", bf16" unless fp32): what a run says it computes on. */
    static String describe(Backend backend) {
        return backend.name() + ", " + backend.threads() + (backend.threads() == 1 ? " thread" : " threads")
                + (backend.precision() == Precision.FP32 ? "" : ", " + backend.precision().label());
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
