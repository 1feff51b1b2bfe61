package dev.raccoon.api;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The classifier's answer for one text: the most probable label, its probability, and every label's
 * probability and logit in label-id order ({@link Classifier#labels()}). Probabilities are a softmax over the logits,
 * or for a multi-label model each label's own sigmoid. Immutable: the arrays are copied in and out, and two
 * predictions are equal when their values are. One built by hand may carry a label chosen by another rule (a
 * threshold, a cost), but its probabilities must be probabilities and its label's must be the one it states.
 */
public record Prediction(String label, int labelId, float probability, List<String> labels, float[] probabilities,
                         float[] logits) {
    public Prediction {
        Objects.requireNonNull(labels, "labels");
        for (int i = 0; i < labels.size(); i++)
            if (labels.get(i) == null) throw new NullPointerException("labels[" + i + "] is null");
        labels = List.copyOf(labels);
        Objects.requireNonNull(probabilities, "probabilities");
        Objects.requireNonNull(logits, "logits");
        if (labelId < 0 || labelId >= labels.size() || !labels.get(labelId).equals(label)
                || probabilities.length != labels.size() || logits.length != labels.size())
            throw new IllegalArgumentException("a prediction of '" + label + "' (id " + labelId + ") with "
                    + probabilities.length + " probabilities and " + logits.length + " logits does not fit the labels " + labels);
        for (float p : probabilities)
            if (!(p >= 0 && p <= 1))
                throw new IllegalArgumentException("probabilities " + Arrays.toString(probabilities) + " are not all in [0, 1]");
        if (Float.compare(probabilities[labelId], probability) != 0)
            throw new IllegalArgumentException("a prediction of '" + label + "' with probability " + probability
                    + " but probabilities[" + labelId + "] = " + probabilities[labelId]);
        probabilities = probabilities.clone();
        logits = logits.clone();
    }

    @Override
    public float[] probabilities() { return probabilities.clone(); }

    @Override
    public float[] logits() { return logits.clone(); }

    @Override
    public boolean equals(Object o) {
        return o instanceof Prediction p && label.equals(p.label) && labelId == p.labelId
                && Float.compare(probability, p.probability) == 0 && labels.equals(p.labels)
                && Arrays.equals(probabilities, p.probabilities) && Arrays.equals(logits, p.logits);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * label.hashCode() + Float.hashCode(probability)) + Arrays.hashCode(probabilities)) + Arrays.hashCode(logits);
    }

    @Override
    public String toString() {
        return "Prediction[label=" + label + ", labelId=" + labelId + ", probability=" + probability + ", labels=" + labels
                + ", probabilities=" + Arrays.toString(probabilities) + ", logits=" + Arrays.toString(logits) + "]";
    }
}
