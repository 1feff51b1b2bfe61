package dev.raccoon.train.pretrain;

import dev.raccoon.engine.HostTensor;
import dev.raccoon.model.Architecture;
import dev.raccoon.model.ElectraConfig;
import dev.raccoon.model.ModelDirectory;
import dev.raccoon.model.PretrainedModel;
import dev.raccoon.model.io.Checkpoints;
import dev.raccoon.text.WordPieceTokenizer;
import dev.raccoon.train.ModelInit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Hugging Face ELECTRA directories that a pretraining run's models start from instead of fresh weights: to go on
 * pretraining a published model on one's own text (KoELECTRA's discriminator and generator), or to start ELECTRA's
 * discriminator from a masked LM pretrained first.
 */
public final class InitialWeights {
    private InitialWeights() {
    }

    /**
     * The config of the ELECTRA model in {@code dir}, which the run's model must take to load it; {@code tokenizer},
     * the directory's, must fit its vocabulary size.
     */
    public static ElectraConfig config(Path dir, WordPieceTokenizer tokenizer) throws IOException {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) throw new IOException(dir + ": no config.json in the model directory");
        ElectraConfig config = ElectraConfig.read(file);
        if (config.isBert())
            throw new IOException(dir + ": a BERT model; pretraining starts from ELECTRA models only");
        ModelDirectory.requireVocabularyFits(dir, tokenizer, config);
        return config;
    }

    /**
     * Loads the encoder of the model in {@code dir} into {@code model}, and its head as well when {@code dir} holds
     * the same architecture (a discriminator's into a discriminator, a masked LM's into a generator); any other
     * head stays as initialised. Returns a line saying what was loaded.
     */
    static String load(PretrainedModel model, Path dir) throws IOException {
        ElectraConfig source = ElectraConfig.read(dir.resolve("config.json"));
        Map<String, HostTensor> state = Checkpoints.readStateDict(dir);
        Architecture architecture;
        try {
            architecture = Architecture.detect(source.architectures(), state.keySet(), false);
        } catch (IllegalArgumentException e) {
            throw new IOException(dir.resolve("config.json") + ": " + e.getMessage(), e);
        }
        boolean withHead = architecture == model.architecture();
        try {
            ModelInit.loadEncoder(model, state, architecture.encoderPrefix, withHead, dir.toString());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        return "the encoder" + (withHead ? " and head" : "") + " of " + architecture.hfName + " " + dir;
    }
}
