package dev.raccoon.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.raccoon.model.ModelDirectory;
import dev.raccoon.model.PretrainedModel;
import dev.raccoon.model.io.Checkpoints;
import dev.raccoon.model.io.DType;
import dev.raccoon.model.io.SafeTensors;
import dev.raccoon.text.WordPieceTokenizer;
import dev.raccoon.train.optim.AdamW;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a resumable checkpoint of fine-tuning ({@link Trainer}) and of pretraining holds alike: the models as
 * Hugging Face directories, the AdamW moments, a JSON state, and the options a resumed run must share.
 */
public final class Checkpoint {
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";

    private static final ObjectMapper STATE_JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private Checkpoint() {
    }

    /** Writes each model into {@code dir} under its name ("" for {@code dir} itself), then the optimizer moments. */
    public static void write(Path dir, Map<String, ? extends PretrainedModel> models, WordPieceTokenizer tokenizer,
                             AdamW optimizer, int step) throws IOException {
        for (var e : models.entrySet()) ModelDirectory.save(dir.resolve(e.getKey()), e.getValue(), tokenizer, DType.F32);
        SafeTensors.write(dir.resolve(OPTIMIZER_FILE), optimizer.state(), Map.of("step", Integer.toString(step)), DType.F32);
    }

    /** Loads what {@link #write} wrote; a tensor that does not fit is an IOException, like an unreadable file. */
    public static void restore(Path dir, Map<String, ? extends PretrainedModel> models, AdamW optimizer, int step)
            throws IOException {
        try {
            for (var e : models.entrySet()) {
                Path modelDir = dir.resolve(e.getKey());
                e.getValue().loadStateDict(Checkpoints.readStateDict(modelDir), modelDir.toString());
            }
            optimizer.loadState(SafeTensors.read(dir.resolve(OPTIMIZER_FILE)), step);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Refuses to resume under options that shape the weights differently: it would silently train something else.
     * An option a checkpoint predates (written before it was recorded) is not compared.
     */
    public static void requireSameOptions(Path checkpoint, Map<String, String> saved, Map<String, String> now) {
        for (var e : now.entrySet()) {
            if (!saved.containsKey(e.getKey())) continue; // an option the checkpoint's version did not record yet
            String was = saved.get(e.getKey());
            if (e.getValue().equals(was)) continue;
            String key = e.getKey();
            if (key.endsWith("_fingerprint"))
                throw new IllegalArgumentException("cannot resume " + checkpoint + ": " + switch (key) {
                    case "vocab_fingerprint" -> "the vocabulary is not the interrupted run's (another file, or other rows)";
                    case "corpus_fingerprint" -> "the corpus is not the interrupted run's (another file, or other rows)";
                    case "teachers_fingerprint" -> "a teacher's files changed since the interrupted run (written anew at its path?)";
                    default -> "the " + key.substring(0, key.length() - "_fingerprint".length())
                            + " data are not the interrupted run's (another file, or other rows)";
                } + "; resume with the run's own");
            throw new IllegalArgumentException("cannot resume " + checkpoint + ": " + key + " was " + was
                    + " and is now " + e.getValue() + "; resume with the options of the interrupted run");
        }
    }

    /** Reads a state record in snake_case JSON; {@code what} names it in the error ("trainer state"). */
    public static <T> T readState(Path file, Class<T> type, String what) throws IOException {
        try {
            return STATE_JSON.readValue(file.toFile(), type);
        } catch (IOException e) {
            throw new IOException(file + ": cannot read the " + what + " (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
    }

    public static void writeState(Path file, Object state) throws IOException {
        STATE_JSON.writeValue(file.toFile(), state);
    }
}
