package dev.raccoon.train.pretrain;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Tensor;
import dev.raccoon.model.Batch;
import dev.raccoon.model.DropoutSeeds;
import dev.raccoon.model.ElectraConfig;
import dev.raccoon.model.ElectraForMaskedLM;
import dev.raccoon.model.ElectraForPreTraining;
import dev.raccoon.model.ElectraModel;
import dev.raccoon.model.PretrainedModel;
import dev.raccoon.model.SequenceClassifier;
import dev.raccoon.text.Vocabulary;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * ELECTRA's replaced-token detection. The generator (a small masked LM sharing the discriminator's word, position
 * and token-type embeddings) predicts the chosen positions; its samples fill them; the discriminator labels every
 * real token replaced or original. Loss = generator MLM + λ · discriminator BCE, λ = 50. Sampling is discrete, so
 * no gradient flows from the discriminator into the generator; both add into the shared tables.
 */
public final class ElectraPretraining implements Pretraining {
    /** ELECTRA's discriminator loss weight. */
    public static final float DISCRIMINATOR_WEIGHT = 50f;

    /** Picks a token per chosen position from the generator's probabilities ([rows, vocab], on the backend). */
    interface Sampler {
        int[] sample(Tensor probs);
    }

    private final ElectraForPreTraining discriminator;
    private final ElectraForMaskedLM generator;
    private final Masking masking;
    private final Backend backend;
    private final DiscriminatorLoss discriminatorLoss;

    ElectraPretraining(ElectraForPreTraining discriminator, ElectraConfig generatorConfig, Vocabulary vocab,
                       float chooseProb, DiscriminatorLoss discriminatorLoss) {
        requireSharedTablesFit(discriminator.config(), generatorConfig);
        this.discriminator = discriminator;
        this.discriminatorLoss = discriminatorLoss;
        this.generator = ElectraForMaskedLM.sharingEmbeddings(generatorConfig, discriminator.encoder);
        this.masking = Masking.electra(vocab, chooseProb);
        this.backend = discriminator.backend();
    }

    /** The generator reads the discriminator's word, position and token-type tables, so their shapes must agree. */
    private static void requireSharedTablesFit(ElectraConfig d, ElectraConfig g) {
        String[] names = {"vocabulary size", "embedding size", "position count", "token type count", "padding id"};
        int[] ds = {d.vocabSize(), d.embeddingSize(), d.maxPositionEmbeddings(), d.typeVocabSize(), d.padTokenId()};
        int[] gs = {g.vocabSize(), g.embeddingSize(), g.maxPositionEmbeddings(), g.typeVocabSize(), g.padTokenId()};
        for (int i = 0; i < names.length; i++)
            if (ds[i] != gs[i])
                throw new IllegalArgumentException("the generator shares the discriminator's embedding tables, but its "
                        + names[i] + " is " + gs[i] + " against the discriminator's " + ds[i]);
    }

    public ElectraForPreTraining discriminator() { return discriminator; }

    public ElectraForMaskedLM generator() { return generator; }

    @Override
    public Objective objective() { return Objective.ELECTRA; }

    @Override
    public Map<String, PretrainedModel> models() {
        Map<String, PretrainedModel> m = new LinkedHashMap<>();
        m.put("discriminator", discriminator);
        m.put("generator", generator);
        return m;
    }

    @Override
    public PretrainedModel encoderModel() { return discriminator; }

    @Override
    public Map<String, String> lossSettings() {
        return Map.of("mask_prob", Float.toString(masking.chooseProb()),
                "discriminator_loss", discriminatorLoss.description);
    }

    @Override
    public StepStats trainStep(Batch batch, long seed) {
        Masking.Masked masked = masking.apply(batch, new SplittableRandom(Pretraining.mix(seed, 0)));
        return trainStep(batch, masked, probs -> backend.sampleRows(probs, Pretraining.mix(seed, 1)),
                Pretraining.mix(seed, 2));
    }

