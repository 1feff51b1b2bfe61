package dev.raccoon.train.pretrain;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.model.Batch;
import dev.raccoon.model.ElectraConfig;
import dev.raccoon.model.ModelDirectory;
import dev.raccoon.model.io.DType;
import dev.raccoon.text.WordPieceTokenizer;
import dev.raccoon.train.run.AtomicDirectory;
import dev.raccoon.train.Checkpoint;
import dev.raccoon.train.Divergence;
import dev.raccoon.train.run.InterruptNotice;
import dev.raccoon.train.run.Progress;
import dev.raccoon.train.optim.AdamW;
import dev.raccoon.train.optim.LinearSchedule;
import dev.raccoon.train.report.TrainingLog;
import dev.raccoon.train.report.TrainingLogWriter;
import me.tongfei.progressbar.ProgressBar;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Pretrains with ELECTRA's or BERT's objective on packed sequences, with AdamW (weight decay 0.01), linear warmup
 * and decay, and gradient clipping over all parameters at once.
 *
 * <p>Under the output directory it writes {@code pretrain_log.jsonl}, {@code pretrain_curves.png} (where it can draw), and every
 * {@code saveEvery} steps a resumable {@code checkpoint-N/} (the models as Hugging Face directories, the AdamW
 * moments and {@code pretrain_state.json}), written under a temporary name and renamed when complete, the
 * previous one deleted only then. Beside it the models are exported for use: {@code discriminator/} and
 * {@code generator/} (ELECTRA) or {@code mlm/}, which transformers loads as they are. Every random choice
 * (sequence order per epoch; masking, sampling and dropout per step) is a function of the seed and the position,
 * so a resumed run ends with the same weights as an uninterrupted one.
 */
public final class Pretrainer {
    /**
     * @param warmupSteps steps of linear warmup ({@link #defaultWarmup})
     * @param saveEvery   checkpoint every this many steps (and at the end)
     * @param logEvery    one log line per this many steps, averaging them
     * @param stopAfter   stop after this many steps with a checkpoint saved, as if interrupted; 0: run to the end
     * @param progress    draw a progress bar on stderr; without one, a plain line at each checkpoint
     */
    public record Options(int steps, int batchSize, float lr, int warmupSteps, float weightDecay, float maxGradNorm,
                          int saveEvery, int logEvery, int stopAfter, long seed, boolean progress) {
        public Options {
            if (steps < 1 || batchSize < 1) throw new IllegalArgumentException("steps and batch size must be at least 1");
            if (!(lr > 0 && lr < Float.POSITIVE_INFINITY)) throw new IllegalArgumentException("learning rate must be positive and finite, got " + lr);
            if (warmupSteps < 0 || warmupSteps > steps)
                throw new IllegalArgumentException("warmup steps must lie in [0, " + steps + "], got " + warmupSteps);
            if (!(weightDecay >= 0 && maxGradNorm > 0))
                throw new IllegalArgumentException("weight decay must not be negative and the clipping norm must be positive");
            if (saveEvery < 1 || logEvery < 1) throw new IllegalArgumentException("save-every and log-every must be at least 1");
            if (stopAfter < 0) throw new IllegalArgumentException("stop-after must not be negative");
        }

        /** ELECTRA's 10k warmup steps of a 1M-step run, scaled down for short runs: 10 % of the steps, at most 10k. */
        public static int defaultWarmup(int steps) {
            return Math.min(10_000, Math.round(0.1f * steps));
        }
    }

    /**
     * @param seconds         the whole run's time, resumed parts included
     * @param tokensPerSecond real tokens per second of training steps over the whole run
     * @param flops           training FLOPs of all steps done (resumed ones included)
     * @param log             the whole log, resumed parts included
     */
    public record Result(int steps, int totalSteps, double seconds, double tokensPerSecond, double flops, TrainingLog log) {}

    public static final String LOG = "pretrain_log.jsonl";
    public static final String CURVES = "pretrain_curves.png";
    private static final String STATE = "pretrain_state.json";
    private static final Pattern CHECKPOINT = Pattern.compile("checkpoint-(\\d+)");

    /**
     * What {@code pretrain_state.json} holds: the step, the options a resumed run must share, and the run's time so
     * far, the part of it spent in training steps and the real tokens trained on, so that a resumed run reports the
     * whole run's (0 in checkpoints written before these were kept).
     */
    record State(int step, Map<String, String> options, double seconds, double trainSeconds, long trainTokens) {}

