package dev.raccoon.model;

import java.util.List;
import java.util.Set;

/** The Hugging Face model classes Raccoon reads and writes, by their names in config.json. */
public enum Architecture {
    ELECTRA_FOR_SEQUENCE_CLASSIFICATION("ElectraForSequenceClassification", "electra.", false, true),
    BERT_FOR_SEQUENCE_CLASSIFICATION("BertForSequenceClassification", "bert.", true, true),
    ELECTRA_FOR_PRE_TRAINING("ElectraForPreTraining", "electra.", false, true),
    ELECTRA_FOR_MASKED_LM("ElectraForMaskedLM", "electra.", false, true),
    ELECTRA_MODEL("ElectraModel", "", false, true),
    // Published Korean BERTs (klue/bert-base and the like) come as these: read for their encoder, which fine-tuning
    // puts under a classification head; their pretraining heads are not Raccoon's to run.
    BERT_FOR_MASKED_LM("BertForMaskedLM", "bert.", true, false),
    BERT_FOR_PRE_TRAINING("BertForPreTraining", "bert.", true, false),
    BERT_MODEL("BertModel", "", true, false);

    public final String hfName;
    /** Key prefix of the encoder's parameters. */
    public final String encoderPrefix;
    /** Whether config.json's model_type for it is bert (else electra). */
    public final boolean bert;
    /** Whether Raccoon builds and runs the whole model; the others are read only as an encoder to fine-tune. */
    public final boolean runnable;

    Architecture(String hfName, String encoderPrefix, boolean bert, boolean runnable) {
        this.hfName = hfName;
        this.encoderPrefix = encoderPrefix;
        this.bert = bert;
        this.runnable = runnable;
    }

    public boolean isClassifier() {
        return this == ELECTRA_FOR_SEQUENCE_CLASSIFICATION || this == BERT_FOR_SEQUENCE_CLASSIFICATION;
    }

    /**
     * The architecture named in config.json, or, when it names none (transformers writes null for models built
     * from a config), the one whose head keys the checkpoint holds. It must be of the family model_type names:
     * transformers builds the model from model_type, so ELECTRA weights under model_type bert would be a BERT
     * initialised at random there.
     */
    public static Architecture detect(List<String> named, Set<String> keys, boolean bert) {
        Architecture found = named.isEmpty() ? byKeys(keys, bert) : byName(named);
        if (found.bert != bert)
            throw new IllegalArgumentException("model_type is " + (bert ? "bert" : "electra") + ", but "
                    + (named.isEmpty() ? "the weights are " + found.hfName + "'s" : "architectures names " + found.hfName)
                    + "; transformers would build a" + (bert ? " BERT" : "n ELECTRA") + " model and leave these weights unused");
        return found;
    }

    private static Architecture byName(List<String> named) {
        for (String name : named)
            for (Architecture a : values())
                if (a.hfName.equals(name)) return a;
        throw new IllegalArgumentException("architectures " + named + " are not supported; Raccoon reads "
                + List.of(values()).stream().map(a -> a.hfName).toList());
    }

    private static Architecture byKeys(Set<String> keys, boolean bert) {
        if (keys.contains("classifier.out_proj.weight")) return ELECTRA_FOR_SEQUENCE_CLASSIFICATION;
        if (keys.contains("classifier.weight") && keys.stream().anyMatch(k -> k.startsWith("bert."))) return BERT_FOR_SEQUENCE_CLASSIFICATION;
        if (keys.contains("discriminator_predictions.dense.weight")) return ELECTRA_FOR_PRE_TRAINING;
        if (keys.contains("generator_lm_head.bias")) return ELECTRA_FOR_MASKED_LM;
        if (keys.contains("cls.seq_relationship.weight")) return BERT_FOR_PRE_TRAINING;
        if (keys.contains("cls.predictions.bias")) return BERT_FOR_MASKED_LM;
        return bert ? BERT_MODEL : ELECTRA_MODEL;
    }
}
