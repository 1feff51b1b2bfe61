package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.HostTensor;
import dev.raccoon.model.io.CheckpointException;
import dev.raccoon.model.io.Checkpoints;
import dev.raccoon.model.io.DType;
import dev.raccoon.model.io.SafeTensors;
import dev.raccoon.text.ModelFiles;
import dev.raccoon.text.Vocabulary;
import dev.raccoon.text.WordPieceTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face model directory: config.json, vocab.txt, tokenizer_config.json and model.safetensors
 * (or pytorch_model.bin). Reading checks everything before a parameter is used; writing is what
 * transformers' {@code from_pretrained} loads as is.
 */
public record ModelDirectory(Path dir, ElectraConfig config, WordPieceTokenizer tokenizer, PretrainedModel model) {
    /** The file every model directory holds. */
    public static final String CONFIG_FILE = "config.json";

    /**
     * What a model directory holds, read and checked against each other before any model is built: config.json,
     * the tokenizer (every id with an embedding row), the weights, and the architecture they are.
     */
    public record Contents(ElectraConfig config, WordPieceTokenizer tokenizer, Map<String, HostTensor> state,
                           Architecture architecture) {}

    /** config.json of a model directory: where loading, fine-tuning and pretraining's --init all start reading. */
    public static ElectraConfig readConfig(Path dir) throws IOException {
        if (Files.isRegularFile(dir))
            throw new IOException(dir + " is a file; a model is the directory that holds " + CONFIG_FILE + " and the weights");
        if (!ModelFiles.exists(dir)) throw new IOException(dir + ": no such model directory");
        Path configFile = dir.resolve(CONFIG_FILE);
        if (!ModelFiles.exists(configFile)) throw new IOException(dir + ": no config.json in the model directory");
        return ElectraConfig.read(configFile);
    }

    /**
     * Every token id of the tokenizer must have an embedding row. A special or added token missing from the vocabulary
     * file gets the next id after it (as in transformers), so when only those ids are too many, they are what is named.
     */
    public static void requireVocabularyFits(Path dir, WordPieceTokenizer tokenizer, ElectraConfig config) throws IOException {
        Vocabulary vocab = tokenizer.vocab();
        if (vocab.size() <= config.vocabSize()) return;
        if (vocab.baseSize() > config.vocabSize())
            throw new IOException(dir + ": the tokenizer has " + vocab.size() + " tokens but config.json says vocab_size "
                    + config.vocabSize());
        List<String> appended = new ArrayList<>();
        for (int id = config.vocabSize(); id < vocab.size(); id++) appended.add(vocab.token(id));
        throw new IOException(dir + ": " + tokenizer.vocabFile().getFileName() + " has no " + String.join(" or ", appended)
                + ", so the tokenizer appends " + (appended.size() == 1 ? "it as id " + config.vocabSize()
                : "them as ids " + config.vocabSize() + " to " + (vocab.size() - 1))
                + " (as transformers does), but config.json's vocab_size " + config.vocabSize() + " gives the model no embedding for "
                + (appended.size() == 1 ? "it" : "them"));
    }

    /** Reads {@link Contents}; a file that is missing or does not fit the others is an IOException naming it. */
    public static Contents read(Path dir) throws IOException {
        ElectraConfig config = readConfig(dir);
        WordPieceTokenizer tokenizer = WordPieceTokenizer.load(dir);
        requireVocabularyFits(dir, tokenizer, config);
        Map<String, HostTensor> state = Checkpoints.readStateDict(dir);
        requireWeightsOfModelType(dir, config, state.keySet());
        requireSizesOfWeights(dir, config, state);
        try {
            return new Contents(config, tokenizer, state,
                    Architecture.detect(config.architectures(), state.keySet(), config.isBert()));
        } catch (IllegalArgumentException e) {
            throw new IOException(dir.resolve(CONFIG_FILE) + ": " + e.getMessage(), e);
        }
    }

    /**
     * BERT's weights are named bert.*, ELECTRA's electra.*: under the other model_type every default size and name
     * would be wrong (an old BERT config without model_type is read as ELECTRA's), so that is said first.
     */
    static void requireWeightsOfModelType(Path dir, ElectraConfig c, java.util.Set<String> keys) throws IOException {
        String other = c.isBert() ? "electra." : "bert.";
        if (keys.stream().anyMatch(k -> k.startsWith(other)))
            throw new IOException(dir.resolve(CONFIG_FILE) + (c.isBert() ? ": model_type is bert, but the weights are ELECTRA's"
                    + " (electra.* names); set \"model_type\": \"electra\"" : ": model_type is electra or missing, but the weights"
                    + " are BERT's (bert.* names); set \"model_type\": \"bert\""));
    }

