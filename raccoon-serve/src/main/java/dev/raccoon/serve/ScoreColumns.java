package dev.raccoon.serve;

import dev.raccoon.api.Prediction;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * The columns batch scoring adds to every input row, in this order: {@code label}, {@code probability}, one
 * {@code prob_<label>} per label (in label-id order), {@code truncated} (true when the text has more tokens than the
 * model reads, so only part of it was classified) and {@code error} (empty when the row was scored). When any of
 * them clashes with an input column (NSMC files have a gold {@code label}), all of them get the prefix {@code pred_}
 * so that the set stays recognisable. Shared by the {@code score} command and jobs that score rows elsewhere.
 */
public final class ScoreColumns {
    private final List<String> names;
    private final int labels;

    public ScoreColumns(List<String> labels, Collection<String> inputColumns) {
        List<String> plain = new ArrayList<>();
        plain.add("label");
        plain.add("probability");
        for (String l : labels) plain.add("prob_" + l);
        plain.add("truncated");
        plain.add("error");
        boolean clash = plain.stream().anyMatch(inputColumns::contains);
        this.names = clash ? plain.stream().map(n -> "pred_" + n).toList() : List.copyOf(plain);
        this.labels = labels.size();
    }

    public List<String> names() {
        return names;
    }

    /** The values for a scored row: label, probability, per-label probabilities, truncated, and null for the error. */
    public List<Object> values(Prediction p, boolean truncated) {
        List<Object> v = new ArrayList<>(names.size());
        v.add(p.label());
        v.add(p.probability());
        for (float f : p.probabilities()) v.add(f);
        v.add(truncated);
        v.add(null);
        return v;
    }

    /** The values for a row that could not be scored: nulls, then the error. */
    public List<Object> failed(String error) {
        List<Object> v = new ArrayList<>(Collections.nCopies(labels + 3, null));
        v.add(error);
        return v;
    }
}
