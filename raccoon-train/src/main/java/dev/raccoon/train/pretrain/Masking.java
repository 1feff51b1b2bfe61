package dev.raccoon.train.pretrain;

import dev.raccoon.model.Batch;
import dev.raccoon.model.SequenceClassifier;
import dev.raccoon.text.Vocabulary;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses the positions a pretraining step predicts and corrupts them. Every real token that is not [CLS], [SEP],
 * [PAD] or [MASK] is chosen with probability {@code chooseProb}; a chosen token becomes [MASK] with probability
 * {@code maskProb}, a random ordinary token with probability {@code randomProb}, and stays itself otherwise.
 */
public record Masking(float chooseProb, float maskProb, float randomProb, int maskId, int vocabSize, boolean[] special) {

    /**
     * @param inputIds the corrupted ids
     * @param labels   the original id at chosen positions, {@link SequenceClassifier#IGNORE_INDEX} elsewhere
     * @param chosen   the chosen positions (flat indices into the batch), ascending
     */
    public record Masked(int[] inputIds, int[] labels, int[] chosen) {}

    public Masking {
        if (!(chooseProb > 0 && chooseProb <= 1 && maskProb >= 0 && randomProb >= 0 && maskProb + randomProb <= 1))
            throw new IllegalArgumentException("masking probabilities out of range: choose " + chooseProb + ", mask "
                    + maskProb + ", random " + randomProb);
    }

    /** BERT's and ELECTRA's share of chosen tokens (ELECTRA-Large used 0.25). */
    public static final float DEFAULT_CHOOSE_PROB = 0.15f;

    /** ELECTRA's: {@code chooseProb} chosen, 85 % of them [MASK] and 15 % kept (the generator's samples do the replacing). */
    public static Masking electra(Vocabulary vocab, float chooseProb) {
        return new Masking(chooseProb, 0.85f, 0f, vocab.maskId(), vocab.size(), specials(vocab));
    }

    /** BERT's: {@code chooseProb} chosen, 80 % [MASK], 10 % a random token, 10 % kept. */
    public static Masking bert(Vocabulary vocab, float chooseProb) {
        return new Masking(chooseProb, 0.8f, 0.1f, vocab.maskId(), vocab.size(), specials(vocab));
    }

    private static boolean[] specials(Vocabulary vocab) {
        boolean[] special = new boolean[vocab.size()];
        for (int id : new int[] {vocab.padId(), vocab.clsId(), vocab.sepId(), vocab.maskId()})
            if (id >= 0) special[id] = true;
        return special;
    }

    public Masked apply(Batch batch, SplittableRandom random) {
        int[] ids = batch.inputIds().clone();
        int[] labels = new int[ids.length];
        Arrays.fill(labels, SequenceClassifier.IGNORE_INDEX);
        int[] chosen = new int[ids.length];
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (batch.attentionMask()[i] == 0 || special[id] || random.nextFloat() >= chooseProb) continue;
            chosen[n++] = i;
            labels[i] = id;
            float r = random.nextFloat();
            if (r < maskProb) ids[i] = maskId;
            else if (r < maskProb + randomProb) ids[i] = randomOrdinary(random);
        }
        return new Masked(ids, labels, Arrays.copyOf(chosen, n));
    }

    private int randomOrdinary(SplittableRandom random) {
        while (true) {
            int id = random.nextInt(vocabSize);
            if (!special[id]) return id;
        }
    }
}
