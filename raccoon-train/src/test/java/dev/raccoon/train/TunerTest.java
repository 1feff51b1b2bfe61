package dev.raccoon.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
}
