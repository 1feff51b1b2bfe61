package dev.raccoon.train.pretrain;

import dev.raccoon.model.ElectraConfig;

/**
 * Training FLOPs of a step, counted as ELECTRA's paper counts them: 2 per multiply-add of every matrix product
 * (projections, attention scores and weighted sums, FFN, heads), forward plus backward = 3 × forward (the backward
 * pass computes two products per forward one). Embedding lookups, LayerNorm, softmax and GELU are left out (a few
 * percent at these sizes). The LM head runs on the chosen positions, counted at the nominal share chosen (15 % by
 * default) of all positions, so a step's count depends only on the shapes and equal budgets are equal step ratios.
 */
public final class Flops {
    static final double TRAIN = 3;

    private Flops() {}

    /** Forward FLOPs of the encoder on {@code batch × seq} tokens. */
    public static double encoder(ElectraConfig c, int batch, int seq) {
        double n = (double) batch * seq;
        double h = c.hiddenSize(), e = c.embeddingSize(), f = c.intermediateSize();
        double projection = e != h ? 2 * n * e * h : 0;
        double layer = 2 * n * 4 * h * h   // query, key, value, output
                + 2 * 2 * n * seq * h      // scores and the weighted sum of values
                + 2 * 2 * n * h * f;       // FFN in and out
        return projection + c.numHiddenLayers() * layer;
    }

    /** Forward FLOPs of the masked-LM head (dense to the embedding size, then the vocabulary) on {@code rows} rows. */
    public static double lmHead(ElectraConfig c, double rows) {
        return 2 * rows * ((double) c.hiddenSize() * c.embeddingSize() + (double) c.embeddingSize() * c.vocabSize());
    }

    /** Forward FLOPs of the discriminator head on {@code rows} rows. */
    public static double discriminatorHead(ElectraConfig c, double rows) {
        return 2 * rows * ((double) c.hiddenSize() * c.hiddenSize() + c.hiddenSize());
    }
}