    StepStats trainStep(Batch batch, Masking.Masked masked, Sampler sampler, long dropoutSeed) {
        int n = batch.tokens();
        int[] rows = masked.chosen();
        int m = rows.length;
        int vocab = generator.config().vocabSize();

        Batch generatorInput = new Batch(batch.size(), batch.seq(), masked.inputIds(), batch.tokenTypeIds(),
                batch.attentionMask());
        ElectraModel.Saved g = generator.encoder.forwardForBackward(generatorInput, new DropoutSeeds(Pretraining.mix(dropoutSeed, 0)));
        int[] discriminatorIds = batch.inputIds().clone();
        float[] replaced = new float[n];
        float mlmLoss = 0;
        int mlmCorrect = 0;
        if (m > 0) {
            // The LM head runs on the chosen rows only: at V = 32k it would otherwise cost more than both encoders.
            Tensor hidden = backend.zeros(m, g.output().cols());
            backend.gather(g.output(), rows, hidden);
            ElectraForMaskedLM.HeadSaved head = generator.headForBackward(hidden);
            int[] labels = new int[m];
            for (int i = 0; i < m; i++) labels[i] = masked.labels()[rows[i]];
            Tensor dLogits = backend.zeros(m, vocab);
            mlmLoss = backend.crossEntropy(head.logits(), labels, SequenceClassifier.IGNORE_INDEX, dLogits);
            // diverged logits give no distribution to sample replacements from: the step ends here, the trainer stops on its loss
            if (!Float.isFinite(mlmLoss)) return new StepStats(mlmLoss, mlmLoss, 0, 0, m, 0, 0, 0, 0, 0, 0, 1);
            // Sampled and scored on the backend: the [m, vocab] probabilities never cross to the host.
            Tensor probs = backend.zeros(m, vocab);
            backend.softmax(head.logits(), probs);
            int[] sampled = sampler.sample(probs);
            int[] predicted = backend.argmaxRows(head.logits());
            for (int i = 0; i < m; i++) {
                if (predicted[i] == labels[i]) mlmCorrect++;
                discriminatorIds[rows[i]] = sampled[i];
                replaced[rows[i]] = sampled[i] != labels[i] ? 1f : 0f;
            }
            Tensor dHidden = backend.zeros(n, g.output().cols());
            backend.scatterAdd(generator.headBackward(dLogits, head), rows, dHidden);
            generator.encoder.backward(dHidden, g);
        }

        Batch discriminatorInput = new Batch(batch.size(), batch.seq(), discriminatorIds, batch.tokenTypeIds(),
                batch.attentionMask());
        ElectraModel.Saved d = discriminator.encoder.forwardForBackward(discriminatorInput,
                new DropoutSeeds(Pretraining.mix(dropoutSeed, 1)));
        ElectraForPreTraining.HeadSaved head = discriminator.headForBackward(d.output());
        // The loss is over every real token; the log's information is over the tokens that can be replaced.
        float[] weights = new float[n], contentWeights = new float[n];
        for (int i = 0; i < n; i++) {
            weights[i] = batch.attentionMask()[i];
            if (weights[i] != 0 && !masking.special()[batch.inputIds()[i]]) contentWeights[i] = 1;
        }
        Tensor dLogits = backend.zeros(head.logits().shape());
        boolean everyToken = discriminatorLoss == DiscriminatorLoss.EVERY_REAL_TOKEN;
        float discLoss = backend.binaryCrossEntropy(head.logits(), replaced, everyToken ? weights : contentWeights,
                dLogits);
        float contentMeanLoss = everyToken
                ? backend.binaryCrossEntropy(head.logits(), replaced, contentWeights, null) : discLoss;
        backend.scale(dLogits, DISCRIMINATOR_WEIGHT);
        discriminator.encoder.backward(discriminator.headBackward(dLogits, head), d);

        float[] logits = backend.read(head.logits());
        long real = 0, correct = 0, originals = 0, content = 0, contentOriginals = 0;
        for (int i = 0; i < n; i++) {
            if (weights[i] == 0) continue;
            real++;
            boolean isReplaced = replaced[i] > 0;
            if (!isReplaced) originals++;
            if ((logits[i] > 0) == isReplaced) correct++;
            if (contentWeights[i] == 0) continue;
            content++;
            if (!isReplaced) contentOriginals++;
        }
        double contentLoss = (double) contentMeanLoss * content;
        return new StepStats(mlmLoss + DISCRIMINATOR_WEIGHT * discLoss, mlmLoss, discLoss, real, m, mlmCorrect,
                correct, originals, content, contentOriginals, contentLoss, 1);
    }

    @Override
    public double flopsPerStep(int batch, int seq) {
        double chosen = masking.chooseProb() * (double) batch * seq;
        return Flops.TRAIN * (Flops.encoder(generator.config(), batch, seq) + Flops.lmHead(generator.config(), chosen)
                + Flops.encoder(discriminator.config(), batch, seq) + Flops.discriminatorHead(discriminator.config(), batch * seq));
    }
}
