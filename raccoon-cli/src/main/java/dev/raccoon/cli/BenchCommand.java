package dev.raccoon.cli;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.engine.GemmBench;
import dev.raccoon.engine.Precision;
import dev.raccoon.model.Architecture;
import dev.raccoon.model.Batch;
import dev.raccoon.model.ElectraConfig;
import dev.raccoon.model.Param;
import dev.raccoon.model.PretrainedModel;
import dev.raccoon.model.SequenceClassifier;
import dev.raccoon.text.Vocabulary;
import dev.raccoon.text.WordPieceTrainer;
import dev.raccoon.train.ModelInit;
import dev.raccoon.train.optim.AdamW;
import dev.raccoon.train.pretrain.DiscriminatorLoss;
import dev.raccoon.train.pretrain.Masking;
import dev.raccoon.train.pretrain.Objective;
import dev.raccoon.train.pretrain.Pretraining;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

@Command(name = "bench", description = {
        "Speed of ELECTRA-small (embedding 128, hidden 256, 12 layers, 4 heads, FFN 1024, vocab 32200, random weights).",
        "inference: a classifier's forward pass, batch 1 and 32 of 64 tokens.",
        "finetune: a classifier's training step (forward, backward, clipping, AdamW), batch 32 of 64 tokens.",
        "pretrain: an ELECTRA pretraining step (discriminator and a 1/4-size generator sharing embeddings, 15%% masked, "
                + "sampling, AdamW), batch 128 of 128 tokens; it needs more heap than Java's default"
                + " (a quarter of the memory) gives under about 32 GB: run it with RACCOON_JAVA_OPTS=-Xmx12g.",
        "gemm: GFLOP/s of a 512x768x768 matrix product.",
        "On the cpu device each case runs with 1 thread and with all cores unless --threads says otherwise; scalar (one"
                + " thread) and cuda (one host thread driving the GPU) take no thread count and run each case once."})
final class BenchCommand implements Callable<Integer> {
    /** The vocabulary size of the benchmark model (KoELECTRA-small-v3's). */
    static final int VOCAB = 32200;

    enum Case { INFERENCE, FINETUNE, PRETRAIN, GEMM }

    @Spec
    CommandSpec spec;

    @Option(names = "--case", split = ",", paramLabel = "CASE", defaultValue = "inference,gemm",
            description = "inference, finetune, pretrain and/or gemm (default: ${DEFAULT-VALUE}).")
    List<String> cases;

    @Option(names = "--config", defaultValue = "small", paramLabel = "SIZE",
            description = "Model size: tiny, mini or small (default: ${DEFAULT-VALUE}).")
    String config;

    @Option(names = "--batch-size", split = ",", paramLabel = "N",
            description = "Batch sizes of the model cases (default: inference 1,32; finetune 32; pretrain 128).")
    List<Integer> batchSizes;

