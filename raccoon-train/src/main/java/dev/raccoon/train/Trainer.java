package dev.raccoon.train;

import dev.raccoon.train.run.Progress;
import dev.raccoon.train.run.InterruptNotice;
import dev.raccoon.train.run.Fingerprint;
import dev.raccoon.train.run.AtomicDirectory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Tensor;
import dev.raccoon.model.Batch;
import dev.raccoon.model.ModelDirectory;
import dev.raccoon.model.Param;
import dev.raccoon.model.SequenceClassifier;
import dev.raccoon.model.io.DType;
import dev.raccoon.text.Encoding;
import dev.raccoon.text.Truncation;
import dev.raccoon.text.WordPieceTokenizer;
import dev.raccoon.train.corpus.CorpusPipeline;
import dev.raccoon.train.data.Example;
import dev.raccoon.train.data.LengthBucketBatcher;
import dev.raccoon.train.metrics.ClassificationMetrics;
import dev.raccoon.train.metrics.Json;
import dev.raccoon.train.metrics.RegressionMetrics;
import dev.raccoon.train.optim.AdamW;
import dev.raccoon.train.optim.LinearSchedule;
import dev.raccoon.train.report.TrainingLogWriter;
import me.tongfei.progressbar.ProgressBar;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Fine-tunes a sequence classifier: classification (cross-entropy over N labels, or against soft targets where
 * examples carry probabilities: knowledge distillation) or regression (one output, MSE, e.g. KorSTS scores) on
 * single texts or text pairs, with AdamW, linear warmup and decay, gradient clipping and
 * length-bucketed shuffled batches.
 *
 * <p>It writes under the output directory: {@code best/} (the checkpoint with the best dev metric, a Hugging Face
 * directory transformers loads as is), {@code last/} (a resumable checkpoint: model, {@code optimizer.safetensors}
 * and {@code trainer_state.json}, replaced atomically) and {@code train_log.jsonl}. A resumed run ends with the
 * same weights as an uninterrupted one: batch order depends only on the seed and the epoch, dropout masks only on
 * the seed and the step. That holds bit for bit on a deterministic backend (the scalar reference); the Vector API
 * backend may differ in the last bits, since its float results can change when the JIT recompiles a kernel.
 */
public final class Trainer {
    public enum Task {
        CLASSIFY, REGRESS;

        /** transformers' problem_type for config.json. */
        public String problemType() {
            return this == CLASSIFY ? "single_label_classification" : "regression";
        }

        /** The dev metric that picks the best checkpoint: accuracy, or Spearman's rank correlation (KorSTS's). */
        public String metric() {
            return this == CLASSIFY ? "dev_accuracy" : "dev_spearman";
        }
    }

