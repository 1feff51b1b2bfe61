package dev.raccoon.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where a run stands, saved as {@code trainer_state.json} beside each resumable checkpoint. Every random choice
 * of a run is a function of {@code seed} and the step or epoch (batch order per epoch, dropout masks per step),
 * so the seed and the position are the whole RNG state.
 *
 * @param step         optimizer steps done
 * @param epoch        the epoch in progress (0-based)
 * @param batchInEpoch batches of that epoch already trained on
 * @param seed         the run's seed
 * @param bestMetric   best dev metric so far (NaN until an evaluation gives a defined one)
 * @param bestStep     the step it was reached at (-1 until then)
 * @param metric       the name of the dev metric that picks the best checkpoint
 * @param options      the options that shape the trajectory; a resumed run must use the same
 * @param logLossSum   the training loss summed over the steps since the last log line, and
 * @param logLossCount how many: a resumed run's next log line then averages the same steps as an uninterrupted one
 *                     (0 and 0 in checkpoints written before these were kept)
 * @param seconds      the run's time so far, and
 * @param trainSeconds the part of it spent in training steps, and
 * @param examples     the examples trained on: a resumed run reports the whole run's (0 in checkpoints written before
 *                     these were kept)
 */
public record TrainerState(int step, int epoch, int batchInEpoch, long seed, double bestMetric, int bestStep,
                           String metric, Map<String, String> options, double logLossSum, int logLossCount,
                           double seconds, double trainSeconds, long examples) {
    public static final String FILE = "trainer_state.json";

    public static TrainerState read(Path dir) throws IOException {
        return Checkpoint.readState(dir.resolve(FILE), TrainerState.class, "trainer state");
    }

    public void write(Path dir) throws IOException {
        Checkpoint.writeState(dir.resolve(FILE), this);
    }
}
