package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Tensor;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Word + position + token-type embeddings, then LayerNorm (ElectraEmbeddings / BertEmbeddings).
 * Positions count from 0 in every sequence, padding included, as transformers does with right padding.
 */
public final class ElectraEmbeddings {
    private final Backend backend;
    private final ElectraConfig config;
    public final Param wordEmbeddings;
    public final Param positionEmbeddings;
    public final Param tokenTypeEmbeddings;
    public final LayerNorm layerNorm;

    /** What {@link #backward} needs from {@link #forwardForBackward}; output is after dropout. */
    public record Saved(Batch batch, LayerNorm.Saved norm, Dropout dropout, Tensor output) {}

    public ElectraEmbeddings(Params params, String prefix, ElectraConfig config) {
        this(params, prefix, config, null);
    }

    /**
     * Embeddings whose three tables are {@code shared}'s (the same {@link Param}s, registered in {@code params}
     * too), as ELECTRA's generator shares the discriminator's; the LayerNorm stays this model's own. With
     * {@code shared} null the tables are new.
     */
    ElectraEmbeddings(Params params, String prefix, ElectraConfig config, ElectraEmbeddings shared) {
        this.backend = params.backend();
        this.config = config;
        int e = config.embeddingSize();
        wordEmbeddings = table(params, prefix + "word_embeddings.weight", shared == null ? null : shared.wordEmbeddings,
                config.vocabSize(), e);
        positionEmbeddings = table(params, prefix + "position_embeddings.weight",
                shared == null ? null : shared.positionEmbeddings, config.maxPositionEmbeddings(), e);
        tokenTypeEmbeddings = table(params, prefix + "token_type_embeddings.weight",
                shared == null ? null : shared.tokenTypeEmbeddings, config.typeVocabSize(), e);
        layerNorm = new LayerNorm(params, prefix + "LayerNorm", e, config.layerNormEps());
    }

    private static Param table(Params params, String name, Param shared, int rows, int cols) {
        if (shared == null) return params.create(name, Param.Kind.EMBEDDING, rows, cols);
        if (shared.shape().length != 2 || shared.shape()[0] != rows || shared.shape()[1] != cols)
            throw new IllegalArgumentException("cannot share " + shared.name() + " of shape "
                    + Arrays.toString(shared.shape()) + " where the config needs [" + rows + ", " + cols + "]");
        return params.share(name, shared);
    }

    /** The summed embeddings before LayerNorm, [size·seq, embeddingSize]. */
    public Tensor sum(Batch batch) {
        check(batch);
        int n = batch.tokens();
        int e = config.embeddingSize();
        Tensor x = backend.zeros(n, e);
        backend.gather(wordEmbeddings.value(), batch.inputIds(), x);
        Tensor part = backend.zeros(n, e);
        backend.gather(positionEmbeddings.value(), positionIds(batch), part);
        backend.add(x, part, x);
        backend.gather(tokenTypeEmbeddings.value(), batch.tokenTypeIds(), part);
        backend.add(x, part, x);
        return x;
    }

    public Tensor forward(Batch batch) {
        return layerNorm.forward(sum(batch));
    }

    /** The training forward pass: LayerNorm of the sum, then dropout (hidden_dropout_prob). */
    public Saved forwardForBackward(Batch batch, DropoutSeeds seeds) {
        LayerNorm.Saved norm = layerNorm.forwardForBackward(sum(batch));
        Dropout dropout = seeds.next(config.hiddenDropoutProb());
        return new Saved(batch, norm, dropout, dropout.forward(backend, norm.output()));
    }

    /**
     * Accumulates the gradients of the three tables and the LayerNorm. The padding row of the word embeddings
     * gets none, as torch's {@code nn.Embedding(padding_idx=pad_token_id)} gives it none.
     */
    public void backward(Tensor dOut, Saved saved) {
        Batch batch = saved.batch();
        Tensor dSum = layerNorm.backward(saved.dropout().backward(backend, dOut), saved.norm());
        int[] ids = batch.inputIds();
        int[] real = nonPadding(ids);
        if (real.length == ids.length) {
            backend.scatterAdd(dSum, ids, wordEmbeddings.grad(backend));
        } else if (real.length > 0) {
            Tensor dReal = backend.zeros(real.length, dSum.cols());
            backend.gather(dSum, real, dReal);
            int[] realIds = new int[real.length];
            for (int i = 0; i < real.length; i++) realIds[i] = ids[real[i]];
            backend.scatterAdd(dReal, realIds, wordEmbeddings.grad(backend));
        }
        backend.scatterAdd(dSum, positionIds(batch), positionEmbeddings.grad(backend));
        backend.scatterAdd(dSum, batch.tokenTypeIds(), tokenTypeEmbeddings.grad(backend));
    }

    /** Positions whose token is not the padding id. */
    private int[] nonPadding(int[] ids) {
        int pad = config.padTokenId();
        return IntStream.range(0, ids.length).filter(i -> ids[i] != pad).toArray();
    }

    public static int[] positionIds(Batch batch) {
        int[] pos = new int[batch.tokens()];
        for (int i = 0; i < pos.length; i++) pos[i] = i % batch.seq();
        return pos;
    }

    private void check(Batch batch) {
        if (batch.seq() > config.maxPositionEmbeddings())
            throw new IllegalArgumentException("sequence of " + batch.seq() + " tokens is longer than the model's "
                    + config.maxPositionEmbeddings() + " positions (max_position_embeddings)");
        for (int id : batch.inputIds())
            if (id < 0 || id >= config.vocabSize())
                throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + config.vocabSize());
        for (int t : batch.tokenTypeIds())
            if (t < 0 || t >= config.typeVocabSize())
                throw new IllegalArgumentException("token type " + t + " outside type_vocab_size " + config.typeVocabSize());
    }
}