    /**
     * The sizes config.json gives must be those of the stored weights. The model is built from config.json before
     * its weights are compared with the file's, so a size typed wrong (vocab_size 2147483647, num_hidden_layers 1200)
     * would otherwise fail as an allocation, or exhaust the heap. A tensor that is missing is left to the load to name.
     */
    public static void requireSizesOfWeights(Path dir, ElectraConfig c, Map<String, HostTensor> state) throws IOException {
        int layers = 0;
        for (Map.Entry<String, HostTensor> e : state.entrySet()) {
            String key = e.getKey();
            int[] shape = e.getValue().shape();
            if (key.endsWith("embeddings.word_embeddings.weight"))
                requireShape(dir, key, shape, "vocab_size and embedding_size", c.vocabSize(), c.embeddingSize());
            else if (key.endsWith("embeddings.position_embeddings.weight"))
                requireShape(dir, key, shape, "max_position_embeddings and embedding_size", c.maxPositionEmbeddings(), c.embeddingSize());
            else if (key.endsWith("embeddings.token_type_embeddings.weight"))
                requireShape(dir, key, shape, "type_vocab_size and embedding_size", c.typeVocabSize(), c.embeddingSize());
            else if (key.endsWith("encoder.layer.0.attention.self.query.weight"))
                requireShape(dir, key, shape, "hidden_size", c.hiddenSize(), c.hiddenSize());
            else if (key.endsWith("encoder.layer.0.intermediate.dense.weight"))
                requireShape(dir, key, shape, "intermediate_size and hidden_size", c.intermediateSize(), c.hiddenSize());
            Matcher layer = LAYER.matcher(key);
            if (layer.find()) layers = Math.max(layers, Integer.parseInt(layer.group(1)) + 1);
        }
        if (c.numHiddenLayers() > layers && layers > 0)
            throw new IOException(dir.resolve(CONFIG_FILE) + " gives num_hidden_layers " + c.numHiddenLayers()
                    + ", but the weights hold " + layers + " layers");
    }

    private static final Pattern LAYER = Pattern.compile("(?:^|\\.)encoder\\.layer\\.(\\d{1,6})\\.");

    private static void requireShape(Path dir, String key, int[] shape, String sizes, int rows, int columns) throws IOException {
        if (shape.length != 2 || shape[0] != rows || shape[1] != columns)
            throw new IOException(dir.resolve(CONFIG_FILE) + " gives " + sizes + " for a " + rows + " x " + columns + " "
                    + CheckpointException.printable(key) + ", but the weights hold it as " + Arrays.toString(shape));
    }

    public static ModelDirectory load(Path dir, Backend backend) throws IOException {
        Contents contents = read(dir);
        if (!contents.architecture().runnable)
            throw new IOException(dir + " holds " + contents.architecture().hfName + ", which Raccoon reads only as the encoder"
                    + " to fine-tune: 'raccoon train --model " + dir + "' puts a classification head on it");
        PretrainedModel model = PretrainedModel.create(contents.architecture(), contents.config(), backend);
        try {
            model.loadStateDict(contents.state(), dir.toString());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        return new ModelDirectory(dir, contents.config(), contents.tokenizer(), model);
    }

    /** Writes model and tokenizer as a Hugging Face directory (files replaced atomically one by one). */
    /**
     * Refuses weights a loader would refuse, before anything is written: a value that is not finite, or one that
     * {@code dtype} would store as infinity (float16 ends at ±65504).
     */
    private static void requireStorable(Path file, Map<String, HostTensor> weights, DType dtype) throws CheckpointException {
        for (Map.Entry<String, HostTensor> e : weights.entrySet()) {
            float[] values = e.getValue().data();
            for (int i = 0; i < values.length; i++) {
                float x = values[i];
                if (!Float.isFinite(x))
                    throw new CheckpointException(file + ": tensor " + e.getKey() + " cannot be written: it holds " + x
                            + " (element " + i + ")");
                if (!Float.isFinite(dtype.stored(x)))
                    throw new CheckpointException(file + ": tensor " + e.getKey() + " cannot be written as "
                            + dtype.torchName() + ": element " + i + " is " + x + ", beyond its range; write it as float32"
                            + (dtype == DType.F16 ? " or bfloat16" : ""));
            }
        }
    }

    public static void save(Path dir, PretrainedModel model, WordPieceTokenizer tokenizer, DType dtype)
            throws IOException {
        Map<String, HostTensor> weights = model.params().toHost();
        Path file = dir.resolve("model.safetensors");
        requireStorable(file, weights, dtype);
        Files.createDirectories(dir);
        SafeTensors.write(file, weights, Map.of("format", "pt"), dtype);
        model.config().withArchitectures(List.of(model.architecture().hfName)).withWeightsDtype(dtype).write(dir.resolve(CONFIG_FILE));
        tokenizer.save(dir);
    }
}
