package dev.raccoon.cli;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Backends;
import dev.raccoon.engine.GemmBench;
import dev.raccoon.model.Architecture;
import dev.raccoon.model.Batch;
import dev.raccoon.model.ElectraConfig;
import dev.raccoon.model.PretrainedModel;
import dev.raccoon.model.SequenceClassifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

@Command(name = "bench", description = {
        "Inference speed of an ELECTRA-small classifier (embedding 128, hidden 256, 12 layers, 4 heads, FFN 1024,",
        "vocab 32200, random weights) at batch 1 and batch 32, 64 tokens each, with 1 thread and all cores,",
        "and GEMM GFLOP/s for 512x768x768."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda, scalar or auto (CUDA when a GPU and driver are present, else cpu) (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--seconds", defaultValue = "5", description = "Measuring time per case (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--tokens", defaultValue = "64", description = "Tokens per example (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--threads", split = ",", description = "Thread counts to run (default: 1 and all cores).")
    List<Integer> threads;

    @Override
    public Integer call() {
        int cores = Runtime.getRuntime().availableProcessors();
        List<Integer> threadCounts = threads != null ? threads : cores > 1 ? List.of(1, cores) : List.of(1);
        System.out.printf(Locale.ROOT, "machine: %s, %d cores; java %s; device %s%n", cpuName(), cores,
                Runtime.version(), device);
        ElectraConfig config = ElectraConfig.electra(32200, 128, 256, 12, 4, 1024, 512, List.of("negative", "positive"));
        double flopsPerExample = forwardFlops(config, tokens);
        System.out.printf(Locale.ROOT, "%-34s %8s %12s %10s %10s%n", "case", "threads", "examples/s", "ms/batch", "GFLOP/s");
        for (int t : threadCounts) {
            try (Backend backend = Backends.create(device, t)) {
                SequenceClassifier model = (SequenceClassifier) PretrainedModel.create(
                        Architecture.ELECTRA_FOR_SEQUENCE_CLASSIFICATION, config, backend);
                model.params().initialize(config.initializerRange(), config.padTokenId(), 42);
                model.params().freeze(); // as Classifier does: inference only
                for (int batchSize : new int[] {1, 32}) {
                    Batch batch = randomBatch(batchSize, tokens, config.vocabSize());
                    double secondsPerBatch = time(() -> backend.read(model.logits(batch)), seconds);
                    double examplesPerSecond = batchSize / secondsPerBatch;
                    System.out.printf(Locale.ROOT, "%-34s %8d %12.1f %10.2f %10.1f%n",
                            "electra-small batch " + batchSize + "x" + tokens, t, examplesPerSecond,
                            secondsPerBatch * 1e3, examplesPerSecond * flopsPerExample / 1e9);
                }
                double gflops = GemmBench.gflops(backend, 512, 768, 768, seconds);
                System.out.printf(Locale.ROOT, "%-34s %8d %12s %10s %10.1f%n", "gemm 512x768x768", t, "", "", gflops);
            }
        }
        return 0;
    }

    /**
     * Multiply-adds of one example's forward pass as Raccoon runs it, counted as 2 FLOPs each (matrix products
     * only): every layer on every token, except that the last layer's output projection and feed-forward run on
     * the [CLS] row alone (ElectraModel.firstTokenStates).
     */
    static double forwardFlops(ElectraConfig c, int seq) {
        double h = c.hiddenSize(), f = c.intermediateSize();
        double attention = 3 * 2 * h * h + 2 * 2 * seq * h, afterAttention = 2 * h * h + 2 * 2 * h * f;
        double perToken = c.embeddingSize() != c.hiddenSize() ? 2 * c.embeddingSize() * h : 0;
        perToken += c.numHiddenLayers() * attention + (c.numHiddenLayers() - 1) * afterAttention;
        return perToken * seq + afterAttention + 2 * h * h + 2 * h * c.numLabels();
    }

    private static Batch randomBatch(int size, int seq, int vocab) {
        SplittableRandom random = new SplittableRandom(7);
        int[] ids = new int[size * seq];
        for (int i = 0; i < ids.length; i++) ids[i] = 5 + random.nextInt(vocab - 5);
        int[] mask = new int[size * seq];
        java.util.Arrays.fill(mask, 1);
        return new Batch(size, seq, ids, new int[size * seq], mask);
    }

    /** Seconds per call: warm up for a third of the budget, then the mean over the rest. */
    static double time(Runnable task, double seconds) {
        long warmEnd = System.nanoTime() + (long) (seconds * 1e9 / 3);
        do task.run(); while (System.nanoTime() < warmEnd);
        long start = System.nanoTime(), end = start + (long) (seconds * 1e9 * 2 / 3);
        int runs = 0;
        do {
            task.run();
            runs++;
        } while (System.nanoTime() < end);
        return (System.nanoTime() - start) / 1e9 / runs;
    }

    static String cpuName() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo")))
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
        } catch (Exception ignored) {
            // Not Linux: fall through to the JVM's view.
        }
        return System.getProperty("os.arch");
    }
}
