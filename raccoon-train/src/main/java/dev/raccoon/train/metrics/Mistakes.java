package dev.raccoon.train.metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The rows a classifier got wrong, for reading them: the most confident mistakes first, since those are the ones
 * that say most about a model (or about a wrong gold label).
 */
public final class Mistakes {
    /**
     * A row answered wrongly: the line of the data it starts on, its text (and second text, or null), gold and
     * predicted class, and the probability the classifier gave its answer.
     */
    public record Mistake(long line, String text, String pair, int gold, int predicted, float probability) {}

    /** A stable sort keeps the data's order among equal probabilities. */
    private static final Comparator<Mistake> MOST_CONFIDENT_FIRST = Comparator.comparingDouble(m -> -m.probability());

    private final List<String> labels;
    private final List<Mistake> mistakes = new ArrayList<>();

    public Mistakes(List<String> labels) {
        this.labels = List.copyOf(labels);
    }

    public List<String> labels() { return labels; }

    /** A row's answer, in the data's order: kept when {@code predicted} is not {@code gold}. */
    public void add(long line, String text, String pair, int gold, int predicted, float probability) {
        if (gold < 0 || gold >= labels.size() || predicted < 0 || predicted >= labels.size())
            throw new IllegalArgumentException("classes " + gold + " and " + predicted + " for " + labels.size() + " labels");
        if (gold != predicted) mistakes.add(new Mistake(line, text, pair, gold, predicted, probability));
    }

    public int count() { return mistakes.size(); }

    /** Every mistake, the most confident first (the data's order among equals). */
    public List<Mistake> all() {
        List<Mistake> sorted = new ArrayList<>(mistakes);
        sorted.sort(MOST_CONFIDENT_FIRST);
        return sorted;
    }

    /** The {@code n} most confident mistakes. */
    public List<Mistake> mostConfident(int n) {
        List<Mistake> sorted = all();
        return sorted.subList(0, Math.min(n, sorted.size()));
    }
}
