package dev.raccoon.train;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.HostTensor;
import dev.raccoon.model.Architecture;
import dev.raccoon.model.ElectraConfig;
import dev.raccoon.model.ModelDirectory;
import dev.raccoon.model.Param;
import dev.raccoon.model.PretrainedModel;
import dev.raccoon.model.SequenceClassifier;
import dev.raccoon.text.WordPieceTokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The model a fine-tuning run starts from: the encoder of a Hugging Face checkpoint (ElectraForPreTraining,
 * ElectraModel, a classifier, or BertForMaskedLM, BertForPreTraining, BertModel) under a classification head, with
 * BERT's pooler where the checkpoint has one, or a freshly initialised model of a preset size.
 *
 * @param model       the classifier to train, every parameter set
 * @param tokenizer   its tokenizer
 * @param description one line on where the weights came from, for the log
 */
public record ModelInit(SequenceClassifier model, WordPieceTokenizer tokenizer, String description) {

    /** Model sizes for training from scratch; both use 512 positions. */
    public enum Preset {
        /** A model small enough for tests: embedding 64, hidden 128, 2 layers, 2 heads, FFN 256. */
        TINY(64, 128, 2, 2, 256),
        /** ELECTRA-small's width at a third of its depth, for training from scratch on a CPU: 4 layers. */
        MINI(128, 256, 4, 4, 1024),
        /** ELECTRA-small: embedding 128, hidden 256, 12 layers, 4 heads, FFN 1024. */
        SMALL(128, 256, 12, 4, 1024);

        final int embedding, hidden, layers, heads, ffn;

        Preset(int embedding, int hidden, int layers, int heads, int ffn) {
            this.embedding = embedding;
            this.hidden = hidden;
            this.layers = layers;
            this.heads = heads;
            this.ffn = ffn;
        }

        public ElectraConfig config(int vocabSize, List<String> labels) {
            return ElectraConfig.electra(vocabSize, embedding, hidden, layers, heads, ffn, 512, labels);
        }

        public static Preset parse(String name) {
            for (Preset p : values()) if (p.name().equalsIgnoreCase(name)) return p;
            throw new IllegalArgumentException("unknown config \"" + name + "\"; use tiny, mini or small");
        }
    }

    /**
     * A new model of the preset's size over the vocabulary at {@code vocab}: a model directory (vocab.txt and
     * tokenizer_config.json) or a bare vocab.txt, read with do_lower_case=false since lowercasing with accent
     * stripping would decompose Hangul syllables.
     *
     * @param dropout hidden and attention dropout, or null for the default 0.1
     */
    public static ModelInit fresh(Preset preset, Path vocab, List<String> labels, String problemType, Float dropout,
                                  long seed, Backend backend) throws IOException {
        WordPieceTokenizer tokenizer = WordPieceTokenizer.loadVocabulary(vocab);
        ElectraConfig config = adjust(preset.config(tokenizer.vocab().size(), labels), problemType, dropout);
        var model = (SequenceClassifier) PretrainedModel.create(Architecture.ELECTRA_FOR_SEQUENCE_CLASSIFICATION,
                config, backend);
        model.params().initialize(config.initializerRange(), config.padTokenId(), seed);
        return new ModelInit(model, tokenizer, "a new " + preset.name().toLowerCase(Locale.ROOT) + " model ("
                + String.format(Locale.ROOT, "%.1fM", model.params().count() / 1e6) + " parameters)");
    }

    /**
     * The encoder of the checkpoint in {@code dir} under a sequence-classification head. The head is the
     * checkpoint's own when it is a classifier with exactly these labels, and newly initialised otherwise.
     * Every encoder tensor must be present with the shape config.json implies.
     */
    public static ModelInit fromPretrained(Path dir, List<String> labels, String problemType, Float dropout,
                                           long seed, Backend backend) throws IOException {
        ModelDirectory.Contents contents = ModelDirectory.read(dir);
        ElectraConfig source = contents.config();
        Architecture sourceArchitecture = contents.architecture();
        boolean keepHead = sourceArchitecture.isClassifier() && source.labels().equals(labels);
        Architecture target = source.isBert() ? Architecture.BERT_FOR_SEQUENCE_CLASSIFICATION
                : Architecture.ELECTRA_FOR_SEQUENCE_CLASSIFICATION;
        ElectraConfig config = adjust(source.withLabels(labels), problemType, dropout);
        var model = (SequenceClassifier) PretrainedModel.create(target, config, backend);
        model.params().initialize(config.initializerRange(), config.padTokenId(), seed);
        loadEncoder(model, dir, contents, keepHead);
        String head = keepHead ? "its classification head" : sourceArchitecture.isClassifier()
                ? "a new classification head (the checkpoint's labels " + source.labels() + " differ from " + labels + ")"
                : "a new classification head";
        return new ModelInit(model, contents.tokenizer(), "the encoder of " + sourceArchitecture.hfName + " " + dir + " with " + head);
    }

    /**
     * Copies the encoder tensors of the directory {@code dir} holding {@code source} into the model's encoder, and
     * the head's tensors too when {@code withHead}. BERT's pooler is loaded when the checkpoint has one. Other
     * heads of the checkpoint (discriminator, generator) are ignored.
     *
     * @throws IOException when an encoder tensor is missing or has another shape
     */
    public static void loadEncoder(PretrainedModel model, Path dir, ModelDirectory.Contents source, boolean withHead)
            throws IOException {
        try {
            loadEncoder(model, source.state(), source.architecture().encoderPrefix, withHead, dir.toString());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static void loadEncoder(PretrainedModel model, Map<String, HostTensor> state, String sourcePrefix,
                                    boolean withHead, String source) {
        String prefix = model.architecture().encoderPrefix;
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Param> e : model.params().owned().entrySet()) {
            String key = e.getKey();
            boolean encoder = key.startsWith(prefix) && !key.startsWith(prefix + "pooler.");
            String sourceKey = key.startsWith(prefix) ? sourcePrefix + key.substring(prefix.length()) : key;
            HostTensor t = state.get(sourceKey);
            if (t == null) {
                if (encoder) missing.add(sourceKey);
            } else if (encoder || withHead || key.startsWith(prefix)) {
                model.params().load(key, t, source);
            }
        }
        if (!missing.isEmpty())
            throw new IllegalArgumentException(source + " lacks encoder tensors that config.json implies: "
                    + (missing.size() <= 6 ? missing : missing.subList(0, 6) + " and " + (missing.size() - 6) + " more"));
    }

    /** The config with the task's problem type and, when given, the dropout override. */
    private static ElectraConfig adjust(ElectraConfig c, String problemType, Float dropout) {
        return (dropout == null ? c : c.withDropout(dropout)).withProblemType(problemType);
    }
}