    /**
     * @param evalEvery  evaluate on dev (and save {@code last/}) every this many steps; 0: at epoch ends only
     * @param logEvery   write a training log line every this many steps
     * @param stopAfter  stop after this many steps as if interrupted, with {@code last/} saved; 0: run to the end.
     *                   The schedule still spans all epochs, so a resumed run continues it.
     * @param progress   draw a progress bar on stderr; without one, a plain line at each dev evaluation
     * @param truncation which tokens of a text longer than maxLength are trained on (and evaluated on dev)
     */
    public record Options(Task task, int epochs, int batchSize, float lr, int maxLength, float warmup,
                          float weightDecay, long seed, float maxGradNorm, int evalEvery, int logEvery,
                          int stopAfter, boolean progress, Truncation truncation) {
        public Options {
            Objects.requireNonNull(truncation, "truncation");
            if (epochs < 1) throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
            if (!(lr > 0 && lr < Float.POSITIVE_INFINITY)) throw new IllegalArgumentException("learning rate must be positive and finite, got " + lr);
            if (maxLength < 4) throw new IllegalArgumentException("max length must be at least 4, got " + maxLength);
            if (!(warmup >= 0 && warmup <= 1)) throw new IllegalArgumentException("warmup must be a fraction in [0, 1], got " + warmup);
            if (!(weightDecay >= 0 && weightDecay < Float.POSITIVE_INFINITY))
                throw new IllegalArgumentException("weight decay must be a finite number ≥ 0, got " + weightDecay);
            if (!(maxGradNorm > 0)) throw new IllegalArgumentException("gradient clipping norm must be positive, got " + maxGradNorm);
            if (evalEvery < 0) throw new IllegalArgumentException("eval-every must not be negative, got " + evalEvery);
            if (logEvery < 1) throw new IllegalArgumentException("log-every must be positive, got " + logEvery);
            if (stopAfter < 0) throw new IllegalArgumentException("stop-after must not be negative, got " + stopAfter);
        }

        /** Without a {@link #truncation}: head and tail, the default reading. */
        public Options(Task task, int epochs, int batchSize, float lr, int maxLength, float warmup, float weightDecay,
                       long seed, float maxGradNorm, int evalEvery, int logEvery, int stopAfter, boolean progress) {
            this(task, epochs, batchSize, lr, maxLength, warmup, weightDecay, seed, maxGradNorm, evalEvery, logEvery,
                    stopAfter, progress, Truncation.HEAD_AND_TAIL);
        }

        /**
         * The recipe's usual values: 3 epochs, batch 32, lr 5e-5, 128 tokens (a longer text's head and tail), 10 %
         * warmup, decay 0.01, clip 1.0.
         */
        public static Options defaults(Task task) {
            return new Options(task, 3, 32, 5e-5f, 128, 0.1f, 0.01f, 42, 1f, 0, 50, 0, false, Truncation.HEAD_AND_TAIL);
        }

        public Options withEpochs(int n) { return new Options(task, n, batchSize, lr, maxLength, warmup, weightDecay, seed, maxGradNorm, evalEvery, logEvery, stopAfter, progress, truncation); }

        public Options withBatchSize(int n) { return new Options(task, epochs, n, lr, maxLength, warmup, weightDecay, seed, maxGradNorm, evalEvery, logEvery, stopAfter, progress, truncation); }

        public Options withLr(float x) { return new Options(task, epochs, batchSize, x, maxLength, warmup, weightDecay, seed, maxGradNorm, evalEvery, logEvery, stopAfter, progress, truncation); }

        public Options withMaxLength(int n) { return new Options(task, epochs, batchSize, lr, n, warmup, weightDecay, seed, maxGradNorm, evalEvery, logEvery, stopAfter, progress, truncation); }

        public Options withWarmup(float x) { return new Options(task, epochs, batchSize, lr, maxLength, x, weightDecay, seed, maxGradNorm, evalEvery, logEvery, stopAfter, progress, truncation); }

        public Options withEvalEvery(int n) { return new Options(task, epochs, batchSize, lr, maxLength, warmup, weightDecay, seed, maxGradNorm, n, logEvery, stopAfter, progress, truncation); }

        public Options withLogEvery(int n) { return new Options(task, epochs, batchSize, lr, maxLength, warmup, weightDecay, seed, maxGradNorm, evalEvery, n, stopAfter, progress, truncation); }

        public Options withStopAfter(int n) { return new Options(task, epochs, batchSize, lr, maxLength, warmup, weightDecay, seed, maxGradNorm, evalEvery, logEvery, n, progress, truncation); }

        public Options withTruncation(Truncation t) { return new Options(task, epochs, batchSize, lr, maxLength, warmup, weightDecay, seed, maxGradNorm, evalEvery, logEvery, stopAfter, progress, t); }
    }

    /**
     * What a run achieved.
     *
     * @param metric            name of the selection metric ("dev_accuracy", "dev_spearman")
     * @param bestMetric        its best value, reached at {@code bestStep} (NaN at -1 when no evaluation gave a
     *                          defined one, e.g. a Spearman of constant predictions)
     * @param lastDev           the dev metrics of the last evaluation
     * @param steps             optimizer steps done in total (resumed runs included)
     * @param totalSteps        steps of the full schedule
     * @param seconds           wall time of the whole run up to its last checkpoint, resumed parts included
     * @param examplesPerSecond training examples per second of the whole run (evaluation excluded)
     */
    public record Result(String metric, double bestMetric, int bestStep, Map<String, Double> lastDev, int steps,
                         int totalSteps, double seconds, double examplesPerSecond) {
        public boolean finished() { return steps == totalSteps; }
    }

