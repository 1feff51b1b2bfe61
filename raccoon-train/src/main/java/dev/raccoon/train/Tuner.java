package dev.raccoon.train;

import dev.raccoon.train.run.AtomicDirectory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.text.JsonProblems;
import dev.raccoon.train.data.Example;
import dev.raccoon.train.metrics.Json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Hyperparameter search: a grid over learning rate, epochs, warmup, batch size and dropout, or a random sample of
 * that grid. Trials run one after another, each a full {@link Trainer} run in {@code DIR/trial-K}, all with the
 * same seed so they differ only in the searched values; {@code DIR/results.json} is rewritten after every trial.
 */
public final class Tuner {
    /**
     * Values to try per hyperparameter; an empty list keeps the base run's value.
     *
     * @param dropout dropout values; empty keeps the model's own
     */
    public record Space(List<Float> lr, List<Integer> epochs, List<Float> warmup, List<Integer> batchSize,
                        List<Float> dropout) {
        private static final List<String> KEYS = List.of("lr", "epochs", "warmup", "batch_size", "dropout");

        /**
         * Reads {@code {"lr": [5e-5, 1e-4], "epochs": [1, 2], ...}}; a single number stands for a list of one.
         *
         * @throws IOException              when the file cannot be read
         * @throws IllegalArgumentException when its content is no such space (the message names the file)
         */
        public static Space read(Path file) throws IOException {
            JsonNode root;
            try (InputStream in = Files.newInputStream(file)) {
                root = JSON.reader().with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).readTree(in);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(file + ": not valid JSON (" + JsonProblems.describe(e) + ")", e);
            }
            if (root == null || !root.isObject()) throw new IllegalArgumentException(file + ": expected a JSON object such as {\"lr\": [5e-5, 1e-4]}");
            for (var it = root.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!KEYS.contains(key)) throw new IllegalArgumentException(file + ": unknown hyperparameter \"" + key + "\"; expected " + KEYS);
            }
            return new Space(floats(file, root, "lr"), ints(file, root, "epochs"), floats(file, root, "warmup"),
                    ints(file, root, "batch_size"), floats(file, root, "dropout"));
        }

        private static List<JsonNode> values(Path file, JsonNode root, String key) {
            JsonNode v = root.get(key);
            if (v == null) return List.of();
            List<JsonNode> out = new ArrayList<>();
            if (v.isArray()) v.forEach(out::add); else out.add(v);
            if (out.isEmpty()) throw new IllegalArgumentException(file + ": \"" + key + "\" lists no values");
            for (JsonNode n : out)
                if (!n.isNumber()) throw new IllegalArgumentException(file + ": \"" + key + "\" holds " + n + ", not a number");
            return out;
        }

        private static List<Float> floats(Path file, JsonNode root, String key) {
            List<Float> out = new ArrayList<>();
            for (JsonNode n : values(file, root, key)) {
                float value = n.floatValue();
                if (!Float.isFinite(value))
                    throw new IllegalArgumentException(file + ": \"" + key + "\" holds " + n + ", beyond a float's range");
                out.add(value);
            }
            return out.stream().distinct().toList(); // a value listed twice is one point, not two identical trials
        }

        private static List<Integer> ints(Path file, JsonNode root, String key) {
            List<Integer> out = new ArrayList<>();
            for (JsonNode n : values(file, root, key)) {
                if (!n.canConvertToExactIntegral() || !n.canConvertToInt())
                    throw new IllegalArgumentException(file + ": \"" + key + "\" holds " + n + ", not a whole number of int range");
                out.add(n.intValue());
            }
            return out.stream().distinct().toList();
        }
    }

    /** One point of the space; {@code dropout} null keeps the model's own. */
    public record Trial(int index, float lr, int epochs, float warmup, int batchSize, Float dropout) {
        public Trial {
            if (dropout != null && !(dropout >= 0 && dropout < 1))
                throw new IllegalArgumentException("dropout must lie in [0, 1), got " + dropout);
        }

        Trainer.Options apply(Trainer.Options base) {
            return base.withLr(lr).withEpochs(epochs).withWarmup(warmup).withBatchSize(batchSize);
        }

        /** The point's values, as its checkpoints record them: a resume under another space names the trial that moved. */
        String describe() {
            return "lr " + lr + ", epochs " + epochs + ", warmup " + warmup + ", batch size " + batchSize
                    + ", dropout " + (dropout == null ? "the model's" : dropout);
        }

        Map<String, String> provenance() {
            return Map.of("trial", describe());
        }
    }

    /**
     * A trial's outcome: its run's result, or for a trial that diverged ({@link Divergence}), what happened and no
     * result.
     */
    public record TrialResult(Trial trial, Path dir, Trainer.Result result, String divergence) {
        /** Whether it has a best checkpoint chosen by a defined metric, and so a place in the ranking. */
        public boolean ranked() {
            return divergence == null && result.bestStep() >= 0 && !Double.isNaN(result.bestMetric());
        }
    }

    /** Builds the starting model of a trial for a dropout (null: the model's own). */
    public interface ModelFactory {
        ModelInit create(Float dropout) throws IOException;
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String RESULTS = "results.json";
    /** In a trial's directory: that it diverged, and how; a resumed search keeps the trial as it was. */
    private static final String DIVERGED = "diverged.txt";

    private Tuner() {
    }

    /**
     * Every combination, learning rate varying slowest; each is checked here, so a bad value in the space fails
     * before any trial runs, not hours into the search.
     *
     * @throws IllegalArgumentException naming the first value that no training run accepts
     */
    public static List<Trial> grid(Space space, Trainer.Options base) {
        List<Trial> trials = new ArrayList<>();
        for (float lr : orBase(space.lr(), base.lr()))
            for (int epochs : orBase(space.epochs(), base.epochs()))
                for (float warmup : orBase(space.warmup(), base.warmup()))
                    for (int batch : orBase(space.batchSize(), base.batchSize()))
                        for (Float dropout : space.dropout().isEmpty() ? Collections.<Float>singletonList(null) : space.dropout())
                            trials.add(new Trial(trials.size() + 1, lr, epochs, warmup, batch, dropout));
        trials.forEach(t -> t.apply(base));
        return trials;
    }

    /** {@code n} distinct combinations drawn from the grid with {@code seed} (the whole grid when it is smaller). */
    public static List<Trial> random(Space space, Trainer.Options base, int n, long seed) {
        if (n < 1) throw new IllegalArgumentException("random search needs at least 1 trial, got " + n);
        List<Trial> all = new ArrayList<>(grid(space, base));
        Collections.shuffle(all, new Random(seed));
        List<Trial> chosen = new ArrayList<>();
        for (Trial t : all.subList(0, Math.min(n, all.size())))
            chosen.add(new Trial(chosen.size() + 1, t.lr(), t.epochs(), t.warmup(), t.batchSize(), t.dropout()));
        return chosen;
    }

    private static <T> List<T> orBase(List<T> values, T base) {
        return values.isEmpty() ? List.of(base) : values;
    }

    /**
     * Runs the trials in order. {@code onDone} sees each result as it comes (for printing); results.json holds
     * every finished trial and the best one. With {@code resume}, an interrupted search goes on: finished trials are
     * read back, the interrupted one continues from its checkpoint (or starts again if it had none), the rest run.
     * A trial that diverges is recorded as such and the search goes on: its values came from the space, not from
     * the user, and the others may well be fine.
     */
    public static List<TrialResult> run(List<Trial> trials, Trainer.Options base, ModelFactory models,
                                        List<Example> train, List<Example> dev, Path out, boolean resume,
                                        Consumer<TrialResult> onDone) throws IOException {
        requireOutput(out, resume);
        if (resume) // a trial that cannot go on must stop the search before the finished ones rewrite results.json without it
            for (Trial trial : trials) {
                Path dir = trialDir(out, trial);
                if (!Files.isDirectory(dir) || Files.exists(dir.resolve(DIVERGED))) continue;
                Trainer trainer = trainer(trial, trials.size(), base, models, out);
                if (!trainer.hasCheckpoint()) continue;
                // the point first: a space edited since would otherwise read as one option changed by hand
                Trainer.requireOutput(dir, true, trial.provenance());
                trainer.requireResumable(train, dev);
            }
        Files.createDirectories(out);
        List<TrialResult> results = new ArrayList<>();
        for (Trial trial : trials) {
            Path dir = trialDir(out, trial);
            TrialResult r;
            if (resume && Files.exists(dir.resolve(DIVERGED))) {
                r = new TrialResult(trial, dir, null, Files.readString(dir.resolve(DIVERGED)).strip());
            } else {
                Trainer trainer = trainer(trial, trials.size(), base, models, out);
                boolean continuing = resume && trainer.hasCheckpoint();
                if (resume && !continuing) AtomicDirectory.deleteTree(dir); // killed before its first checkpoint: nothing to keep
                try {
                    r = new TrialResult(trial, dir, trainer.train(train, dev, continuing), null);
                } catch (Divergence e) {
                    Files.createDirectories(dir);
                    Files.writeString(dir.resolve(DIVERGED), e.event() + "\n");
                    r = new TrialResult(trial, dir, null, e.event());
                }
            }
            results.add(r);
            writeResults(out.resolve(RESULTS), base.task().metric(), results);
            onDone.accept(r);
        }
        return results;
    }

    /**
     * What {@link #run} checks of {@code out} before any work, for a command to check before it reads data: a new
     * search needs an empty output directory, and one that holds an earlier search's results is pointed at --resume;
     * a resumed one needs an earlier search there (a mistyped --out would start a whole new one without a word).
     */
    public static void requireOutput(Path out, boolean resume) throws IOException {
        boolean earlier = Files.exists(out.resolve(RESULTS)) || Files.isDirectory(trialDir(out, 1));
        if (resume && !earlier)
            throw new IOException(out + ": no search to resume (no " + RESULTS + " or trial-1 in it); check --out, or leave out --resume to start a new search");
        if (resume) return;
        if (earlier)
            throw new IOException(out + " holds an earlier search; continue it with --resume or choose another output directory");
        AtomicDirectory.requireEmpty(out);
    }

    private static Trainer trainer(Trial trial, int trials, Trainer.Options base, ModelFactory models, Path out) throws IOException {
        ModelInit start = models.create(trial.dropout());
        return new Trainer(start.model(), start.tokenizer(), trial.apply(base), trialDir(out, trial))
                .named("trial " + trial.index() + "/" + trials).recording(trial.provenance());
    }

    private static Path trialDir(Path out, Trial trial) {
        return trialDir(out, trial.index());
    }

    private static Path trialDir(Path out, int index) {
        return out.resolve("trial-" + index);
    }

    /**
     * The trial with the highest selection metric, of those {@link TrialResult#ranked ranked} (a NaN compares false
     * with everything, so it would otherwise stay best when it came first); null when none is.
     */
    public static TrialResult best(List<TrialResult> results) {
        TrialResult best = null;
        for (TrialResult r : results)
            if (r.ranked() && (best == null || r.result().bestMetric() > best.result().bestMetric())) best = r;
        return best;
    }

    private static void writeResults(Path file, String metric, List<TrialResult> results) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("metric", metric);
        ArrayNode trials = root.putArray("trials");
        for (TrialResult r : results) trials.add(toJson(r, metric, file.getParent()));
        TrialResult best = best(results);
        if (best != null) root.set("best", toJson(best, metric, file.getParent())); else root.putNull("best");
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), root);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static ObjectNode toJson(TrialResult r, String metric, Path base) {
        ObjectNode o = JSON.createObjectNode();
        Trial t = r.trial();
        o.put("trial", t.index());
        o.put("lr", t.lr());
        o.put("epochs", t.epochs());
        o.put("warmup", t.warmup());
        o.put("batch_size", t.batchSize());
        if (t.dropout() != null) o.put("dropout", t.dropout()); else o.putNull("dropout");
        if (r.divergence() != null) {
            o.put("diverged", r.divergence());
            o.putNull(metric);
            o.putNull("model");
            return o;
        }
        Json.put(o, metric, r.result().bestMetric()); // null where undefined, as eval --json writes it
        r.result().lastDev().forEach((k, v) -> Json.put(o, "last_" + k, v));
        o.put("best_step", r.result().bestStep());
        o.put("seconds", Math.round(r.result().seconds() * 10) / 10.0);
        o.put("examples_per_s", Math.round(r.result().examplesPerSecond() * 10) / 10.0);
        if (r.result().bestStep() >= 0) o.put("model", base.relativize(r.dir().resolve("best")).toString());
        else o.putNull("model");
        return o;
    }
}
