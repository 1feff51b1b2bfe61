package dev.raccoon.model;

import java.util.List;
import java.util.Set;

/** The Hugging Face model classes Raccoon reads and writes, by their names in config.json. */
public enum Architecture {
    ELECTRA_FOR_SEQUENCE_CLASSIFICATION("ElectraForSequenceClassification", "electra."),
    BERT_FOR_SEQUENCE_CLASSIFICATION("BertForSequenceClassification", "bert."),
    ELECTRA_FOR_PRE_TRAINING("ElectraForPreTraining", "electra."),
    ELECTRA_FOR_MASKED_LM("ElectraForMaskedLM", "electra."),
    ELECTRA_MODEL("ElectraModel", "");

    public final String hfName;
    /** Key prefix of the encoder's parameters. */
    public final String encoderPrefix;

    Architecture(String hfName, String encoderPrefix) {
        this.hfName = hfName;
        this.encoderPrefix = encoderPrefix;
    }

    public boolean isClassifier() {
        return this == ELECTRA_FOR_SEQUENCE_CLASSIFICATION || this == BERT_FOR_SEQUENCE_CLASSIFICATION;
    }

    /**
     * The architecture named in config.json, or, when it names none (transformers writes null for models built
     * from a config), the one whose head keys the checkpoint holds.
     */
    public static Architecture detect(List<String> named, Set<String> keys, boolean bert) {
        for (String name : named)
            for (Architecture a : values())
                if (a.hfName.equals(name)) return a;
        if (!named.isEmpty())
            throw new IllegalArgumentException("architectures " + named + " are not supported; Raccoon reads "
                    + List.of(values()).stream().map(a -> a.hfName).toList());
        if (keys.contains("classifier.out_proj.weight")) return ELECTRA_FOR_SEQUENCE_CLASSIFICATION;
        if (keys.contains("classifier.weight") && bert) return BERT_FOR_SEQUENCE_CLASSIFICATION;
        if (keys.contains("discriminator_predictions.dense.weight")) return ELECTRA_FOR_PRE_TRAINING;
        if (keys.contains("generator_lm_head.bias")) return ELECTRA_FOR_MASKED_LM;
        return ELECTRA_MODEL;
    }
}
