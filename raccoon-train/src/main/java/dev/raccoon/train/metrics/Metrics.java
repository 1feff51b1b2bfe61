package dev.raccoon.train.metrics;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Evaluation results as printed by {@code raccoon eval} and drawn by the HTML report. */
public sealed interface Metrics permits ClassificationMetrics, RegressionMetrics {
    /** Rows evaluated. */
    long n();

    /** A plain-text table for a terminal. */
    String toText();

    /** The same as one JSON object, with snake_case keys. */
    ObjectNode toJson();
}
