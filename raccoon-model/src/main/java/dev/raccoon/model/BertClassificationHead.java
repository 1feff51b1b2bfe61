package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Tensor;

/** BertForSequenceClassification's head: pooler (dense + tanh over [CLS]) → dropout → classifier. */
public final class BertClassificationHead implements ClassificationHead {
    private final Backend backend;
    private final float dropout;
    public final Linear pooler;
    public final Linear classifier;

    /** The [CLS] rows, the pooled output (tanh, for its derivative), the classifier input and the dropout site. */
    public record Saved(Batch batch, Tensor first, Tensor pooled, Dropout dropout, Tensor classifierInput,
                        Tensor logits) implements ClassificationHead.Saved {}

    public BertClassificationHead(Params params, String encoderPrefix, ElectraConfig config) {
        this.backend = params.backend();
        this.dropout = config.effectiveClassifierDropout();
        pooler = new Linear(params, encoderPrefix + "pooler.dense", config.hiddenSize(), config.hiddenSize());
        classifier = new Linear(params, "classifier", config.hiddenSize(), config.numLabels());
    }

    @Override
    public Tensor forward(Tensor first) {
        Tensor pooled = pooler.forward(first);
        backend.tanh(pooled, pooled);
        return classifier.forward(pooled);
    }

    @Override
    public Linear output() { return classifier; }

    @Override
    public Saved forwardForBackward(ElectraModel encoder, Tensor hidden, Batch batch, DropoutSeeds seeds) {
        Tensor first = encoder.firstTokens(hidden, batch);
        Tensor pooled = pooler.forward(first);
        backend.tanh(pooled, pooled);
        Dropout drop = seeds.next(dropout);
        Tensor classifierInput = drop.forward(backend, pooled);
        return new Saved(batch, first, pooled, drop, classifierInput, classifier.forward(classifierInput));
    }

    @Override
    public Tensor backward(ElectraModel encoder, Tensor dLogits, ClassificationHead.Saved saved) {
        Saved s = (Saved) saved;
        Tensor dPooled = s.dropout().backward(backend, classifier.backward(s.classifierInput(), dLogits));
        Tensor dPre = backend.zeros(dPooled.shape());
        backend.tanhBackward(s.pooled(), dPooled, dPre);
        return encoder.firstTokensBackward(pooler.backward(s.first(), dPre), s.batch());
    }
}
