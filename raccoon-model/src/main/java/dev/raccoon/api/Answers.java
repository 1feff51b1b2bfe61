package dev.raccoon.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.text.Encoding;

import java.util.ArrayList;
import java.util.List;

/**
 * Texts and, when explained, their {@link Occlusion} variants, encoded once for one pass of
 * {@link Classifier#logitsOf} over {@link #inputs()}; {@link #read} turns that pass's logits into an answer per text.
 * The server runs the pass through its micro-batcher, everything else with {@link #run}. A text is tokenized once
 * for its answer, and a text that fills the maximum length once more to tell whether it was cut.
 */
public final class Answers {
    /**
     * One text's answer; {@code tokens} is null unless explained. {@code truncated}: the text has more tokens than
     * the model reads, so part of it played no part in the answer; {@code omittedAfter}: where among the tokens (-1:
     * nowhere, or not explained).
     */
    public record Answer(Prediction prediction, boolean truncated, List<Occlusion.TokenScore> tokens, int omittedAfter) {
        /**
         * As the server and {@code predict --json} write it: label, probability, truncated, probabilities by label,
         * and when explained tokens (token, score) and omitted_after.
         */
        public ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("label", prediction.label());
            o.put("probability", prediction.probability());
            o.put("truncated", truncated);
            ObjectNode probs = o.putObject("probabilities");
            float[] p = prediction.probabilities();
            for (int i = 0; i < p.length; i++) probs.put(prediction.labels().get(i), p[i]);
            if (tokens != null) {
                ArrayNode scores = o.putArray("tokens");
                for (Occlusion.TokenScore t : tokens) scores.addObject().put("token", t.token()).put("score", t.score());
                if (omittedAfter >= 0) o.put("omitted_after", omittedAfter);
            }
            return o;
        }
    }

    private final Classifier classifier;
    private final List<String> texts;
    private final List<Encoding> read;
    private final List<Occlusion> occlusions; // null unless explained
    private final List<Encoding> inputs;

    private Answers(Classifier classifier, List<String> texts, boolean explain) {
        this.classifier = classifier;
        Classifier.requireTexts(texts);
        this.texts = List.copyOf(texts);
        this.read = new ArrayList<>(texts.size());
        this.occlusions = explain ? new ArrayList<>(texts.size()) : null;
        for (int i = 0; i < this.texts.size(); i++) {
            String text = this.texts.get(i);
            try {
                if (explain) {
                    Occlusion o = Occlusion.of(classifier, text);
                    occlusions.add(o);
                    read.add(o.read());
                } else {
                    read.add(classifier.encode(text));
                }
            } catch (IllegalArgumentException e) { // which of many texts it is, as Classifier.logits says
                throw new IllegalArgumentException("texts[" + i + "]: " + e.getMessage(), e);
            }
        }
        this.inputs = new ArrayList<>(read);
        if (explain) for (Occlusion o : occlusions) inputs.addAll(o.variants());
    }

    /** The texts, each encoded once, and with {@code explain} every text's occlusion variants after them. */
    public static Answers of(Classifier classifier, List<String> texts, boolean explain) {
        return new Answers(classifier, texts, explain);
    }

    /** What to classify, in one pass: the texts first, then the variants. */
    public List<Encoding> inputs() { return inputs; }

    /**
     * An answer per text, in order, from one pass of the classifier itself over {@link #inputs()}.
     *
     * @throws IllegalStateException for a regression model, which gives scores and no answers ({@link Classifier#prediction})
     */
    public List<Answer> run() {
        return read(classifier.logitsOf(inputs));
    }

    /**
     * An answer per text, in order, from the logits of {@link #inputs()}: a row for each input, in their order.
     *
     * @throws IllegalArgumentException when the rows are not as many as the inputs
     * @throws IllegalStateException    for a regression model ({@link Classifier#prediction})
     */
    public List<Answer> read(float[][] logits) {
        if (logits.length != inputs.size())
            throw new IllegalArgumentException(logits.length + " rows of logits for " + inputs.size() + " inputs");
        List<Answer> out = new ArrayList<>(texts.size());
        int variant = texts.size();
        for (int t = 0; t < texts.size(); t++) {
            Prediction p = classifier.prediction(logits[t]);
            boolean truncated = classifier.truncated(texts.get(t), read.get(t));
            if (occlusions == null) {
                out.add(new Answer(p, truncated, null, -1));
                continue;
            }
            Occlusion o = occlusions.get(t);
            out.add(new Answer(p, truncated, o.scores(classifier, p, logits, variant), o.omittedAfter()));
            variant += o.variants().size();
        }
        return out;
    }
}
