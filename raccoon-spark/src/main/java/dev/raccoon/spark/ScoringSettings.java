package dev.raccoon.spark;

import dev.raccoon.api.Classifier;
import dev.raccoon.text.Truncation;

import java.io.Serializable;

/**
 * What a task needs to find and run the model, as a serializable value that Spark ships with each task
 * ({@link Classifier.Options} is not serializable).
 *
 * @param modelDir  a model directory readable on every executor: an absolute path on a shared filesystem, or a
 *                  name that {@code --files}/{@code --archives} put into the executors' working or SparkFiles
 *                  directory
 * @param device    "cpu" or "scalar"
 * @param threads   the Classifier's CPU threads, one executor-wide model shared by all of the executor's tasks (0: all
 *                  the executor's cores)
 * @param maxLength  tokens per text; longer texts are truncated
 * @param batchSize  texts per forward pass
 * @param truncation which tokens of a longer text are read (head and tail by default, as {@code raccoon score})
 */
public record ScoringSettings(String modelDir, String device, int threads, int maxLength, int batchSize,
                              Truncation truncation) implements Serializable {
    /**
     * Texts handed to the classifier at once. It sorts them by length before cutting forward batches, so a chunk of
     * many batches pads less than one batch would; it is held in memory, so it is kept to a few thousand rows.
     */
    static final int BATCHES_PER_CHUNK = 32;

    public ScoringSettings {
        if (modelDir == null || modelDir.isBlank()) throw new IllegalArgumentException("modelDir is required");
        if (!"cpu".equals(device) && !"scalar".equals(device))
            throw new IllegalArgumentException("device '" + device + "': Spark executors run the model on their CPUs, with cpu or scalar");
        options(device, threads, maxLength, batchSize, truncation); // validates
    }

    /** Without a {@link #truncation}: head and tail, the default reading. */
    public ScoringSettings(String modelDir, String device, int threads, int maxLength, int batchSize) {
        this(modelDir, device, threads, maxLength, batchSize, Truncation.HEAD_AND_TAIL);
    }

    public static ScoringSettings of(String modelDir) {
        Classifier.Options d = Classifier.Options.defaults();
        return new ScoringSettings(modelDir, d.device(), 1, d.maxLength(), d.batchSize(), d.truncation());
    }

    public ScoringSettings withThreads(int n) { return new ScoringSettings(modelDir, device, n, maxLength, batchSize, truncation); }

    public ScoringSettings withMaxLength(int n) { return new ScoringSettings(modelDir, device, threads, n, batchSize, truncation); }

    public ScoringSettings withBatchSize(int n) { return new ScoringSettings(modelDir, device, threads, maxLength, n, truncation); }

    public ScoringSettings withDevice(String d) { return new ScoringSettings(modelDir, d, threads, maxLength, batchSize, truncation); }

    public ScoringSettings withTruncation(Truncation t) { return new ScoringSettings(modelDir, device, threads, maxLength, batchSize, t); }

    Classifier.Options options() {
        return options(device, threads, maxLength, batchSize, truncation);
    }

    int chunkRows() {
        return batchSize * BATCHES_PER_CHUNK;
    }

    private static Classifier.Options options(String device, int threads, int maxLength, int batchSize,
                                              Truncation truncation) {
        return new Classifier.Options(device, threads, maxLength, batchSize, truncation);
    }
}