    private final Pretraining model;
    private final WordPieceTokenizer tokenizer;
    private final PretrainingData corpus;
    private final Options options;
    private final Path out;
    private final Map<String, Path> initialWeights;
    private int[] order;
    private int orderEpoch = -1;
    private boolean curvesFailed;
    /** Held while a checkpoint and the models are written; an interrupt waits for it (see {@link #waitForSaves}). */
    private final Object saving = new Object();
    private boolean interrupted;
    private int savedStep = -1;

    public Pretrainer(Pretraining model, WordPieceTokenizer tokenizer, PretrainingData corpus, Options options, Path out) {
        this(model, tokenizer, corpus, options, out, Map.of());
    }

    /**
     * @param initialWeights model directories by model name ({@link Pretraining#models()}) that a new run starts
     *                       those models from ({@link InitialWeights#load}); a resumed run starts from its checkpoint
     */
    public Pretrainer(Pretraining model, WordPieceTokenizer tokenizer, PretrainingData corpus, Options options, Path out,
                      Map<String, Path> initialWeights) {
        for (String name : initialWeights.keySet())
            if (!model.models().containsKey(name))
                throw new IllegalArgumentException("no model named " + name + " to start from a directory; "
                        + model.objective().id() + " pretraining has " + model.models().keySet());
        this.model = model;
        this.tokenizer = tokenizer;
        this.corpus = corpus;
        this.options = options;
        this.out = out;
        this.initialWeights = Map.copyOf(initialWeights);
    }

    public Result run(boolean resume) throws IOException {
        long started = System.nanoTime();
        int total = options.steps();
        int seq = corpus.seqLength();
        double flopsPerStep = model.flopsPerStep(options.batchSize(), seq);
        var params = model.params();
        AdamW optimizer = new AdamW(params, 0.9f, 0.999f, 1e-6f, options.weightDecay());
        LinearSchedule schedule = new LinearSchedule(options.lr(), options.warmupSteps(), total);
        Map<String, String> trajectory = trajectory();
        State start = new State(0, trajectory, 0, 0, 0);
        requireStartable(out, resume);
        if (resume) {
            Path last = latestCheckpoint(out);
            start = restore(last, optimizer, trajectory);
            System.err.println("resuming " + last + " at step " + start.step() + " of " + total);
        } else {
            model.initialize(options.seed());
            // The encoder model last, so that the tables it shares with the generator end as its own.
            List<String> names = new ArrayList<>(model.models().keySet());
            names.sort(Comparator.comparing(name -> model.models().get(name) == model.encoderModel()));
            for (String name : names) {
                Path dir = initialWeights.get(name);
                if (dir != null) System.err.println(name + ": " + InitialWeights.load(model.models().get(name), dir));
            }
            Files.createDirectories(out); // only now: a directory that cannot be loaded leaves nothing behind
            Files.deleteIfExists(out.resolve(LOG));
        }

        int padId = tokenizer.vocab().padId();
        int b = options.batchSize();
        int[] ids = new int[b * seq], types = new int[b * seq];
        StepStats window = StepStats.ZERO, sinceSave = StepStats.ZERO;
        int step = start.step(), firstStep = step;
        Progress.Pace pace = new Progress.Pace();
        long windowNanos = 0;
        long trainNanos = Math.round(start.trainSeconds() * 1e9), trainTokens = start.trainTokens(); // the whole run's
        int stopAt = options.stopAfter() > 0 ? Math.min(options.stopAfter(), total) : total;
        try (InterruptNotice onInterrupt = InterruptNotice.install("pretrain-interrupted", this::waitForSaves);
             TrainingLogWriter log = TrainingLogWriter.open(out.resolve(LOG), step);
             ProgressBar bar = options.progress() ? Progress.bar(model.objective().id(), total, step, System.err) : null) {
            while (step < stopAt) {
                long t0 = System.nanoTime();
                for (int j = 0; j < b; j++) corpus.read(sequence((long) step * b + j), ids, types, j * seq);
                int[] mask = new int[ids.length];
                for (int i = 0; i < ids.length; i++) mask[i] = ids[i] == padId ? 0 : 1;
                Batch batch = new Batch(b, seq, ids.clone(), types.clone(), mask);
                optimizer.zeroGrad();
                StepStats stats = model.trainStep(batch, Pretraining.mix(options.seed(), 1_000_000L + step));
                if (!Double.isFinite(stats.loss())) throw Divergence.ofLoss(stats.loss(), step);
                float lr = schedule.lr(step);
                optimizer.clipGradNorm(options.maxGradNorm());
                optimizer.step(lr);
                step++;
                pace.step();
                long dt = System.nanoTime() - t0;
                windowNanos += dt;
                trainNanos += dt;
                trainTokens += stats.realTokens();
                window = window.plus(stats);
                sinceSave = sinceSave.plus(stats);
                if (bar != null) {
                    bar.stepTo(step);
                    bar.setExtraMessage(" " + measures(stats, trainTokens / (trainNanos / 1e9)));
                }
                if (step % options.logEvery() == 0 || step == stopAt) {
                    log.write(logLine(log.newLine(), step, window, lr, windowNanos, step * flopsPerStep));
                    window = StepStats.ZERO;
                    windowNanos = 0;
                }
                if (step % options.saveEvery() == 0 || step == stopAt) {
                    save(new State(step, trajectory, start.seconds() + (System.nanoTime() - started) / 1e9,
                            trainNanos / 1e9, trainTokens), optimizer);
                    drawCurves();
                    String memory = model.encoderModel().backend().memorySummary();
                    if (bar == null) System.err.println(Progress.line(model.objective().id(), step, total, pace,
                            measures(sinceSave, trainTokens / (trainNanos / 1e9)))
                            + (memory.isEmpty() ? "" : " · " + memory));
                    sinceSave = StepStats.ZERO;
                }
            }
        }
        // Resumed at the last step (killed after its checkpoint, maybe during the export): export that step again.
        if (step == firstStep && resume) export();
        return new Result(step, total, start.seconds() + (System.nanoTime() - started) / 1e9, trainNanos == 0 ? 0 : trainTokens / (trainNanos / 1e9),
                step * flopsPerStep, TrainingLog.read(out.resolve(LOG)));
    }

