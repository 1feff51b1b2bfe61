package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.HostTensor;
import dev.raccoon.model.io.CheckpointException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * An encoder with (or without) a head, holding its parameters under Hugging Face's keys.
 * Inference methods allocate their activations per call and only read the parameters, so one instance
 * serves many threads.
 */
public abstract sealed class PretrainedModel permits SequenceClassifier, ElectraForPreTraining, ElectraForMaskedLM,
        PretrainedModel.EncoderOnly {
    protected final ElectraConfig config;
    protected final Params params;
    public final ElectraModel encoder;
    private final Architecture architecture;

    protected PretrainedModel(ElectraConfig config, Backend backend, Architecture architecture) {
        this(config, backend, architecture, null);
    }

    /** A model whose encoder uses {@code sharedEmbeddings}' tables when not null. */
    PretrainedModel(ElectraConfig config, Backend backend, Architecture architecture, ElectraEmbeddings sharedEmbeddings) {
        this.config = config;
        this.architecture = architecture;
        this.params = new Params(backend);
        this.encoder = new ElectraModel(params, architecture.encoderPrefix, config, sharedEmbeddings);
    }

    public ElectraConfig config() { return config; }

    public Params params() { return params; }

    public Backend backend() { return params.backend(); }

    public Architecture architecture() { return architecture; }

    /**
     * A model of the given architecture with zero parameters (load or initialise them next).
     *
     * @throws IllegalArgumentException for an architecture that is read only as an encoder ({@link Architecture#runnable})
     */
    public static PretrainedModel create(Architecture architecture, ElectraConfig config, Backend backend) {
        return switch (architecture) {
            case ELECTRA_FOR_SEQUENCE_CLASSIFICATION, BERT_FOR_SEQUENCE_CLASSIFICATION ->
                    new SequenceClassifier(config, backend, architecture);
            case ELECTRA_FOR_PRE_TRAINING -> new ElectraForPreTraining(config, backend);
            case ELECTRA_FOR_MASKED_LM -> new ElectraForMaskedLM(config, backend);
            case ELECTRA_MODEL -> new EncoderOnly(config, backend);
            case BERT_FOR_MASKED_LM, BERT_FOR_PRE_TRAINING, BERT_MODEL -> throw new IllegalArgumentException(
                    architecture.hfName + " is read only as the encoder a classifier is fine-tuned from (raccoon train --model)");
        };
    }

    /**
     * Copies a state dict into the parameters. Every parameter must be present with its shape and every key
     * must belong to a parameter; buffers (position_ids, token_type_ids) and keys of tied parameters are
     * ignored as transformers ignores them.
     */
    public void loadStateDict(Map<String, HostTensor> state, String source) {
        List<String> missing = new ArrayList<>();
        for (var e : params.owned().entrySet())
            if (!state.containsKey(e.getKey())) missing.add(e.getKey());
        List<String> unexpected = new ArrayList<>();
        for (String key : new TreeSet<>(state.keySet()))
            if (!params.all().containsKey(key) && !isBuffer(key)) unexpected.add(key);
        if (!missing.isEmpty() || !unexpected.isEmpty())
            throw new IllegalArgumentException(source + " does not fit " + architecture.hfName + " with this config.json:"
                    + (missing.isEmpty() ? "" : " missing " + abbreviate(missing))
                    + (unexpected.isEmpty() ? "" : " unexpected " + abbreviate(unexpected)));
        for (var e : params.owned().entrySet()) params.load(e.getKey(), state.get(e.getKey()), source);
        requireTiedCopiesEqual(state, source);
    }

    /**
     * A file may store a tied parameter under both keys (transformers does); the copies must then agree. A stored
     * head that differs from the embeddings it is tied to would be dropped here, while transformers 5 unties and
     * uses it: the two would compute different models from one directory.
     */
    private void requireTiedCopiesEqual(Map<String, HostTensor> state, String source) {
        for (String key : new TreeSet<>(state.keySet())) {
            if (!params.isTiedAlias(key)) continue;
            String target = params.owned().entrySet().stream().filter(o -> o.getValue() == params.get(key)).findFirst()
                    .orElseThrow().getKey();
            HostTensor alias = state.get(key), original = state.get(target);
            float worst = 0;
            if (Arrays.equals(alias.shape(), original.shape()))
                for (int i = 0; i < alias.data().length; i++) worst = Math.max(worst, Math.abs(alias.data()[i] - original.data()[i]));
            if (!Arrays.equals(alias.shape(), original.shape()) || worst > 0)
                throw new IllegalArgumentException(source + ": " + key + " differs from " + target + " (by up to " + worst
                        + "), but config.json ties them (tie_word_embeddings is true or absent); set \"tie_word_embeddings\": false"
                        + " to use the stored " + key);
        }
    }

    private static boolean isBuffer(String key) {
        return key.endsWith("embeddings.position_ids") || key.endsWith("embeddings.token_type_ids");
    }

    /** Names quoted, and kept from putting control characters into the message: they come from the file. */
    private static String abbreviate(List<String> keys) {
        List<String> quoted = keys.stream().limit(6).map(k -> "'" + CheckpointException.printable(k) + "'").toList();
        return keys.size() <= 6 ? quoted.toString() : quoted + " and " + (keys.size() - 6) + " more";
    }

    /** A bare ElectraModel (no head), e.g. an encoder saved on its own. */
    public static final class EncoderOnly extends PretrainedModel {
        EncoderOnly(ElectraConfig config, Backend backend) {
            super(config, backend, Architecture.ELECTRA_MODEL);
        }
    }
}
