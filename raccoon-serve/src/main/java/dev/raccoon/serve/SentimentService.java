package dev.raccoon.serve;

import dev.raccoon.api.Classifier;
import dev.raccoon.api.Prediction;
import dev.raccoon.text.Vocabulary;
import dev.raccoon.text.WordPieceTokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Classification and explanation on top of the micro-batcher.
 *
 * <p>Explanations are by occlusion: for each WordPiece token the model sees, a variant of the text with that token
 * replaced by the mask token is classified, and the token's score is how much the predicted label's probability
 * drops ({@code p(label | text) - p(label | text with token masked)}); positive scores support the prediction,
 * negative ones speak against it. Variants are written as text, the pieces joined back (a {@code ##} piece without
 * a space) with the tokenizer's mask token in place, which the tokenizer matches as a special token. The original
 * texts and all their variants go to the model as one job, i.e. one batched forward pass. Re-tokenizing a variant
 * gives the original pieces except that a {@code ##} piece right after the mask starts a new word.
 */
final class SentimentService {
    record TokenScore(String token, float score) {}

    /**
     * One text's answer; {@code tokens} is null unless explained. {@code truncated}: the text has more tokens than
     * the model reads, so its end played no part in the answer.
     */
    record Result(Prediction prediction, boolean truncated, List<TokenScore> tokens) {}

    private final Classifier classifier;
    private final MicroBatcher batcher;
    private final WordPieceTokenizer tokenizer;
    private final String maskToken;

    SentimentService(Classifier classifier, MicroBatcher batcher) {
        this.classifier = classifier;
        this.batcher = batcher;
        this.tokenizer = classifier.tokenizer();
        Vocabulary vocab = tokenizer.vocab();
        this.maskToken = vocab.token(vocab.maskId());
    }

    CompletableFuture<List<Result>> classify(List<String> texts, boolean explain) {
        if (!explain) return batcher.submit(texts).thenApply(logits -> {
            List<Result> out = new ArrayList<>(texts.size());
            for (int t = 0; t < texts.size(); t++) out.add(new Result(classifier.prediction(logits[t]), classifier.truncated(texts.get(t)), null));
            return out;
        });
        List<String> all = new ArrayList<>(texts);
        List<List<String>> pieces = new ArrayList<>(texts.size());
        for (String text : texts) {
            List<String> tokens = classifier.tokens(text);
            List<String> inner = tokens.subList(1, tokens.size() - 1); // without [CLS] and [SEP]
            pieces.add(inner);
            for (int i = 0; i < inner.size(); i++) all.add(join(inner, i));
        }
        return batcher.submit(all).thenApply(logits -> {
            List<Result> out = new ArrayList<>(texts.size());
            int variant = texts.size();
            for (int t = 0; t < texts.size(); t++) {
                Prediction p = classifier.prediction(logits[t]);
                List<String> inner = pieces.get(t);
                List<TokenScore> scores = new ArrayList<>(inner.size());
                for (String token : inner) {
                    float occluded = classifier.prediction(logits[variant++]).probabilities()[p.labelId()];
                    scores.add(new TokenScore(token, p.probability() - occluded));
                }
                out.add(new Result(p, classifier.truncated(texts.get(t)), scores));
            }
            return out;
        });
    }

    /** The pieces as text, piece {@code masked} replaced by the mask token. */
    private String join(List<String> pieces, int masked) {
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