    /** Dropout 0.1 unless overridden (ELECTRA's default); AdamW with torch's defaults otherwise. */
    private static final float BETA1 = 0.9f, BETA2 = 0.999f, EPS = 1e-8f;
    /** Sort windows of this many batches: enough to bring similar lengths together, few enough to stay random. */
    private static final int WINDOW_BATCHES = 50;
    /** The checkpoint a run resumes from, and the log beside it. */
    private static final String LAST = "last", LOG = "train_log.jsonl";
    /** The checkpoint of the best dev metric. */
    private static final String BEST = "best";

    private final SequenceClassifier model;
    private final WordPieceTokenizer tokenizer;
    private final Options options;
    private final Path out;
    private final Backend backend;
    private final PrintStream err = System.err;
    private String name = "train";
    private Map<String, String> provenance = Map.of();
    /** Held while the last checkpoint is written, and by an interrupt, after which none is written. */
    private final Object saving = new Object();
    /** The step the last checkpoint holds, -1 before the first: what an interrupt says. */
    private int savedStep = -1;
    private boolean interrupted;

    public Trainer(SequenceClassifier model, WordPieceTokenizer tokenizer, Options options, Path out) {
        if (model.isRegression() != (options.task() == Task.REGRESS))
            throw new IllegalArgumentException("the " + options.task().name().toLowerCase(Locale.ROOT) + " task needs a model with "
                    + (options.task() == Task.REGRESS ? "one output" : "at least two labels") + ", this one has "
                    + model.config().numLabels());
        this.model = model;
        this.tokenizer = tokenizer;
        this.options = options;
        this.out = out;
        this.backend = model.backend();
    }

    /** The name progress is reported under ("train"; a search names its trials). */
    public Trainer named(String progressName) {
        this.name = progressName;
        return this;
    }

    /**
     * Adds to what a checkpoint records and a resumed run must match: what the options do not say but the training
     * rows depend on (a distillation's teachers and their weights).
     */
    public Trainer recording(Map<String, String> provenance) {
        this.provenance = Map.copyOf(provenance);
        return this;
    }

    public Path bestDir() { return out.resolve(BEST); }

    public Path lastDir() { return out.resolve(LAST); }

    public Path logFile() { return out.resolve(LOG); }

