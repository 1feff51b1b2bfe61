package dev.raccoon.cli;

import dev.raccoon.engine.Backend;
import dev.raccoon.train.ModelInit;
import dev.raccoon.train.run.OutputLock;
import dev.raccoon.train.run.Progress;
import dev.raccoon.train.Trainer;
import dev.raccoon.train.Tuner;
import dev.raccoon.train.data.Example;
import dev.raccoon.train.data.Labels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

@Command(name = "tune", description = {"Searches learning rate, epochs, warmup, batch size and dropout: a grid, or --trials random points of it.",
        "Trials run one after another in OUT/trial-K; OUT/results.json lists their dev results and the best.",
        "A trial that diverges (its loss or outputs became NaN) is recorded as such and the search goes on."})
final class TuneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TrainingOptions training;

    @Mixin
    TrainingTaskOption task;

    @Option(names = "--space", paramLabel = "FILE", required = true,
            description = "JSON search space, e.g. {\"lr\": [5e-5, 1e-4], \"epochs\": [1, 2], \"warmup\": [0.1], \"batch_size\": [32], \"dropout\": [0.1]}.")
    Path space;

    @Option(names = "--resume", description = "Go on with the interrupted search in OUT: finished trials are kept, the interrupted one continues (same options as that search).")
    boolean resume;

    @Option(names = "--trials", paramLabel = "N", description = "Random search: N distinct points of the grid (default: the whole grid).")
    Integer trials;

    @Override
    public Integer call() throws Exception {
        Trainer.Options base = training.options(spec, task.task(spec), 0);
        if (trials != null && trials < 1) throw TrainingOptions.usage(spec, "--trials must be at least 1");
        Tuner.Space s;
        try {
            s = Tuner.Space.read(space);
        } catch (IllegalArgumentException e) {
            throw TrainingOptions.usage(spec, e.getMessage());
        }
        // An option the space also sets would be silently ignored: the space decides, so the option is a mistake.
        Map<String, Boolean> searched = Map.of("--lr", !s.lr().isEmpty(), "--epochs", !s.epochs().isEmpty(),
                "--warmup", !s.warmup().isEmpty(), "--batch-size", !s.batchSize().isEmpty(), "--dropout", !s.dropout().isEmpty());
        for (var e : new TreeMap<>(searched).entrySet())
            if (e.getValue() && spec.commandLine().getParseResult().hasMatchedOption(e.getKey()))
                throw TrainingOptions.usage(spec, e.getKey() + " is searched by " + space + ", which sets its values; give it in one place");
        List<Tuner.Trial> plan;
        try {
            plan = trials == null ? Tuner.grid(s, base) : Tuner.random(s, base, trials, base.seed());
        } catch (IllegalArgumentException e) {
            throw TrainingOptions.usage(spec, space + ": " + e.getMessage());
        }
        try (var _ = OutputLock.acquire(training.out)) {
            Tuner.requireOutput(training.out, resume); // before the data are read and the table's header is printed
            PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
            if (trials != null && trials > plan.size())
                err.println("raccoon tune: --trials " + trials + " is more than the " + plan.size()
                        + (plan.size() == 1 ? " point of the grid; it runs" : " points of the grid; all of them run"));
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            Labels labels = training.labels(spec, base.task());
            DataOptions.Split split = training.read(spec, labels, err);
            List<Example> train = split.train(), dev = split.dev();
            String metric = base.task().metric();
            List<Tuner.TrialResult> results;
            try (Backend backend = training.compute.backend(spec)) {
                out.printf(Locale.ROOT, "%d %s (%s)%n%-6s %-9s %-6s %-6s %-6s %-7s %-12s %s%n", plan.size(), plan.size() == 1 ? "trial" : "trials",
                        ComputeOptions.describe(backend), "trial", "lr", "epochs", "warmup", "batch", "dropout", metric, "time");
                AtomicBoolean noted = new AtomicBoolean(); // every trial starts from the same model, so once
                results = Tuner.run(plan, base, dropout -> {
                    ModelInit start = training.model(labels, dropout != null ? dropout : training.dropout, base.task(), backend);
                    if (!noted.getAndSet(true)) TrainingOptions.noteMaxLength(base, start, err);
                    return start;
                }, train, dev, training.out, resume, r -> out.println(row(r)));
            }
            Tuner.TrialResult best = Tuner.best(results);
            out.println("results: " + training.out.resolve("results.json"));
            if (best == null)
                throw new IllegalStateException("no trial gave a model to choose: each diverged or had an undefined " + metric
                        + "; try lower learning rates in " + space);
            out.printf(Locale.ROOT, "best: trial %d, %s %.4f: --lr %s --epochs %d --warmup %s --batch-size %d%s (model %s)%n",
                    best.trial().index(), metric, best.result().bestMetric(), plain(best.trial().lr()), best.trial().epochs(),
                    plain(best.trial().warmup()), best.trial().batchSize(),
                    best.trial().dropout() == null ? "" : " --dropout " + best.trial().dropout(), best.dir().resolve("best"));
        }
        return 0;
    }

    /** A trial's line of the table; one that diverged says how instead of a metric and a time. */
    private static String row(Tuner.TrialResult r) {
        Tuner.Trial t = r.trial();
        String values = String.format(Locale.ROOT, "%-6d %-9s %-6d %-6s %-6d %-7s ", t.index(), plain(t.lr()), t.epochs(),
                plain(t.warmup()), t.batchSize(), t.dropout() == null ? "-" : plain(t.dropout()));
        if (r.divergence() != null) return values + "diverged: " + r.divergence() + " (left out of the ranking)";
        double metric = r.result().bestMetric();
        return values + String.format(Locale.ROOT, "%-12s %s", r.ranked() ? String.format(Locale.ROOT, "%.4f", metric) : "undefined",
                Progress.duration(r.result().seconds()));
    }

    /** 0.0005, not 5.0E-4: the table's numbers are read beside each other and copied into options. */
    private static String plain(float x) {
        return new BigDecimal(Float.toString(x)).stripTrailingZeros().toPlainString();
    }
}
