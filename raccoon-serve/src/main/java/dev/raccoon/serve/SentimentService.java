package dev.raccoon.serve;

import dev.raccoon.api.Classifier;
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

    /** One text's answer; {@code tokens} is null unless explained. */
    record Result(String label, float probability, List<String> labels, float[] probabilities, List<TokenScore> tokens) {}

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
            for (float[] row : logits) out.add(result(softmax(row), null));
            return out;
        });
        List<String> all = new ArrayList<>(texts);
        List<List<String>> pieces = new ArrayList<>(texts.size());
        for (String text : texts) {
            List<String> tokens = tokenizer.encode(text, null, classifier.maxLength()).tokens();
            List<String> inner = tokens.subList(1, tokens.size() - 1); // without [CLS] and [SEP]
            pieces.add(inner);
            for (int i = 0; i < inner.size(); i++) all.add(join(inner, i));
        }
        return batcher.submit(all).thenApply(logits -> {
            List<Result> out = new ArrayList<>(texts.size());
            int variant = texts.size();
            for (int t = 0; t < texts.size(); t++) {
                float[] probs = softmax(logits[t]);
                int best = argmax(probs);
                List<String> inner = pieces.get(t);
                List<TokenScore> scores = new ArrayList<>(inner.size());
                for (String token : inner)
                    scores.add(new TokenScore(token, probs[best] - softmax(logits[variant++])[best]));
                out.add(result(probs, scores));
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

    private Result result(float[] probs, List<TokenScore> tokens) {
        int best = argmax(probs);
        return new Result(classifier.labels().get(best), probs[best], classifier.labels(), probs, tokens);
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double sum = 0;
        double[] e = new double[logits.length];
        for (int i = 0; i < logits.length; i++) sum += e[i] = Math.exp(logits[i] - max);
        float[] p = new float[logits.length];
        for (int i = 0; i < logits.length; i++) p[i] = (float) (e[i] / sum);
        return p;
    }
}
