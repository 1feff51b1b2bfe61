package dev.raccoon.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.train.data.Example;
import dev.raccoon.train.data.Labels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TunerTest {
    private static final Trainer.Options BASE = Trainer.Options.defaults(Trainer.Task.CLASSIFY);

    private static Tuner.Space space(Path tmp, String json) throws IOException {
        Path file = tmp.resolve("space.json");
        Files.writeString(file, json);
        return Tuner.Space.read(file);
    }

    @Test
    void gridCoversEveryCombinationAndKeepsBaseValuesOfAbsentKeys(@TempDir Path tmp) throws IOException {
        Tuner.Space s = space(tmp, "{\"lr\": [5e-5, 1e-4], \"epochs\": [1, 2], \"warmup\": 0.06, \"dropout\": [0.1, 0.2]}");
        List<Tuner.Trial> grid = Tuner.grid(s, BASE);
        assertThat(grid).hasSize(8);
        assertThat(grid).extracting(Tuner.Trial::index).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(grid).allMatch(t -> t.batchSize() == BASE.batchSize() && t.warmup() == 0.06f);
        assertThat(grid.getFirst()).isEqualTo(new Tuner.Trial(1, 5e-5f, 1, 0.06f, 32, 0.1f));
        assertThat(grid.stream().map(t -> List.of(t.lr(), t.epochs(), t.dropout())).distinct()).hasSize(8);
    }

    /** train, distill and pretrain refuse --resume where there is nothing to resume; a search of hours must too. */
    @Test
    void resumingWhereNoSearchWasIsRefused(@TempDir Path tmp) throws IOException {
        for (Path out : List.of(tmp.resolve("typo"), Files.createDirectory(tmp.resolve("started-and-killed-at-once"))))
            assertThatThrownBy(() -> Tuner.requireOutput(out, true)).hasMessage(out + ": no search to resume (no results.json"
                    + " or trial-1 in it); check --out, or leave out --resume to start a new search");
        Files.createDirectories(tmp.resolve("interrupted/trial-1"));
        Tuner.requireOutput(tmp.resolve("interrupted"), true);
    }

    @Test
    void randomSearchDrawsDistinctPointsReproducibly(@TempDir Path tmp) throws IOException {
        Tuner.Space s = space(tmp, "{\"lr\": [1e-5, 3e-5, 5e-5, 1e-4], \"batch_size\": [16, 32, 64]}");
        List<Tuner.Trial> a = Tuner.random(s, BASE, 5, 3);
        assertThat(a).hasSize(5).doesNotHaveDuplicates();
        assertThat(a).extracting(Tuner.Trial::index).containsExactly(1, 2, 3, 4, 5);
        assertThat(Tuner.random(s, BASE, 5, 3)).isEqualTo(a);
        assertThat(a).allMatch(t -> t.dropout() == null);
        assertThat(Tuner.random(s, BASE, 100, 3)).hasSize(12);
    }

    @Test
    void badSpacesAreNamed(@TempDir Path tmp) {
        assertThatThrownBy(() -> space(tmp, "{\"learning_rate\": [1e-4]}")).hasMessageContaining("unknown hyperparameter \"learning_rate\"");
        assertThatThrownBy(() -> space(tmp, "{\"epochs\": [1.5]}")).hasMessageContaining("not a whole number");
        assertThatThrownBy(() -> space(tmp, "{\"lr\": []}")).hasMessageContaining("lists no values");
        assertThatThrownBy(() -> space(tmp, "[1]")).hasMessageContaining("expected a JSON object");
        assertThatThrownBy(() -> space(tmp, "{\"lr\": [1e-4,]}")).hasMessageContaining("not valid JSON (")
                .hasMessageContaining("(line 1, column 14: ").hasMessageNotContaining("REDACTED");
        assertThatThrownBy(() -> space(tmp, "{\"lr\": [1e-4")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not valid JSON (").hasMessageNotContaining("Source");
        assertThatThrownBy(() -> space(tmp, "{\"lr\": [1e-4], \"lr\": [1e-3]}")).hasMessageContaining("Duplicate field 'lr'");
        assertThatThrownBy(() -> space(tmp, "{\"epochs\": [1e12]}")).hasMessageContaining("not a whole number of int range");
        assertThatThrownBy(() -> space(tmp, "{\"batch_size\": [100000000000]}")).hasMessageContaining("not a whole number of int range");
        assertThatThrownBy(() -> space(tmp, "{\"lr\": [1e400]}")).hasMessageContaining("beyond a float's range");
    }

    /** A bad value anywhere in the space fails before the first trial, not after the trials before it. */
    @Test
    void everyPointIsCheckedBeforeAnyTrialRuns(@TempDir Path tmp) throws IOException {
        assertThatThrownBy(() -> Tuner.grid(space(tmp, "{\"lr\": [1e-3, -1]}"), BASE)).hasMessageContaining("learning rate must be positive and finite, got -1");
        assertThatThrownBy(() -> Tuner.grid(space(tmp, "{\"epochs\": [1, 0]}"), BASE)).hasMessageContaining("epochs must be at least 1");
        assertThatThrownBy(() -> Tuner.grid(space(tmp, "{\"batch_size\": [0]}"), BASE)).hasMessageContaining("batch size");
        assertThatThrownBy(() -> Tuner.grid(space(tmp, "{\"warmup\": [2]}"), BASE)).hasMessageContaining("warmup");
        assertThatThrownBy(() -> Tuner.random(space(tmp, "{\"dropout\": [0.1, 1.2]}"), BASE, 1, 3)).hasMessageContaining("dropout must lie in [0, 1), got 1.2");
        assertThat(Tuner.grid(space(tmp, "{\"lr\": [5e-4, 5e-4], \"epochs\": [2, 2]}"), BASE)).hasSize(1);
    }

    /**
     * A point of the space that diverges is a result of the search, not the end of it: recorded (table, results.json,
     * its directory) with no metric, never best, and skipped by a resumed search instead of run again.
     */
    @Test
    void aDivergingTrialIsRecordedAndTheSearchGoesOn(@TempDir Path tmp) throws IOException {
        List<Example> train = TestData.nsmc("train.tsv", 16);
        List<Example> dev = TestData.nsmc("dev.tsv", 8);
        Trainer.Options base = BASE.withBatchSize(16).withWarmup(0).withMaxLength(32);
        List<Tuner.Trial> trials = Tuner.grid(space(tmp, "{\"lr\": [1e30, 1e-3], \"epochs\": [1]}"), base);
        Path out = tmp.resolve("search");
        try (Backend scalar = Backends.scalar()) {
            AtomicInteger models = new AtomicInteger();
            Tuner.ModelFactory factory = dropout -> {
                models.incrementAndGet();
                return ModelInit.fresh(ModelInit.Preset.TINY, TestData.vocab(), Labels.BINARY.names(),
                        "single_label_classification", dropout, 7, scalar);
            };
            List<Tuner.TrialResult> results = Tuner.run(trials, base, factory, train, dev, out, false, r -> {});
            assertThat(results).hasSize(2);
            assertThat(results.getFirst().divergence()).endsWith("at step 1");
            assertThat(results.getFirst().ranked()).isFalse();
            assertThat(Tuner.best(results)).isSameAs(results.get(1));
            JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
            assertThat(json.at("/trials/0/diverged").asText()).isEqualTo(results.getFirst().divergence());
            assertThat(json.at("/trials/0/dev_accuracy").isNull()).isTrue();
            assertThat(json.at("/best/trial").asInt()).isEqualTo(2);

            models.set(0);
            List<Tuner.TrialResult> resumed = Tuner.run(trials, base, factory, train, dev, out, true, r -> {});
            assertThat(resumed.getFirst().divergence()).isEqualTo(results.getFirst().divergence());
            assertThat(models).hasValue(2); // trial 2 checked and read back; trial 1 not built, let alone trained
        }
    }

    /** NaN compares false with everything: a trial with an undefined metric that came first stayed best. */
    @Test
    void aTrialWithAnUndefinedMetricIsNeverBest() {
        Tuner.TrialResult undefined = trial(1, Double.NaN, -1), scored = trial(2, 0.15, 10);
        assertThat(Tuner.best(List.of(undefined, scored))).isSameAs(scored);
        assertThat(Tuner.best(List.of(undefined))).isNull();
    }

    private static Tuner.TrialResult trial(int index, double metric, int bestStep) {
        Trainer.Result result = new Trainer.Result("dev_spearman", metric, bestStep, Map.of("dev_spearman", metric), 30, 30, 1, 1);
        return new Tuner.TrialResult(new Tuner.Trial(index, 1e-3f, 3, 0, 16, null), Path.of("trial-" + index), result, null);
    }
}