    @Option(names = "--tokens", paramLabel = "N", description = "Tokens per example (default: 64; pretrain 128).")
    Integer tokens;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda, scalar or auto (CUDA when a GPU and driver are present, else cpu) (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--precision", defaultValue = "fp32", description = ComputeOptions.PRECISION_HELP)
    String precision;

    @Option(names = "--seconds", defaultValue = "5", description = "Time per case: the first third warms the JIT up, the rest is"
            + " measured, and every figure (GEMM's too) is the mean over the measured calls (at least " + MIN_MEASURED_CALLS
            + ", and a warning when fewer fit); much under the default the JIT is still compiling and the figures fall short"
            + " (GEMM warns under " + (int) MIN_GEMM_SECONDS + ") (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--threads", split = ",", description = "Thread counts of the cpu device to run, 0 for all cores (default: 1 and all cores).")
    List<Integer> threads;

    private ModelInit.Preset preset;

    @Override
    public Integer call() {
        List<Case> selected = new ArrayList<>();
        for (String c : cases) {
            try {
                selected.add(Case.valueOf(c.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw TrainingOptions.usage(spec, "--case takes inference, finetune, pretrain or gemm, not '" + c + "'");
            }
        }
        try {
            preset = ModelInit.Preset.parse(config);
        } catch (IllegalArgumentException e) {
            throw TrainingOptions.usage(spec, e.getMessage());
        }
        ElectraConfig model = preset.config(VOCAB, List.of("negative", "positive"));
        if (batchSizes != null && batchSizes.stream().anyMatch(b -> b < 1)) throw TrainingOptions.usage(spec, "--batch-size must be positive");
        if (tokens != null && tokens < 2) throw TrainingOptions.usage(spec, "--tokens must be at least 2");
        if (tokens != null && tokens > model.maxPositionEmbeddings())
            throw TrainingOptions.usage(spec, "--tokens " + tokens + " is more than the model's " + model.maxPositionEmbeddings() + " positions");
        // Infinity or a huge value would overflow the deadlines in nanoseconds and end the timing at once.
        if (!(seconds > 0 && seconds <= MAX_SECONDS))
            throw TrainingOptions.usage(spec, "--seconds must be a positive number, at most " + (int) MAX_SECONDS + " (a day)");
        try {
            Backends.requireKnown(device);
        } catch (IllegalArgumentException e) {
            throw TrainingOptions.usage(spec, e.getMessage());
        }
        if (threads != null && threads.stream().anyMatch(t -> t < 0))
            throw TrainingOptions.usage(spec, "--threads must be 0 (all cores) or more");

        int cores = Runtime.getRuntime().availableProcessors();
        // 0 is all cores, as --threads of the other commands
        List<Integer> threadCounts = threads != null ? threads.stream().map(t -> t == 0 ? cores : t).toList()
                : cores > 1 ? List.of(1, cores) : List.of(1);
        Precision products = ComputeOptions.precision(spec, precision);
        Backend firstBackend = Backends.create(device, threadCounts.getFirst(), products);
        // Only the cpu backend takes a thread count: scalar and cuda would run the same work again under another label.
        List<Integer> runs = firstBackend.name().equals("cpu") ? threadCounts : threadCounts.subList(0, 1);
        // What ran where and when, so a saved result says so: the backend "auto" chose, the CPU, the time in UTC.
        System.out.printf(Locale.ROOT, "machine: %s, %d cores; java %s; device %s; precision %s; config %s; at %s%n",
                cpuName(), cores, Runtime.version(), firstBackend.name(), products.label(),
                preset.name().toLowerCase(Locale.ROOT), RUN_TIME.format(Instant.now()));
        System.out.printf(Locale.ROOT, "%-34s %8s %12s %12s %10s %10s%n", "case", "threads", "examples/s", "tokens/s",
                "ms/batch", "GFLOP/s");
        for (int run = 0; run < runs.size(); run++) {
            try (Backend backend = run == 0 ? firstBackend : Backends.create(firstBackend.name(), runs.get(run), products)) {
                int t = backend.threads();
                for (Case c : selected) {
                    switch (c) {
                        case INFERENCE -> {
                            SequenceClassifier classifier = classifier(model, backend);
                            classifier.params().freeze(); // as Classifier does: inference only
                            int seq = tokens(64);
                            for (int b : batchSizes(1, 32)) {
                                Batch batch = randomBatch(b, seq, VOCAB);
                                report("inference", b, seq, t, () -> backend.read(classifier.logits(batch)),
                                        b * forwardFlops(model, seq));
                            }
                        }
                        case FINETUNE -> {
                            SequenceClassifier classifier = classifier(model, backend);
                            AdamW optimizer = new AdamW(classifier.params(), 0.9f, 0.999f, 1e-8f, 0.01f, Param::decayedByDefault);
                            int seq = tokens(64);
                            for (int b : batchSizes(32)) {
                                Batch batch = randomBatch(b, seq, VOCAB);
                                int[] labels = new int[b];
                                for (int i = 0; i < b; i++) labels[i] = i % 2;
                                report("finetune", b, seq, t, trainingStep(optimizer,
                                        () -> classifier.trainStep(batch, labels, null, optimizer.stepCount())),
                                        3 * b * trainForwardFlops(model, seq));
                            }
                        }
                        case PRETRAIN -> {
                            Pretraining pretraining = Pretraining.create(Objective.ELECTRA, model, 0.25f,
                                    Masking.DEFAULT_CHOOSE_PROB, vocabulary(), backend, DiscriminatorLoss.EVERY_REAL_TOKEN);
                            pretraining.initialize(42);
                            AdamW optimizer = new AdamW(pretraining.params(), 0.9f, 0.999f, 1e-6f, 0.01f);
                            int seq = tokens(128);
                            for (int b : batchSizes(128)) {
                                Batch batch = randomBatch(b, seq, VOCAB);
                                report("pretrain electra", b, seq, t, trainingStep(optimizer,
                                        () -> pretraining.trainStep(batch, optimizer.stepCount())),
                                        pretraining.flopsPerStep(b, seq));
                            }
                        }
                        case GEMM -> gemm(backend, t, 512, 768, 768);
                    }
                }
            }
        }
        return 0;
    }

    /** --tokens, else the case's own length. */
    private int tokens(int caseDefault) { return tokens != null ? tokens : caseDefault; }

    /** --batch-size, else the case's own sizes. */
    private List<Integer> batchSizes(Integer... caseDefaults) { return batchSizes != null ? batchSizes : List.of(caseDefaults); }

    /** A training step: gradients cleared, a forward and backward pass, clipping at 1, an AdamW update. */
    private static Runnable trainingStep(AdamW optimizer, Runnable forwardBackward) {
        return () -> {
            optimizer.zeroGrad();
            forwardBackward.run();
            optimizer.clipGradNorm(1);
            optimizer.step(1e-5f);
        };
    }

    /** Times a batch's call and prints its row; on stderr, a warning when too few calls fit in the time to trust the mean. */
    private void report(String what, int batch, int seq, int threads, Runnable call, double flopsPerBatch) {
        String name = preset.name().toLowerCase(Locale.ROOT) + " " + what + " " + batch + "x" + seq;
        Timing timing = time(call, seconds);
        double secondsPerBatch = timing.secondsPerCall();
        System.out.printf(Locale.ROOT, "%-34s %8d %12.1f %12.0f %10.2f %10.1f%n", name, threads, batch / secondsPerBatch,
                batch * seq / secondsPerBatch, secondsPerBatch * 1e3, flopsPerBatch / secondsPerBatch / 1e9);
        System.out.flush();
        warnIfFewCalls(name, threads, timing);
    }

    /**
     * GFLOP/s of an m×k times k×n product, timed as the model cases are (the mean over the measured calls); on stderr,
     * a warning when --seconds is too short for the JIT to have compiled the product's kernels.
     */
    private void gemm(Backend backend, int threads, int m, int k, int n) {
        String name = "gemm " + m + "x" + k + "x" + n;
        Timing timing = time(GemmBench.product(backend, m, k, n), seconds);
        System.out.printf(Locale.ROOT, "%-34s %8d %12s %12s %10s %10.1f%n", name, threads, "", "", "",
                GemmBench.flops(m, k, n) / timing.secondsPerCall() / 1e9);
        System.out.flush();
        if (seconds < MIN_GEMM_SECONDS)
            System.err.printf(Locale.ROOT, "raccoon bench: %s, %d thread%s: %s s is too short for the JIT to finish compiling"
                            + " the product, so the figure falls short; give --seconds %s or more%n", name, threads,
                    threads == 1 ? "" : "s", plain(seconds), plain(MIN_GEMM_SECONDS));
        else warnIfFewCalls(name, threads, timing);
    }

    /** On stderr, a warning when too few calls started in the measured time to trust the mean. */
    private void warnIfFewCalls(String name, int threads, Timing timing) {
        if (timing.callsStartedInTime() < MIN_MEASURED_CALLS)
            System.err.printf(Locale.ROOT, "raccoon bench: %s, %d thread%s: only %d call%s started in the %s s measured, so"
                            + " the mean of %d may still hold JIT compilation; a longer --seconds gives a steadier figure%n",
                    name, threads, threads == 1 ? "" : "s", timing.callsStartedInTime(),
                    timing.callsStartedInTime() == 1 ? "" : "s",
                    plain(seconds * 2 / 3), timing.calls());
    }

    /** Seconds to three significant digits, without trailing zeros: 0.002, 3.33. */
    private static String plain(double seconds) {
        return new BigDecimal(seconds).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }

    private static SequenceClassifier classifier(ElectraConfig config, Backend backend) {
        SequenceClassifier model = (SequenceClassifier) PretrainedModel.create(
                Architecture.ELECTRA_FOR_SEQUENCE_CLASSIFICATION, config, backend);
        model.params().initialize(config.initializerRange(), config.padTokenId(), 42);
        return model;
    }

    /** BERT's special tokens first, as Raccoon's vocabularies have them, then placeholders up to {@link #VOCAB}. */
    private static Vocabulary vocabulary() {
        List<String> tokens = new ArrayList<>(WordPieceTrainer.SPECIAL_TOKENS);
        while (tokens.size() < VOCAB) tokens.add("t" + tokens.size());
        return Vocabulary.of(tokens);
    }

    /**
     * Multiply-adds of one example's forward pass as Raccoon runs it for inference, counted as 2 FLOPs each (matrix
     * products only): every layer on every token, except that the last layer's output projection and feed-forward
     * run on the [CLS] row alone (ElectraModel.firstTokenStates).
     */
    static double forwardFlops(ElectraConfig c, int seq) {
        double h = c.hiddenSize(), f = c.intermediateSize();
        double afterAttention = 2 * h * h + 2 * 2 * h * f;
        return trainForwardFlops(c, seq) - (seq - 1) * afterAttention;
    }

    /** The same for a training forward pass, which runs every layer on every token. */
    static double trainForwardFlops(ElectraConfig c, int seq) {
        double h = c.hiddenSize(), f = c.intermediateSize();
        double attention = 3 * 2 * h * h + 2 * 2 * seq * h, afterAttention = 2 * h * h + 2 * 2 * h * f;
        double perToken = c.embeddingSize() != c.hiddenSize() ? 2 * c.embeddingSize() * h : 0;
        perToken += c.numHiddenLayers() * (attention + afterAttention);
        return perToken * seq + 2 * h * h + 2 * h * c.numLabels();
    }

    private static Batch randomBatch(int size, int seq, int vocab) {
        SplittableRandom random = new SplittableRandom(7);
        int[] ids = new int[size * seq];
        for (int i = 0; i < ids.length; i++) ids[i] = 5 + random.nextInt(vocab - 5);
        int[] mask = new int[size * seq];
        java.util.Arrays.fill(mask, 1);
        return new Batch(size, seq, ids, new int[size * seq], mask);
    }

    /**
     * Calls measured at least, however long they take: a first call after a short warm-up may still run interpreted
     * code, and alone it would be reported as the figure.
     */
    static final int MIN_MEASURED_CALLS = 3;

    /**
     * Shorter GEMM runs measure the JIT compiling the product's kernels rather than the product: on the 2-core VM
     * (busy), one thread gave 15 GFLOP/s in 0.3 s, 79 in 1 s, 105-108 in 2, 3 and 5 s.
     */
    static final double MIN_GEMM_SECONDS = 2;

    /** The longest --seconds taken: a day per case is beyond any useful benchmark. */
    static final double MAX_SECONDS = 86_400;

    /** The mean seconds per measured call, how many calls were measured and how many of them started within the time. */
    record Timing(double secondsPerCall, int calls, int callsStartedInTime) {}

    /** Warms up for a third of the budget (at least one call), then measures the rest (at least {@link #MIN_MEASURED_CALLS}). */
    static Timing time(Runnable task, double seconds) {
        long warmEnd = System.nanoTime() + (long) (seconds * 1e9 / 3);
        do task.run(); while (System.nanoTime() < warmEnd);
        long start = System.nanoTime(), end = start + (long) (seconds * 1e9 * 2 / 3), now = start;
        int calls = 0, startedInTime = 0;
        do {
            if (now < end) startedInTime++;
            task.run();
            calls++;
            now = System.nanoTime();
        } while (now < end || calls < MIN_MEASURED_CALLS);
        return new Timing((now - start) / 1e9 / calls, calls, startedInTime);
    }

    private static final DateTimeFormatter RUN_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    static String cpuName() {
        try {
            return cpuName(Files.readAllLines(Path.of("/proc/cpuinfo")));
        } catch (Exception notLinux) {
            return System.getProperty("os.arch");
        }
    }

    /**
     * The first processor's model name, with its family and model numbers where cpuinfo gives them, since a VM's
     * model name ("AMD EPYC") alone does not tell one CPU generation from the next; without a model name, the JVM's
     * architecture.
     */
    static String cpuName(List<String> cpuinfo) {
        Map<String, String> fields = new HashMap<>();
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                if (!fields.isEmpty()) break; // the blank line after the first processor
                continue;
            }
            fields.putIfAbsent(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
        }
        String name = fields.get("model name");
        if (name == null) return System.getProperty("os.arch");
        return fields.containsKey("cpu family") && fields.containsKey("model")
                ? name + " (family " + fields.get("cpu family") + ", model " + fields.get("model") + ")" : name;
    }
}