    /**
     * The curves are a picture of the log, not a result: a machine that cannot draw them (a runtime without the
     * java.desktop module, no fonts, a path taken by something else) warns once and trains on.
     */
    private void drawCurves() {
        if (curvesFailed) return;
        try {
            PretrainCurves.write(out.resolve(LOG), out.resolve(CURVES), model.objective());
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Exception | Error e) {
            curvesFailed = true;
            System.err.println("pretrain: cannot draw " + out.resolve(CURVES) + " (" + e + "); training goes on without it, "
                    + LOG + " holds the same figures");
        }
    }

    /** The corpus index of the {@code k}-th sequence of the run: a fresh permutation per pass over the corpus. */
    private int sequence(long k) {
        int n = Math.toIntExact(corpus.size());
        int epoch = (int) (k / n);
        if (epoch != orderEpoch) {
            order = new int[n];
            for (int i = 0; i < n; i++) order[i] = i;
            SplittableRandom random = new SplittableRandom(Pretraining.mix(options.seed(), epoch));
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            orderEpoch = epoch;
        }
        return order[(int) (k % n)];
    }

    /** Loss, accuracy and speed for the bar (one step) or the plain line (the steps since the last checkpoint). */
    private String measures(StepStats s, double tokensPerSecond) {
        return model.objective() == Objective.ELECTRA
                ? String.format(Locale.ROOT, "loss %.3f · disc acc %.3f (base %.3f) · %.0f tok/s", s.meanLoss(),
                        s.discAccuracy(), s.baseRate(), tokensPerSecond)
                : String.format(Locale.ROOT, "loss %.3f · mlm acc %.3f · %.0f tok/s", s.meanLoss(), s.mlmAccuracy(), tokensPerSecond);
    }

    private ObjectNode logLine(ObjectNode line, int step, StepStats w, float lr, long nanos, double flops) {
        line.put("step", step);
        line.put("loss", round(w.meanLoss()));
        line.put("mlm_loss", round(w.meanMlmLoss()));
        line.put("mlm_accuracy", round(w.mlmAccuracy()));
        if (model.objective() == Objective.ELECTRA) {
            line.put("disc_loss", round(w.meanDiscLoss()));
            line.put("disc_accuracy", round(w.discAccuracy()));
            line.put("disc_base_rate", round(w.baseRate()));
            line.put("disc_information", round(w.discInformation()));
        }
        line.put("lr", lr);
        line.put("tokens_per_s", Math.round(w.realTokens() / (nanos / 1e9)));
        line.put("epoch", round((double) step * options.batchSize() / corpus.size()));
        line.put("flops", flops);
        return line;
    }

