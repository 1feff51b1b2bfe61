package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Tensor;

/** ElectraForSequenceClassification or BertForSequenceClassification. */
public final class SequenceClassifier extends PretrainedModel {
    /** Labels equal to this are left out of the loss, as torch's CrossEntropyLoss does. */
    public static final int IGNORE_INDEX = -100;

    public final ClassificationHead head;

    SequenceClassifier(ElectraConfig config, Backend backend, Architecture architecture) {
        super(config, backend, architecture);
        this.head = architecture == Architecture.BERT_FOR_SEQUENCE_CLASSIFICATION
                ? new BertClassificationHead(params, architecture.encoderPrefix, config)
                : new ElectraClassificationHead(params, config);
    }

    /** Logits [size, labels]. */
    public Tensor logits(Batch batch) {
        return head.forward(encoder.firstTokenStates(batch));
    }

    /**
     * Multiplies every logit by {@code factor} from now on by scaling the output layer's weight and bias: temperature
     * scaling (factor 1/T) kept in the weights, so transformers reads the same probabilities from the saved model.
     */
    public void scaleLogits(float factor) {
        if (!(factor > 0 && Float.isFinite(factor))) throw new IllegalArgumentException("a logit scale must be positive and finite, got " + factor);
        if (params.isFrozen()) throw new IllegalStateException("parameters are frozen for inference");
        Linear output = head.output();
        backend().scale(output.weight.value(), factor);
        backend().scale(output.bias.value(), factor);
    }

    /** One label means regression, as transformers decides when problem_type is not set. */
    public boolean isRegression() { return config.numLabels() == 1; }

    /**
     * One training forward and backward pass: dropout on (masks fixed by {@code seed}), loss as transformers
     * computes it — mean cross-entropy over {@code labels} (IGNORE_INDEX rows left out) for classification, mean
     * squared error against {@code targets} for regression (the other array may be null) — and its gradients
     * added to every parameter's {@link Param#grad}, so several calls accumulate. Returns the loss.
     */
    public float trainStep(Batch batch, int[] labels, float[] targets, long seed) {
        if (isRegression() ? targets == null || targets.length != batch.size()
                : labels == null || labels.length != batch.size())
            throw new IllegalArgumentException("a batch of " + batch.size() + " sequences needs " + batch.size()
                    + (isRegression() ? " regression targets" : " labels"));
        return trainStep(batch, seed, (logits, dLogits) -> isRegression()
                ? backend().meanSquaredError(logits, targets, dLogits)
                : backend().crossEntropy(logits, labels, IGNORE_INDEX, dLogits));
    }

    /**
     * A training step against soft targets, as knowledge distillation trains a student on its teachers'
     * probabilities: {@code probabilities} holds one distribution over the labels per sequence, row-major
     * [size, labels]; the loss is their mean cross-entropy ({@link Backend#softCrossEntropy}).
     */
    public float trainStepSoft(Batch batch, float[] probabilities, long seed) {
        if (isRegression()) throw new IllegalArgumentException("soft targets need a classifier, this model is a regression");
        if (probabilities.length != batch.size() * config.numLabels())
            throw new IllegalArgumentException("a batch of " + batch.size() + " sequences needs " + batch.size()
                    + " × " + config.numLabels() + " probabilities, got " + probabilities.length);
        return trainStep(batch, seed, (logits, dLogits) -> backend().softCrossEntropy(logits, probabilities, dLogits));
    }

    /** Writes the loss's gradient with respect to the logits into its second argument and returns the loss. */
    private interface Loss {
        float of(Tensor logits, Tensor dLogits);
    }

    private float trainStep(Batch batch, long seed, Loss loss) {
        DropoutSeeds seeds = new DropoutSeeds(seed);
        ElectraModel.Saved encoded = encoder.forwardForBackward(batch, seeds);
        ClassificationHead.Saved headSaved = head.forwardForBackward(encoder, encoded.output(), batch, seeds);
        Tensor logits = headSaved.logits();
        Tensor dLogits = backend().zeros(logits.shape());
        float value = loss.of(logits, dLogits);
        encoder.backward(head.backward(encoder, dLogits, headSaved), encoded);
        return value;
    }
}
