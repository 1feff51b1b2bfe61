package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Tensor;

/** ElectraClassificationHead: [CLS] → dropout → dense → gelu → dropout → out_proj. */
public final class ElectraClassificationHead implements ClassificationHead {
    private final Backend backend;
    private final float dropout;
    public final Linear dense;
    public final Linear outProj;

    /** Inputs of both dense layers (after their dropouts), the pre-activation and the dropout sites. */
    public record Saved(Batch batch, Dropout firstDropout, Tensor denseInput, Tensor preActivation,
                        Dropout secondDropout, Tensor outProjInput, Tensor logits) implements ClassificationHead.Saved {}

    public ElectraClassificationHead(Params params, ElectraConfig config) {
        this.backend = params.backend();
        this.dropout = config.effectiveClassifierDropout();
        dense = new Linear(params, "classifier.dense", config.hiddenSize(), config.hiddenSize());
        outProj = new Linear(params, "classifier.out_proj", config.hiddenSize(), config.numLabels());
    }

    @Override
    public Tensor forward(Tensor first) {
        return outProj.forward(dense.forwardGelu(first));
    }

    @Override
    public Linear output() { return outProj; }

    @Override
    public Saved forwardForBackward(ElectraModel encoder, Tensor hidden, Batch batch, DropoutSeeds seeds) {
        Dropout first = seeds.next(dropout);
        Tensor denseInput = first.forward(backend, encoder.firstTokens(hidden, batch));
        Tensor pre = backend.zeros(denseInput.rows(), dense.out);
        Tensor activation = dense.forwardGelu(denseInput, pre, backend.zeros(pre.shape()));
        Dropout second = seeds.next(dropout);
        Tensor outProjInput = second.forward(backend, activation);
        return new Saved(batch, first, denseInput, pre, second, outProjInput, outProj.forward(outProjInput));
    }

    @Override
    public Tensor backward(ElectraModel encoder, Tensor dLogits, ClassificationHead.Saved saved) {
        Saved s = (Saved) saved;
        Tensor dActivation = s.secondDropout().backward(backend, outProj.backward(s.outProjInput(), dLogits));
        Tensor dPre = backend.zeros(dActivation.shape());
        backend.geluBackward(s.preActivation(), dActivation, dPre);
        Tensor dFirst = s.firstDropout().backward(backend, dense.backward(s.denseInput(), dPre));
        return encoder.firstTokensBackward(dFirst, s.batch());
    }
}
