package dev.raccoon.cli;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.model.ModelDirectory;
import dev.raccoon.model.io.DType;
import dev.raccoon.train.run.AtomicDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "export", description = {
        "Writes a model directory again, as safetensors in f32, f16 or bf16.",
        "The copy has config.json, vocab.txt, tokenizer_config.json and model.safetensors (and calibrate's "
                + "calibration.json where the model has one): this converts pytorch_model.bin to safetensors, and f16 "
                + "or bf16 weights take half the size."})
final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", required = true, description = "Model directory to read.")
    Path model;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Directory to write (must not exist or be empty).")
    Path out;

    @Option(names = "--dtype", defaultValue = "f32", description = "f32, f16 or bf16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Override
    public Integer call() throws Exception {
        DType type = dtype(spec, dtype);
        requireEmptyOrMissing(out);
        try (Backend backend = Backends.scalar()) {
            ModelDirectory dir = ModelDirectory.load(model, backend);
            // written whole or not at all: a kill leaves no half a model that a rerun would refuse to write over
            AtomicDirectory.replace(out, ModelDirectory.CONFIG_FILE, copy -> {
                ModelDirectory.save(copy, dir.model(), dir.tokenizer(), type);
                // what calibrate recorded of the weights (their temperature) is as true of the copy
                Path record = model.resolve(CalibrateCommand.RECORD_FILE);
                if (Files.isRegularFile(record)) Files.copy(record, copy.resolve(CalibrateCommand.RECORD_FILE));
            });
            System.err.printf(Locale.ROOT, "raccoon export: %s (%s, %,d parameters) written to %s as %s%n",
                    model, dir.model().architecture().hfName, dir.model().params().count(), out, type);
        }
        return 0;
    }

    /** The weights' type that --dtype names: f32, f16 or bf16. */
    static DType dtype(CommandSpec spec, String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "f32" -> DType.F32;
            case "f16" -> DType.F16;
            case "bf16" -> DType.BF16;
            default -> throw TrainingOptions.usage(spec, "--dtype must be f32, f16 or bf16, not '" + name + "'");
        };
    }

    /**
     * A model is written only where nothing stands: no directory, or an empty one; and a path under a file is refused
     * now rather than after the work.
     */
    static void requireEmptyOrMissing(Path out) throws IOException {
        for (Path up = out.toAbsolutePath().getParent(); up != null; up = up.getParent())
            if (Files.exists(up)) {
                if (!Files.isDirectory(up)) throw new IllegalArgumentException(out + ": " + up + " is a file, not a directory");
                break;
            }
        if (!Files.exists(out)) return;
        boolean empty = false;
        if (Files.isDirectory(out))
            try (var entries = Files.list(out)) {
                empty = entries.findAny().isEmpty();
            }
        if (!empty) throw new IllegalArgumentException(out + " exists and is not an empty directory; nothing was written");
        AtomicDirectory.checkReplaceable(out, ModelDirectory.CONFIG_FILE); // and its folder can be written, before the work
    }
}
