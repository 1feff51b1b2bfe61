package dev.raccoon.serve;

import dev.raccoon.api.Classifier;
import dev.raccoon.api.Occlusion;
import dev.raccoon.api.Prediction;
import dev.raccoon.text.Encoding;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Classification, and explanation by occlusion ({@link Occlusion}), on top of the micro-batcher. */
final class SentimentService {
    /**
     * One text's answer; {@code tokens} is null unless explained. {@code truncated}: the text has more tokens than
     * the model reads, so part of it played no part in the answer; {@code omittedAfter}: where among the tokens (-1:
     * nowhere, or not explained).
     */
    record Result(Prediction prediction, boolean truncated, List<Occlusion.TokenScore> tokens, int omittedAfter) {}

    private final Classifier classifier;
    private final MicroBatcher<Encoding> batcher;

    SentimentService(Classifier classifier, MicroBatcher<Encoding> batcher) {
        this.classifier = classifier;
        this.batcher = batcher;
    }

    /** The texts and, when explained, all their occlusion variants go to the model as one job. */
    CompletableFuture<List<Result>> classify(List<String> texts, boolean explain) {
        List<Encoding> all = new ArrayList<>(texts.size());
        for (String text : texts) all.add(classifier.encode(text));
        if (!explain) return batcher.submit(all).thenApply(logits -> {
            List<Result> out = new ArrayList<>(texts.size());
            for (int t = 0; t < texts.size(); t++)
                out.add(new Result(classifier.prediction(logits[t]), classifier.truncated(texts.get(t)), null, -1));
            return out;
        });
        List<Occlusion> occlusions = new ArrayList<>(texts.size());
        for (String text : texts) {
            Occlusion o = Occlusion.of(classifier, text);
            occlusions.add(o);
            all.addAll(o.variants());
        }
        return batcher.submit(all).thenApply(logits -> {
            List<Result> out = new ArrayList<>(texts.size());
            int variant = texts.size();
            for (int t = 0; t < texts.size(); t++) {
                Prediction p = classifier.prediction(logits[t]);
                Occlusion o = occlusions.get(t);
                out.add(new Result(p, classifier.truncated(texts.get(t)), o.scores(classifier, p, logits, variant), o.omittedAfter()));
                variant += o.variants().size();
            }
            return out;
        });
    }
}
