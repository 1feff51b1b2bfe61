package dev.raccoon.api;

import dev.raccoon.text.Vocabulary;

import java.util.ArrayList;
import java.util.List;

/**
 * Explains a prediction by occlusion: for each WordPiece token the model reads, a variant of the text with that token
 * replaced by the mask token is classified, and the token's score is how much the predicted label's probability
 * drops ({@code p(label | text) − p(label | text with token masked)}); positive scores support the prediction,
 * negative ones speak against it. Variants are written as text, the pieces joined back (a {@code ##} piece without a
 * space) with the tokenizer's mask token in place, which the tokenizer matches as a special token. Re-tokenizing a
 * variant gives the original pieces except that a {@code ##} piece right after the mask starts a new word.
 *
 * <p>The caller classifies {@link #variants()} however it batches (the server merges them with other requests) and
 * hands their logits back to {@link #scores}.
 */
public final class Occlusion {
    /** A token the model read and how much the predicted label's probability owes to it. */
    public record TokenScore(String token, float score) {}

    private final List<String> pieces;
    private final List<String> variants;
    private final int omittedAfter;

    private Occlusion(List<String> pieces, String maskToken, int omittedAfter) {
        this.pieces = pieces;
        this.omittedAfter = omittedAfter;
        this.variants = new ArrayList<>(pieces.size());
        for (int i = 0; i < pieces.size(); i++) variants.add(join(pieces, i, maskToken));
    }

    /** The variants that explain {@code text} as {@code classifier} reads it (its truncation included). */
    public static Occlusion of(Classifier classifier, String text) {
        List<String> tokens = classifier.tokens(text);
        Vocabulary vocab = classifier.tokenizer().vocab();
        int read = tokens.size() - 2, head = classifier.truncation().head(read);
        boolean middleLeftOut = head < read && classifier.truncated(text);
        return new Occlusion(List.copyOf(tokens.subList(1, tokens.size() - 1)), vocab.token(vocab.maskId()),
                middleLeftOut ? head : -1);
    }

    /**
     * How many of the tokens read come before the part of a long text that was left out (head-tail keeps the first
     * quarter and the end), or -1 when nothing was left out between them.
     */
    public int omittedAfter() { return omittedAfter; }

    /** One text per token the model reads, that token masked. */
    public List<String> variants() { return variants; }

    /**
     * The score of every token, from the text's prediction and the logits of {@link #variants()}, which start at
     * {@code logits[from]}.
     */
    public List<TokenScore> scores(Classifier classifier, Prediction prediction, float[][] logits, int from) {
        List<TokenScore> scores = new ArrayList<>(pieces.size());
        for (int i = 0; i < pieces.size(); i++) {
            float occluded = classifier.prediction(logits[from + i]).probabilities()[prediction.labelId()];
            scores.add(new TokenScore(pieces.get(i), prediction.probability() - occluded));
        }
        return scores;
    }

    /** The pieces as text, piece {@code masked} replaced by the mask token. */
    private static String join(List<String> pieces, int masked, String maskToken) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < pieces.size(); i++) {
            String p = pieces.get(i);
            boolean continuation = p.startsWith("##") && p.length() > 2;
            if (i == masked) {
                s.append(' ').append(maskToken).append(' ');
            } else if (continuation && i > 0) {
                s.append(p, 2, p.length());
            } else {
                s.append(' ').append(p);
            }
        }
        return s.toString();
    }
}
