package dev.raccoon.train.pretrain;

import dev.raccoon.model.ElectraConfig;
import dev.raccoon.model.ModelDirectory;
import dev.raccoon.model.io.Checkpoints;
import dev.raccoon.model.PretrainedModel;
import dev.raccoon.text.WordPieceTokenizer;
import dev.raccoon.train.ModelInit;

import java.io.IOException;
import java.nio.file.Path;

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
        ElectraConfig config = ModelDirectory.readConfig(dir);
        if (config.isBert())
            throw new IOException(dir + ": a BERT model; pretraining starts from ELECTRA models only");
        ModelDirectory.requireVocabularyFits(dir, tokenizer, config);
        // before a model of config.json's sizes is built: a size typed wrong would ask for gigabytes
        ModelDirectory.requireSizesOfWeights(dir, config, Checkpoints.readStateDict(dir));
        return config;
    }

    /**
     * Loads the encoder of the model in {@code dir} into {@code model}, and its head as well when {@code dir} holds
     * the same architecture (a discriminator's into a discriminator, a masked LM's into a generator); any other
     * head stays as initialised. Returns a line saying what was loaded.
     */
    static String load(PretrainedModel model, Path dir) throws IOException {
        ModelDirectory.Contents source = ModelDirectory.read(dir);
        boolean withHead = source.architecture() == model.architecture();
        ModelInit.loadEncoder(model, dir, source, withHead);
        return "the encoder" + (withHead ? " and head" : "") + " of " + source.architecture().hfName + " " + dir;
    }
}