    /** Everything that shapes the weights; resuming under different values would silently train something else. */
    private Map<String, String> trajectory() throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("objective", model.objective().id());
        model.models().forEach((name, p) -> {
            ElectraConfig c = p.config();
            m.put(name, String.format(Locale.ROOT, "vocab %d, embedding %d, hidden %d, layers %d, heads %d, ffn %d",
                    c.vocabSize(), c.embeddingSize(), c.hiddenSize(), c.numHiddenLayers(), c.numAttentionHeads(), c.intermediateSize()));
        });
        m.put("dropout", Float.toString(model.encoderModel().config().hiddenDropoutProb()));
        new TreeMap<>(model.lossSettings()).forEach(m::put);
        m.put("steps", Integer.toString(options.steps()));
        m.put("batch_size", Integer.toString(options.batchSize()));
        m.put("seq_length", Integer.toString(corpus.seqLength()));
        m.put("lr", Float.toString(options.lr()));
        m.put("warmup_steps", Integer.toString(options.warmupSteps()));
        m.put("weight_decay", Float.toString(options.weightDecay()));
        m.put("max_grad_norm", Float.toString(options.maxGradNorm()));
        m.put("seed", Long.toString(options.seed()));
        m.put("corpus_sequences", Long.toString(corpus.size()));
        m.put("corpus_fingerprint", corpus.fingerprint());
        return m;
    }

    private void save(State state, AdamW optimizer) throws IOException {
        int step = state.step();
        synchronized (saving) {
            if (interrupted) return; // the JVM is stopping: the last checkpoint and models stay as they are, whole
            // Complete before the previous checkpoint is deleted, so a crash always leaves one to resume from.
            AtomicDirectory.replace(out.resolve("checkpoint-" + step), STATE, dir -> {
                Checkpoint.write(dir, model.models(), tokenizer, optimizer, step);
                Checkpoint.writeState(dir.resolve(STATE), state);
            });
            for (Path old : checkpoints(out))
                if (!old.getFileName().toString().equals("checkpoint-" + step)) AtomicDirectory.deleteTree(old);
            export();
            savedStep = step;
        }
    }

    /**
     * On Ctrl-C or SIGTERM: lets a checkpoint being written finish and starts no other, so the checkpoint and the
     * models beside it (the discriminator and the generator, a pair of one step) are whole when the JVM stops.
     */
    private void waitForSaves() {
        synchronized (saving) {
            interrupted = true;
            System.err.println("pretrain: interrupted; " + (savedStep < 0 ? "this run wrote no checkpoint"
                    : "checkpoint-" + savedStep + " and the models in " + out + " hold step " + savedStep
                    + "; --resume goes on from there"));
        }
    }

    /**
     * The models for use, each directory replaced whole: a resume reads only the checkpoint, and a run killed while
     * exporting is exported again when it is resumed, so the directories always hold one step's weights.
     */
    private void export() throws IOException {
        for (var e : model.models().entrySet())
            AtomicDirectory.replace(out.resolve(e.getKey()), ModelDirectory.CONFIG_FILE,
                    dir -> ModelDirectory.save(dir, e.getValue(), tokenizer, DType.F32));
    }

    private State restore(Path checkpoint, AdamW optimizer, Map<String, String> trajectory) throws IOException {
        State state = Checkpoint.readState(checkpoint.resolve(STATE), State.class, "pretraining state");
        Checkpoint.requireSameOptions(checkpoint, state.options(), trajectory);
        Checkpoint.restore(checkpoint, model.models(), optimizer, state.step());
        return state;
    }

    /** The complete checkpoint of the highest step, or null. */
    /**
     * Throws as {@link #run} would before any work, so that a command checks it before reading a corpus: a resumed
     * run needs a checkpoint in {@code out}, a new one an output directory without anything in it.
     */
    public static void requireStartable(Path out, boolean resume) throws IOException {
        boolean checkpoint = latestCheckpoint(out) != null;
        if (resume && !checkpoint) throw new IOException(out + ": no checkpoint-N directory to resume from");
        if (!resume && checkpoint)
            throw new IOException(out + " holds a checkpoint of an earlier run; continue it with --resume or choose another output directory");
        if (!resume) AtomicDirectory.requireEmpty(out, Set.of(LOG));
    }

    private static Path latestCheckpoint(Path out) throws IOException {
        return checkpoints(out).stream().max(Comparator.comparingLong(Pretrainer::checkpointStep)).orElse(null);
    }

    private static List<Path> checkpoints(Path out) throws IOException {
        if (!Files.isDirectory(out)) return List.of();
        try (Stream<Path> s = Files.list(out)) {
            return s.filter(p -> Files.isDirectory(p) && CHECKPOINT.matcher(p.getFileName().toString()).matches()).toList();
        }
    }

    private static long checkpointStep(Path p) {
        Matcher m = CHECKPOINT.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private static double round(double x) {
        return Math.round(x * 1e5) / 1e5;
    }
}