    /**
     * Trains on {@code train}, evaluating on {@code dev}. With {@code resume}, continues from {@code last/};
     * without it, an existing {@code last/} is an error rather than something to overwrite silently.
     */
    public Result train(List<Example> train, List<Example> dev, boolean resume) throws IOException {
        if (train.isEmpty()) throw new IllegalArgumentException("the training set is empty");
        requireDev(dev);
        long softRows = softRows(train);
        boolean soft = softRows > 0;
        long started = System.nanoTime();
        int maxLength = Math.min(options.maxLength(), model.config().maxPositionEmbeddings());
        List<Encoding> trainEnc = encode(train, maxLength);
        List<Encoding> devEnc = encode(dev, maxLength);
        int[] lengths = LengthBucketBatcher.lengths(trainEnc);
        LengthBucketBatcher batcher = new LengthBucketBatcher(options.batchSize(), WINDOW_BATCHES, options.seed());
        int batchesPerEpoch = batcher.plan(lengths, 0).size();
        int totalSteps = batchesPerEpoch * options.epochs();
        LinearSchedule schedule = new LinearSchedule(options.lr(), Math.round(options.warmup() * totalSteps), totalSteps);
        // warmup starts at 0: a run of one step that is all warmup would train nothing, as --lr 0 (refused) would
        if (IntStream.range(0, totalSteps).allMatch(s -> schedule.lr(s) == 0))
            throw new IllegalArgumentException("warmup " + options.warmup() + " makes the only step of this run a warmup step,"
                    + " whose learning rate is 0, so it would train nothing; lower the warmup or train for more steps");
        AdamW optimizer = new AdamW(model.params(), BETA1, BETA2, EPS, options.weightDecay(), Param::decayedByDefault);
        Map<String, String> trajectory = trajectory(train, dev, softRows);

        TrainerState state;
        if (resume) {
            state = restore(optimizer, trajectory);
            err.println(state.step() >= totalSteps ? out + " finished all " + totalSteps + " steps already; nothing to train"
                    : "resuming " + out + " at step " + state.step() + " of " + totalSteps);
        } else {
            requireOutput(out, false, Map.of());
            Files.createDirectories(out);
            if (Files.isDirectory(bestDir()))
                err.println("note: " + bestDir() + " is what a run stopped before its first checkpoint left; this run"
                        + " replaces it at its first evaluation");
            Files.write(logFile(), new byte[0]); // emptied, not deleted: beside a best/, it says whose that is
            state = new TrainerState(0, 0, 0, options.seed(), Double.NaN, -1, options.task().metric(), trajectory, 0, 0, 0, 0, 0);
        }

        int step = state.step();
        synchronized (saving) {
            savedStep = resume ? step : -1;
        }
        double bestMetric = state.bestMetric();
        int bestStep = state.bestStep();
        Map<String, Double> lastDev = Map.of();
        long trainNanos = Math.round(state.trainSeconds() * 1e9); // the whole run's, resumed parts included
        long examples = state.examples();
        double seconds = state.seconds(); // the whole run's, up to its last checkpoint
        double lossSum = state.logLossSum();
        int lossCount = state.logLossCount();
        long windowExamples = 0;
        long windowNanos = 0;
        int stopAt = options.stopAfter() > 0 ? Math.min(options.stopAfter(), totalSteps) : totalSteps;
        int padId = tokenizer.vocab().padId();
        double lineLossSum = 0;
        int lineLossCount = 0;
        Progress.Pace pace = new Progress.Pace();
        boolean notedUndefined = false;

        try (InterruptNotice onInterrupt = InterruptNotice.install(name + "-interrupted", this::sayWhereItStopped);
             TrainingLogWriter log = TrainingLogWriter.open(logFile(), step);
             ProgressBar bar = options.progress() ? Progress.bar(name, totalSteps, step, err) : null) {
            epochs:
            for (int epoch = state.epoch(); epoch < options.epochs(); epoch++) {
                List<int[]> plan = batcher.plan(lengths, epoch);
                int first = epoch == state.epoch() ? state.batchInEpoch() : 0;
                for (int b = first; b < plan.size(); b++) {
                    if (step >= stopAt) break epochs;
                    int[] indices = plan.get(b);
                    long t0 = System.nanoTime();
                    Batch batch = LengthBucketBatcher.batch(trainEnc, indices, padId);
                    optimizer.zeroGrad();
                    float lr = schedule.lr(step);
                    float loss = soft
                            ? model.trainStepSoft(batch, probabilitiesOf(train, indices), stepSeed(step))
                            : model.trainStep(batch, labelsOf(train, indices), targetsOf(train, indices), stepSeed(step));
                    if (!Float.isFinite(loss)) throw Divergence.ofLoss(loss, step);
                    optimizer.clipGradNorm(options.maxGradNorm());
                    optimizer.step(lr);
                    step++;
                    pace.step();
                    long dt = System.nanoTime() - t0;
                    trainNanos += dt;
                    examples += indices.length;
                    windowNanos += dt;
                    windowExamples += indices.length;
                    lossSum += loss;
                    lossCount++;
                    lineLossSum += loss;
                    lineLossCount++;
                    double epochPosition = epoch + (b + 1.0) / plan.size();
                    if (bar != null) {
                        bar.stepTo(step);
                        bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f · %.0f ex/s", loss,
                                examples / (trainNanos / 1e9)));
                    }
                    if (step % options.logEvery() == 0 || step == totalSteps) { // the last window too, however short
                        ObjectNode line = log.newLine();
                        line.put("step", step);
                        line.put("epoch", round(epochPosition));
                        line.put("loss", lossSum / lossCount);
                        line.put("lr", lr);
                        line.put("examples_per_s", round(windowExamples / (windowNanos / 1e9)));
                        log.write(line);
                        lossSum = 0;
                        lossCount = 0;
                        windowExamples = 0;
                        windowNanos = 0;
                    }
                    boolean epochEnd = b + 1 == plan.size();
                    boolean evaluate = epochEnd || (options.evalEvery() > 0 && step % options.evalEvery() == 0);
                    // the last update too: no checkpoint of diverged weights, which would load as garbage
                    if (evaluate || step == stopAt) requireFiniteWeights(step);
                    if (evaluate) {
                        lastDev = evaluate(dev, devEnc, step);
                        ObjectNode line = log.newLine();
                        line.put("step", step);
                        line.put("epoch", round(epochPosition));
                        lastDev.forEach((k, v) -> Json.put(line, k, v)); // null where undefined, as eval --json writes it
                        log.write(line);
                        double metric = lastDev.get(options.task().metric());
                        if (Double.isNaN(metric) && !notedUndefined) {
                            notedUndefined = true;
                            err.println("note: " + options.task().metric() + " is undefined at step " + step
                                    + ": the model gives every dev row the same score; a checkpoint so measured is never kept as best");
                        }
                        // NaN compares false with everything: a first NaN would stay best, and a NaN is no measure
                        if (!Double.isNaN(metric) && (bestStep < 0 || metric > bestMetric)) {
                            bestMetric = metric;
                            bestStep = step;
                            AtomicDirectory.replace(bestDir(), ModelDirectory.CONFIG_FILE, dir -> ModelDirectory.save(dir, model, tokenizer, DType.F32));
                        }
                        String measure = String.format(Locale.ROOT, "%s %s (best %s)", options.task().metric(),
                                figure(metric), bestStep < 0 ? "none yet" : figure(bestMetric));
                        if (bar != null) {
                            bar.setExtraMessage(" " + measure);
                        } else {
                            err.println(Progress.line(name, step, totalSteps, pace,
                                    String.format(Locale.ROOT, "epoch %.2f · loss %.4f · %s · %.0f ex/s", epochPosition,
                                            lineLossSum / lineLossCount, measure, examples / (trainNanos / 1e9))));
                            lineLossSum = 0;
                            lineLossCount = 0;
                        }
                    }
                    if (evaluate || step == stopAt) {
                        int nextEpoch = epochEnd ? epoch + 1 : epoch;
                        int nextBatch = epochEnd ? 0 : b + 1;
                        seconds = state.seconds() + (System.nanoTime() - started) / 1e9;
                        saveLast(optimizer, new TrainerState(step, nextEpoch, nextBatch, options.seed(), bestMetric,
                                bestStep, options.task().metric(), trajectory, lossSum, lossCount, seconds,
                                trainNanos / 1e9, examples));
                    }
                }
            }
        }
        // a run resumed when it had finished evaluated nothing here: its last evaluation is the one of its final weights
        if (resume && lastDev.isEmpty() && step == totalSteps && !dev.isEmpty()) lastDev = evaluate(dev, devEnc, step);
        // Every run that returns saved at its last step, so its time is the one its checkpoint records, which a
        // resume of the finished run reports again.
        return new Result(options.task().metric(), bestMetric, bestStep, lastDev, step, totalSteps, seconds,
                trainNanos == 0 ? 0 : examples / (trainNanos / 1e9));
    }

    /**
     * Dev metrics of the weights after {@code step}: accuracy, macro-F1 and log loss, or Pearson and Spearman.
     *
     * @throws Divergence when an output is not finite (argmax would count a NaN row as the first label)
     */
    private Map<String, Double> evaluate(List<Example> dev, List<Encoding> devEnc, int step) {
        float[][] logits = logits(devEnc);
        for (float[] row : logits)
            for (float v : row)
                if (!Float.isFinite(v)) throw new Divergence("the model's outputs became " + v, step);
        Map<String, Double> m = new LinkedHashMap<>();
        if (options.task() == Task.CLASSIFY) {
            ClassificationMetrics metrics = new ClassificationMetrics(model.config().labels());
            for (int i = 0; i < logits.length; i++)
                metrics.add(dev.get(i).label(), TemperatureScaling.probabilities(logits[i], 1));
            m.put("dev_accuracy", metrics.accuracy());
            m.put("dev_macro_f1", metrics.macroF1());
            // beside the training loss in the report's loss chart: a dev loss that rises while accuracy holds is overfitting
            m.put("dev_log_loss", metrics.calibration().logLoss());
        } else {
            RegressionMetrics metrics = new RegressionMetrics();
            for (int i = 0; i < logits.length; i++) metrics.add(logits[i][0], dev.get(i).target());
            m.put("dev_pearson", metrics.pearson());
            m.put("dev_spearman", metrics.spearman());
        }
        return m;
    }

    /** Inference logits in input order, batched by length so padding stays small. */
    private float[][] logits(List<Encoding> encodings) {
        int n = encodings.size();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt(i -> encodings.get(i).length()));
        int labels = model.config().numLabels();
        float[][] result = new float[n][];
        for (int start = 0; start < n; start += options.batchSize()) {
            int end = Math.min(n, start + options.batchSize());
            int[] indices = new int[end - start];
            for (int i = start; i < end; i++) indices[i - start] = order[i];
            float[] flat = backend.read(model.logits(LengthBucketBatcher.batch(encodings, indices, tokenizer.vocab().padId())));
            for (int i = 0; i < indices.length; i++)
                result[indices[i]] = Arrays.copyOfRange(flat, i * labels, (i + 1) * labels);
        }
        return result;
    }

    /** @throws Divergence when a weight is not finite (or so large that its square overflows) */
    private void requireFiniteWeights(int step) {
        List<Tensor> weights = model.params().owned().values().stream().map(Param::value).toList();
        if (!Double.isFinite(backend.sumOfSquares(weights))) throw new Divergence("the weights overflowed", step);
    }

    /**
     * A dev set the selection metric is defined on: Spearman's correlation needs two rows and two scores, or every
     * evaluation is NaN and the best checkpoint is chosen by nothing.
     */
    private void requireDev(List<Example> dev) {
        if (dev.isEmpty()) throw new IllegalArgumentException("the dev set is empty");
        if (options.task() != Task.REGRESS) return;
        String metric = options.task().metric();
        if (dev.size() < 2)
            throw new IllegalArgumentException("the dev set has 1 row; " + metric + ", which picks the best checkpoint, needs at least 2");
        if (dev.stream().mapToDouble(Example::target).distinct().count() == 1)
            throw new IllegalArgumentException("every dev row has the score " + dev.getFirst().target() + "; " + metric
                    + ", which picks the best checkpoint, is undefined when the dev targets are constant");
    }

    /** A dev figure for a line: "undefined" for a NaN (a correlation of constant predictions). */
    private static String figure(double x) {
        return Double.isNaN(x) ? "undefined" : String.format(Locale.ROOT, "%.4f", x);
    }

    public List<Encoding> encode(List<Example> examples, int maxLength) {
        List<Encoding> out = new ArrayList<>(examples.size());
        for (Example e : examples) out.add(tokenizer.encode(e.text(), e.pair(), maxLength, options.truncation()));
        return out;
    }

    private int[] labelsOf(List<Example> data, int[] indices) {
        if (options.task() != Task.CLASSIFY) return null;
        int[] labels = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            Example e = data.get(indices[i]);
            if (e.isRegression()) throw new IllegalArgumentException("the classify task got a regression example: " + e.text());
            labels[i] = e.label();
        }
        return labels;
    }

    /** How many rows carry soft targets; any makes this a distillation run, which only a classifier can be. */
    private long softRows(List<Example> train) {
        int labels = model.config().numLabels();
        long n = 0;
        for (Example e : train) {
            if (e.probabilities() == null) continue;
            if (options.task() != Task.CLASSIFY)
                throw new IllegalArgumentException("soft targets need the classify task: " + e.text());
            if (e.probabilities().length != labels)
                throw new IllegalArgumentException(e.probabilities().length + " probabilities for a model with "
                        + labels + " labels: " + e.text());
            n++;
        }
        return n;
    }

    /** Row-major targets of a batch: a row's probabilities, or its label one-hot. */
    private float[] probabilitiesOf(List<Example> data, int[] indices) {
        int labels = model.config().numLabels();
        float[] targets = new float[indices.length * labels];
        for (int i = 0; i < indices.length; i++) {
            Example e = data.get(indices[i]);
            if (e.probabilities() != null) System.arraycopy(e.probabilities(), 0, targets, i * labels, labels);
            else if (e.label() >= 0 && e.label() < labels) targets[i * labels + e.label()] = 1;
            else throw new IllegalArgumentException("label " + e.label() + " outside the model's " + labels + " labels: " + e.text());
        }
        return targets;
    }

    private float[] targetsOf(List<Example> data, int[] indices) {
        if (options.task() != Task.REGRESS) return null;
        float[] targets = new float[indices.length];
        for (int i = 0; i < indices.length; i++) {
            Example e = data.get(indices[i]);
            if (!e.isRegression()) throw new IllegalArgumentException("the regress task got a classification example: " + e.text());
            targets[i] = e.target();
        }
        return targets;
    }

    /** The dropout seed of a step: SplitMix64 of seed and step, so neighbouring steps get unrelated masks. */
    private long stepSeed(int step) {
        long z = options.seed() + 0x9E3779B97F4A7C15L * (step + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Everything that shapes the weights, and the dev rows that choose the best of them; resuming under different
     * values would silently train something else, or compare accuracies measured on two dev sets.
     */
    private Map<String, String> trajectory(List<Example> train, List<Example> dev, long softRows) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("task", options.task().name().toLowerCase(Locale.ROOT));
        m.put("epochs", Integer.toString(options.epochs()));
        m.put("batch_size", Integer.toString(options.batchSize()));
        m.put("lr", Float.toString(options.lr()));
        m.put("max_length", Integer.toString(options.maxLength()));
        m.put("truncation", options.truncation().id());
        m.put("warmup", Float.toString(options.warmup()));
        m.put("weight_decay", Float.toString(options.weightDecay()));
        m.put("seed", Long.toString(options.seed()));
        m.put("max_grad_norm", Float.toString(options.maxGradNorm()));
        m.put("dropout", Float.toString(model.config().hiddenDropoutProb()));
        m.put("labels", String.join(",", model.config().labels())); // ids 0/1 would read as other names without a word
        m.put("train_examples", Integer.toString(train.size()));
        m.put("train_fingerprint", fingerprint(train));
        m.put("dev_fingerprint", fingerprint(dev));
        m.put("vocab_fingerprint", CorpusPipeline.vocabularyFingerprint(tokenizer.vocab()));
        if (softRows > 0) m.put("soft_target_examples", Long.toString(softRows));
        m.putAll(provenance);
        return m;
    }

    /** Whether the output directory holds a checkpoint a run with {@code resume} continues. */
    public boolean hasCheckpoint() {
        return AtomicDirectory.latest(lastDir()) != null;
    }

    /**
     * A 64-bit digest of the training rows in order (texts, pairs, labels, targets): another file with as many
     * rows is caught on resume, not trained on from the middle of a schedule made for the first. Soft targets are
     * left out (a constant stands in, as for rows without them): teachers compute them again on resume, and on
     * another device or in another precision their last bits differ; what made them is {@link #recording} instead.
     */
    static String fingerprint(List<Example> train) {
        Fingerprint digest = new Fingerprint();
        for (Example e : train)
            digest.add(e.text().hashCode()).add(e.pair() == null ? -1 : e.pair().hashCode()).add(e.label())
                    .add(Float.floatToIntBits(e.target())).add(0);
        return digest.hex();
    }

    /**
     * Throws as {@link #train} would, before any work: for a resumed run, no checkpoint or one of other options or
     * data; for a new one, an output directory that holds anything.
     */
    public void requireStartable(List<Example> train, List<Example> dev, boolean resume) throws IOException {
        requireDev(dev);
        if (resume) requireResumable(train, dev);
        else requireOutput(out, false, Map.of());
    }

    /**
     * What {@link #requireStartable} checks of {@code out} alone, for a command to check before work that comes
     * before the training rows (a distillation's teachers labelling them): a checkpoint to resume, recorded with
     * the same {@code provenance} ({@link #recording}), or for a new run an output directory with nothing in it.
     */
    public static void requireOutput(Path out, boolean resume, Map<String, String> provenance) throws IOException {
        Path last = AtomicDirectory.latest(out.resolve(LAST));
        if (resume && last == null) throw noCheckpoint(out);
        if (!resume && last != null)
            throw new IOException(out.resolve(LAST) + " holds a checkpoint of an earlier run; continue it with --resume or choose another output directory");
        if (resume) Checkpoint.requireSameOptions(last, TrainerState.read(last).options(), provenance);
        else AtomicDirectory.requireEmpty(out, leftoversOfAStoppedRun(out));
    }

    private static IOException noCheckpoint(Path out) {
        return new IOException(out.resolve(LAST) + ": no checkpoint to resume from" + (Files.exists(out.resolve(LOG))
                ? "; the run in " + out + " stopped before its first checkpoint, so the same command without --resume starts it afresh"
                : ""));
    }

    /**
     * What a run stopped before its first checkpoint leaves, which a new run starts again: its log, and if it stopped
     * between writing its first best/ and its first last/, that best/ (kept until the new run replaces it, so that a
     * model of a long first epoch stays there to copy away). A best/ without the log beside it is not a run's own.
     */
    private static Set<String> leftoversOfAStoppedRun(Path out) {
        boolean ownBest = Files.isRegularFile(out.resolve(LOG)) && Files.isRegularFile(out.resolve(BEST).resolve(ModelDirectory.CONFIG_FILE));
        return ownBest ? Set.of(LOG, BEST) : Set.of(LOG);
    }

    /** Throws as {@link #train} with resume would, before any work: no checkpoint, or one of other options or data. */
    public void requireResumable(List<Example> train, List<Example> dev) throws IOException {
        resumableCheckpoint(trajectory(train, dev, softRows(train)));
    }

    /** The checkpoint to resume from, checked against this run's options and data. */
    private Path resumableCheckpoint(Map<String, String> trajectory) throws IOException {
        Path last = AtomicDirectory.latest(lastDir());
        if (last == null) throw noCheckpoint(out);
        Checkpoint.requireSameOptions(last, TrainerState.read(last).options(), trajectory);
        return last;
    }

    private TrainerState restore(AdamW optimizer, Map<String, String> trajectory) throws IOException {
        Path last = resumableCheckpoint(trajectory);
        TrainerState state = TrainerState.read(last);
        Checkpoint.restore(last, Map.of("", model), optimizer, state.step());
        return state;
    }

    private void saveLast(AdamW optimizer, TrainerState state) throws IOException {
        synchronized (saving) {
            if (interrupted) return;
            AtomicDirectory.replace(lastDir(), TrainerState.FILE, dir -> {
                Checkpoint.write(dir, Map.of("", model), tokenizer, optimizer, state.step());
                state.write(dir);
            });
            savedStep = state.step();
        }
    }

    /**
     * On Ctrl-C or SIGTERM: lets a checkpoint being written finish and starts no other, then says which step it
     * holds, while the steps after it run on until the JVM stops.
     */
    private void sayWhereItStopped() {
        synchronized (saving) {
            interrupted = true;
            err.println(name + ": interrupted; " + (savedStep < 0 ? "this run wrote no checkpoint, so the same command starts it afresh"
                    : lastDir() + " holds step " + savedStep + "; the same command with --resume goes on from there"));
        }
    }

    private static double round(double x) {
        return Math.round(x * 1e4) / 1e4;
    }
}
