package dev.raccoon.train.pretrain;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Tensor;
import dev.raccoon.model.Batch;
import dev.raccoon.model.DropoutSeeds;
import dev.raccoon.model.ElectraForMaskedLM;
import dev.raccoon.model.ElectraModel;
import dev.raccoon.model.PretrainedModel;
import dev.raccoon.model.SequenceClassifier;
import dev.raccoon.text.Vocabulary;

import java.util.Map;
import java.util.SplittableRandom;

/** The BERT-style baseline: a masked LM of the discriminator's size trained on 15 % of tokens, 80/10/10. */
public final class MlmPretraining implements Pretraining {
    private final ElectraForMaskedLM model;
    private final Masking masking;
    private final Backend backend;

    MlmPretraining(ElectraForMaskedLM model, Vocabulary vocab, float chooseProb) {
        this.model = model;
        this.masking = Masking.bert(vocab, chooseProb);
        this.backend = model.backend();
    }

    @Override
    public Objective objective() { return Objective.MLM; }

    @Override
    public Map<String, PretrainedModel> models() { return Map.of("mlm", model); }

    @Override
    public PretrainedModel encoderModel() { return model; }

    @Override
    public Map<String, String> lossSettings() { return Map.of("mask_prob", Float.toString(masking.chooseProb())); }

    @Override
    public StepStats trainStep(Batch batch, long seed) {
        Masking.Masked masked = masking.apply(batch, new SplittableRandom(Pretraining.mix(seed, 0)));
        int[] rows = masked.chosen();
        int m = rows.length;
        long real = 0;
        for (int v : batch.attentionMask()) real += v;
        if (m == 0) return new StepStats(0, 0, 0, real, 0, 0, 0, real, 0, 0, 0, 1);
        Batch input = new Batch(batch.size(), batch.seq(), masked.inputIds(), batch.tokenTypeIds(), batch.attentionMask());
        ElectraModel.Saved saved = model.encoder.forwardForBackward(input, new DropoutSeeds(Pretraining.mix(seed, 2)));
        Tensor hidden = backend.zeros(m, saved.output().cols());
        backend.gather(saved.output(), rows, hidden);
        ElectraForMaskedLM.HeadSaved head = model.headForBackward(hidden);
        int vocab = model.config().vocabSize();
        int[] labels = new int[m];
        for (int i = 0; i < m; i++) labels[i] = masked.labels()[rows[i]];
        Tensor dLogits = backend.zeros(m, vocab);
        float loss = backend.crossEntropy(head.logits(), labels, SequenceClassifier.IGNORE_INDEX, dLogits);
        Tensor dHidden = backend.zeros(batch.tokens(), saved.output().cols());
        backend.scatterAdd(model.headBackward(dLogits, head), rows, dHidden);
        model.encoder.backward(dHidden, saved);
        int[] predicted = backend.argmaxRows(head.logits());
        int correct = 0;
        for (int i = 0; i < m; i++) if (predicted[i] == labels[i]) correct++;
        return new StepStats(loss, loss, 0, real, m, correct, 0, real, 0, 0, 0, 1);
    }

    @Override
    public double flopsPerStep(int batch, int seq) {
        return Flops.TRAIN * (Flops.encoder(model.config(), batch, seq)
                + Flops.lmHead(model.config(), masking.chooseProb() * (double) batch * seq));
    }
}
