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
    private final int pieceSize;

    /** @param pieceSize the most inputs of one request that go to the batcher at once: its maximum batch */
    SentimentService(Classifier classifier, MicroBatcher<Encoding> batcher, int pieceSize) {
        this.classifier = classifier;
        this.batcher = batcher;
        this.pieceSize = pieceSize;
    }

    /**
     * The texts and, when explained, all their occlusion variants go to the batcher in pieces, each once the one
     * before is answered: an explanation of thousands of variants takes turns with other requests instead of
     * holding the model for seconds while they wait. The first piece may be refused ({@link MicroBatcher.QueueFull})
     * when the model is overloaded; once it is in, the request is seen through.
     */
    CompletableFuture<List<Answers.Answer>> classify(List<String> texts, boolean explain) {
        Answers answers = Answers.of(classifier, texts, explain);
        float[][] logits = new float[answers.inputs().size()][];
        return fill(answers.inputs(), logits, 0).thenApply(done -> answers.read(logits));
    }

    private CompletableFuture<Void> fill(List<Encoding> inputs, float[][] logits, int from) {
        int to = Math.min(inputs.size(), from + pieceSize);
        List<Encoding> piece = inputs.subList(from, to);
        return (from == 0 ? batcher.offer(piece) : batcher.submit(piece)).thenCompose(rows -> {
            System.arraycopy(rows, 0, logits, from, rows.length);
            return to == inputs.size() ? CompletableFuture.completedFuture(null) : fill(inputs, logits, to);
        });
    }
}
