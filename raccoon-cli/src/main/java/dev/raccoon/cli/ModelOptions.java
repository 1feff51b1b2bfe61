package dev.raccoon.cli;

import dev.raccoon.api.Classifier;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** Options shared by the commands that run a classification model. */
final class ModelOptions {
    @Option(names = "--model", paramLabel = "DIR", required = true,
            description = "Hugging Face model directory (config.json, vocab.txt, model.safetensors or pytorch_model.bin).")
    Path model;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, scalar or auto (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--threads", defaultValue = "0", description = "CPU threads (0: all cores).")
    int threads;

    @Option(names = "--max-length", defaultValue = "128", description = "Tokens per text (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--batch-size", defaultValue = "32", description = "Texts per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    Classifier load() throws IOException {
        return Classifier.load(model, new Classifier.Options(device, threads, maxLength, batchSize));
    }
}
