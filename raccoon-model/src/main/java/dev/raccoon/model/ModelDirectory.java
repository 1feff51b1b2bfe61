package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.HostTensor;
import dev.raccoon.model.io.Checkpoints;
import dev.raccoon.model.io.DType;
import dev.raccoon.model.io.SafeTensors;
import dev.raccoon.text.WordPieceTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face model directory: config.json, vocab.txt, tokenizer_config.json and model.safetensors
 * (or pytorch_model.bin). Reading checks everything before a parameter is used; writing is what
 * transformers' {@code from_pretrained} loads as is.
 */
public record ModelDirectory(Path dir, ElectraConfig config, WordPieceTokenizer tokenizer, PretrainedModel model) {

    /** Every token id of the tokenizer must have an embedding row. */
    public static void requireVocabularyFits(Path dir, WordPieceTokenizer tokenizer, ElectraConfig config) throws IOException {
        if (tokenizer.vocab().size() > config.vocabSize())
            throw new IOException(dir + ": vocab.txt has " + tokenizer.vocab().size() + " tokens but config.json says vocab_size "
                    + config.vocabSize());
    }

    public static ModelDirectory load(Path dir, Backend backend) throws IOException {
        if (!Files.isDirectory(dir)) throw new IOException(dir + ": no such model directory");
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) throw new IOException(dir + ": no config.json in the model directory");
        ElectraConfig config = ElectraConfig.read(configFile);
        WordPieceTokenizer tokenizer = WordPieceTokenizer.load(dir);
        requireVocabularyFits(dir, tokenizer, config);
        Map<String, HostTensor> state = Checkpoints.readStateDict(dir);
        Architecture architecture;
        try {
            architecture = Architecture.detect(config.architectures(), state.keySet(), config.isBert());
        } catch (IllegalArgumentException e) {
            throw new IOException(configFile + ": " + e.getMessage(), e);
        }
        PretrainedModel model = PretrainedModel.create(architecture, config, backend);
        try {
            model.loadStateDict(state, dir.toString());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        return new ModelDirectory(dir, config, tokenizer, model);
    }

    /** Writes model and tokenizer as a Hugging Face directory (files replaced atomically one by one). */
    public static void save(Path dir, PretrainedModel model, WordPieceTokenizer tokenizer, DType dtype)
            throws IOException {
        Files.createDirectories(dir);
        SafeTensors.write(dir.resolve("model.safetensors"), model.params().toHost(), Map.of("format", "pt"), dtype);
        model.config().withArchitectures(List.of(model.architecture().hfName)).write(dir.resolve("config.json"));
        tokenizer.save(dir);
    }
}
