package dev.raccoon.serve;

import dev.raccoon.api.Answers;
import dev.raccoon.api.Classifier;
import dev.raccoon.text.Encoding;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Classification, and explanation by occlusion ({@link Answers}), on top of the micro-batcher. */
final class SentimentService {
    private final Classifier classifier;
    private final MicroBatcher<Encoding> batcher;

    SentimentService(Classifier classifier, MicroBatcher<Encoding> batcher) {
        this.classifier = classifier;
        this.batcher = batcher;
    }

    /** The texts and, when explained, all their occlusion variants go to the model as one job. */
    CompletableFuture<List<Answers.Answer>> classify(List<String> texts, boolean explain) {
        Answers answers = Answers.of(classifier, texts, explain);
        return batcher.submit(answers.inputs()).thenApply(answers::read);
    }
}
