package dev.raccoon.train.metrics;

import com.fasterxml.jackson.databind.node.ObjectNode;

public final class Json {
    private Json() {}

    /** Puts a number, or null for NaN and infinities, which JSON cannot hold (e.g. a correlation of constant values). */
    public static void put(ObjectNode o, String key, double value) {
        if (Double.isFinite(value)) o.put(key, value);
        else o.putNull(key);
    }
}
