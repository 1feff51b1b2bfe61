package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.engine.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

import static dev.raccoon.model.FiniteDifferences.Target;
import static dev.raccoon.model.FiniteDifferences.check;
import static dev.raccoon.model.FiniteDifferences.dot;
import static dev.raccoon.model.FiniteDifferences.paramTargets;
import static dev.raccoon.model.FiniteDifferences.random;
import static dev.raccoon.model.FiniteDifferences.randomize;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every backward pass against central finite differences on the scalar backend, on tiny shapes with padding and
 * with dropout on (its masks are fixed by the seed, so the loss stays a smooth function of the parameters).
 */
class BackwardGradientTest {
    private static final long SEED = 42;
    private static Backend backend;

    @BeforeAll
    static void open() { backend = Backends.scalar(); }

    @AfterAll
    static void close() { backend.close(); }

    /** Vocabulary 20, embedding 6 projected to hidden 8, 2 layers of 2 heads, FFN 12, dropout 0.1. */
    static ElectraConfig electra(List<String> labels) {
        return ElectraConfig.electra(20, 6, 8, 2, 2, 12, 8, labels);
    }

    static ElectraConfig bert(List<String> labels) {
        return new ElectraConfig("bert", List.of(), 20, 8, 8, 2, 2, 12, "gelu", 0.1f, 0.1f, 8, 2, 0.02f, 1e-12f, 0,
                true, null, null, labels, Map.of());
    }

