package dev.raccoon.train.pretrain;

import java.util.Locale;

/** The pretraining objective: ELECTRA's replaced-token detection, or BERT's masked language modelling alone. */
public enum Objective {
    ELECTRA, MLM;

    public static Objective parse(String name) {
        for (Objective o : values()) if (o.name().equalsIgnoreCase(name)) return o;
        throw new IllegalArgumentException("unknown objective \"" + name + "\"; use electra or mlm");
    }

    public String id() { return name().toLowerCase(Locale.ROOT); }
}
