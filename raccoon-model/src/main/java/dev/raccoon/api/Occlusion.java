package dev.raccoon.api;

import dev.raccoon.text.Encoding;
import dev.raccoon.text.Vocabulary;

import java.util.ArrayList;
import java.util.List;

/**
 * Explains a prediction by occlusion: for each WordPiece token the model reads, a variant of the text's encoding with
 * that token replaced by the mask token is classified, and the token's score is how much the predicted label's
 * probability drops ({@code p(label | text) − p(label | text with token masked)}); positive scores support the
 * prediction, negative ones speak against it. A variant is the text's own encoding with one id changed, so every
 * other token stays as the model read it (text written back and tokenized again would split a {@code ##} piece after
 * the mask anew, and could push a long text past its truncation differently).
 *
 * <p>The caller classifies {@link #variants()} with {@link Classifier#logitsOf}, however it batches (the server merges
 * them with other requests), and hands their logits back to {@link #scores}.
 */
public final class Occlusion {
    /** A token the model read and how much the predicted label's probability owes to it. */
    public record TokenScore(String token, float score) {}

    private final Encoding read;
    private final List<String> pieces;
    private final List<Encoding> variants;
    private final int omittedAfter;

    private Occlusion(Encoding read, int maskId, String maskToken, int omittedAfter) {
        this.read = read;
        int n = read.length() - 2; // without [CLS] and [SEP]
        this.pieces = List.copyOf(read.tokens().subList(1, n + 1));
        this.omittedAfter = omittedAfter;
        this.variants = new ArrayList<>(n);
        for (int i = 1; i <= n; i++) {
            int[] ids = read.inputIds().clone();
            ids[i] = maskId;
            List<String> tokens = new ArrayList<>(read.tokens());
            tokens.set(i, maskToken);
            variants.add(new Encoding(ids, read.tokenTypeIds().clone(), tokens));
        }
    }

    /** The variants that explain {@code text} as {@code classifier} reads it (its truncation included). */
    public static Occlusion of(Classifier classifier, String text) {
        Encoding read = classifier.encode(text);
        Vocabulary vocab = classifier.tokenizer().vocab();
        int tokens = read.length() - 2, head = classifier.truncation().head(tokens);
        boolean middleLeftOut = head < tokens && classifier.truncated(text, read);
        return new Occlusion(read, vocab.maskId(), vocab.token(vocab.maskId()), middleLeftOut ? head : -1);
    }

    /**
     * How many of the tokens read come before the part of a long text that was left out (head-tail keeps the first
     * quarter and the end), or -1 when nothing was left out between them.
     */
    public int omittedAfter() { return omittedAfter; }

    /** The text as the model reads it, which the variants mask a token of. */
    public Encoding read() { return read; }

    /** One encoding per token the model reads, that token masked, for {@link Classifier#logitsOf}. */
    public List<Encoding> variants() { return variants; }

    /**
     * The score of every token, from the text's prediction and the logits of {@link #variants()}, which start at
     * {@code logits[from]}.
     *
     * @throws IllegalStateException for a regression model ({@link Classifier#prediction})
     */
    public List<TokenScore> scores(Classifier classifier, Prediction prediction, float[][] logits, int from) {
        List<TokenScore> scores = new ArrayList<>(pieces.size());
        for (int i = 0; i < pieces.size(); i++) {
            float occluded = classifier.prediction(logits[from + i]).probabilities()[prediction.labelId()];
            scores.add(new TokenScore(pieces.get(i), prediction.probability() - occluded));
        }
        return scores;
    }
}