    /** Three sequences of lengths 5, 3 and 4 padded to 5, the last two with a second segment. */
    static Batch paddedBatch() {
        int[] ids = {2, 7, 11, 5, 3, 2, 9, 3, 0, 0, 2, 14, 3, 19, 0};
        int[] types = {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0};
        int[] mask = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0};
        return new Batch(3, 5, ids, types, mask);
    }

    private static <M extends PretrainedModel> M model(Architecture architecture, ElectraConfig config) {
        @SuppressWarnings("unchecked")
        M model = (M) PretrainedModel.create(architecture, config, backend);
        randomize(backend, model.params(), SEED);
        return model;
    }

    @Test
    void embeddings() {
        ElectraConfig config = electra(List.of("a", "b"));
        Params params = new Params(backend);
        ElectraEmbeddings embeddings = new ElectraEmbeddings(params, "embeddings.", config);
        randomize(backend, params, SEED);
        Batch batch = paddedBatch();
        float[] r = random(batch.tokens() * 6, 1);
        DoubleSupplier loss = () -> dot(backend, embeddings.forwardForBackward(batch, new DropoutSeeds(SEED)).output(), r);
        ElectraEmbeddings.Saved saved = embeddings.forwardForBackward(batch, new DropoutSeeds(SEED));
        embeddings.backward(backend.of(r, batch.tokens(), 6), saved);

        float[] wordGrad = backend.read(embeddings.wordEmbeddings.grad(backend));
        for (int c = 0; c < 6; c++) assertThat(wordGrad[c]).as("padding row gets no gradient").isZero();
        check(backend, paramTargets(backend, params, config.padTokenId()), loss);
    }

    @Test
    void attentionLayerWithPaddingMask() {
        ElectraConfig config = electra(List.of("a", "b"));
        Params params = new Params(backend);
        ElectraLayer layer = new ElectraLayer(params, "layer.", config);
        randomize(backend, params, SEED);
        Batch batch = paddedBatch();
        int n = batch.tokens() * 8;
        Tensor x = backend.of(random(n, 2), batch.tokens(), 8);
        float[] r = random(n, 3);
        DoubleSupplier loss = () -> dot(backend, layer.forwardForBackward(x, batch, new DropoutSeeds(SEED)).output(), r);
        Tensor dx = layer.backward(backend.of(r, batch.tokens(), 8), layer.forwardForBackward(x, batch, new DropoutSeeds(SEED)));

        List<Target> targets = new ArrayList<>(paramTargets(backend, params, 0));
        targets.add(new Target("input", x, backend.read(dx), new int[0]));
        check(backend, targets, loss);
    }

    @Test
    void encoderWithProjection() {
        PretrainedModel model = model(Architecture.ELECTRA_MODEL, electra(List.of("a", "b")));
        assertThat(model.encoder.embeddingsProject).isNotNull();
        Batch batch = paddedBatch();
        float[] r = random(batch.tokens() * 8, 4);
        DoubleSupplier loss = () -> dot(backend, model.encoder.forwardForBackward(batch, new DropoutSeeds(SEED)).output(), r);
        ElectraModel.Saved saved = model.encoder.forwardForBackward(batch, new DropoutSeeds(SEED));
        model.encoder.backward(backend.of(r, batch.tokens(), 8), saved);
        check(backend, paramTargets(backend, model.params(), 0), loss);
    }

    @Test
    void electraClassifierCrossEntropy() {
        checkClassifier(model(Architecture.ELECTRA_FOR_SEQUENCE_CLASSIFICATION, electra(List.of("a", "b", "c"))),
                new int[]{2, 0, SequenceClassifier.IGNORE_INDEX}, null);
    }

    @Test
    void bertClassifierCrossEntropy() {
        checkClassifier(model(Architecture.BERT_FOR_SEQUENCE_CLASSIFICATION, bert(List.of("a", "b"))),
                new int[]{1, 0, 1}, null);
    }

    @Test
    void regressionMeanSquaredError() {
        SequenceClassifier model = model(Architecture.ELECTRA_FOR_SEQUENCE_CLASSIFICATION, electra(List.of("score")));
        assertThat(model.isRegression()).isTrue();
        checkClassifier(model, null, new float[]{0.5f, -1.5f, 2f});
    }

    /** trainStep's gradients against the loss recomputed in double from the training forward's logits. */
    private static void checkClassifier(SequenceClassifier model, int[] labels, float[] targets) {
        Batch batch = paddedBatch();
        DoubleSupplier loss = () -> {
            DropoutSeeds seeds = new DropoutSeeds(SEED);
            Tensor hidden = model.encoder.forwardForBackward(batch, seeds).output();
            float[] logits = backend.read(model.head.forwardForBackward(model.encoder, hidden, batch, seeds).logits());
            return labels == null ? meanSquaredError(logits, targets) : crossEntropy(logits, labels, model.config().numLabels());
        };
        float reported = model.trainStep(batch, labels, targets, SEED);
        assertThat((double) reported).isCloseTo(loss.getAsDouble(), org.assertj.core.data.Offset.offset(1e-5));
        check(backend, paramTargets(backend, model.params(), 0), loss);
    }

    @Test
    void discriminatorBinaryCrossEntropy() {
        ElectraForPreTraining model = model(Architecture.ELECTRA_FOR_PRE_TRAINING, electra(List.of("a", "b")));
        Batch batch = paddedBatch();
        float[] replaced = {0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0};
        DoubleSupplier loss = () -> {
            Tensor hidden = model.encoder.forwardForBackward(batch, new DropoutSeeds(SEED)).output();
            float[] logits = backend.read(model.headForBackward(hidden).logits());
            double sum = 0, count = 0;
            for (int i = 0; i < logits.length; i++) {
                if (batch.attentionMask()[i] == 0) continue;
                double x = logits[i];
                // log(1 + e^x) − y·x, stable for either sign of x
                sum += Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))) - replaced[i] * x;
                count++;
            }
            return sum / count;
        };
        float reported = model.trainStep(batch, replaced, SEED);
        assertThat((double) reported).isCloseTo(loss.getAsDouble(), org.assertj.core.data.Offset.offset(1e-5));
        check(backend, paramTargets(backend, model.params(), 0), loss);
    }

    /**
     * The generator's output layer is the word embedding matrix: its gradient must hold both uses. The batch has
     * no padding, so the padding row (reached only through the output layer) is checked too.
     */
    @Test
    void generatorWithTiedEmbeddings() {
        ElectraForMaskedLM model = model(Architecture.ELECTRA_FOR_MASKED_LM, electra(List.of("a", "b")));
        assertThat(model.lmHead.weight).isSameAs(model.encoder.embeddings.wordEmbeddings);
        Batch batch = new Batch(2, 4, new int[]{2, 7, 11, 3, 2, 5, 3, 8}, new int[]{0, 0, 0, 0, 0, 0, 1, 1},
                new int[]{1, 1, 1, 1, 1, 1, 1, 1});
        int[] labels = {-100, 4, -100, -100, -100, 0, -100, 17};
        DoubleSupplier loss = () -> {
            Tensor hidden = model.encoder.forwardForBackward(batch, new DropoutSeeds(SEED)).output();
            return crossEntropy(backend.read(model.headForBackward(hidden).logits()), labels, 20);
        };
        float reported = model.trainStep(batch, labels, SEED);
        assertThat((double) reported).isCloseTo(loss.getAsDouble(), org.assertj.core.data.Offset.offset(1e-5));
        List<Target> targets = new ArrayList<>();
        for (Param p : model.params().owned().values())
            targets.add(new Target(p.name(), p.value(), backend.read(p.grad(backend)), new int[0]));
        check(backend, targets, loss);
    }

    /** Mean cross-entropy over rows whose label is not -100, in double. */
    static double crossEntropy(float[] logits, int[] labels, int classes) {
        double sum = 0;
        int count = 0;
        for (int row = 0; row < labels.length; row++) {
            if (labels[row] == SequenceClassifier.IGNORE_INDEX) continue;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) max = Math.max(max, logits[row * classes + c]);
            double z = 0;
            for (int c = 0; c < classes; c++) z += Math.exp(logits[row * classes + c] - max);
            sum += max + Math.log(z) - logits[row * classes + labels[row]];
            count++;
        }
        return sum / count;
    }

    static double meanSquaredError(float[] predictions, float[] targets) {
        double sum = 0;
        for (int i = 0; i < targets.length; i++) sum += Math.pow(predictions[i] - targets[i], 2);
        return sum / targets.length;
    }
}
