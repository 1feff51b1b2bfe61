package dev.raccoon.api;

import java.util.List;

/**
 * The classifier's answer for one text: the most probable label, its probability, and every label's
 * probability in label-id order.
 */
public record Prediction(String label, int labelId, float probability, List<String> labels, float[] probabilities,
                         float[] logits) {
}
