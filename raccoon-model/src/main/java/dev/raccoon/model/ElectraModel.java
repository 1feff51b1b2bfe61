package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The encoder, ElectraModel / BertModel: embeddings, the projection to the hidden size when the embedding
 * size differs (ELECTRA only), and the layers. Parameter keys start with {@code prefix} ("electra.", "bert.").
 */
public final class ElectraModel {
    private final Backend backend;
    private final ElectraConfig config;
    public final ElectraEmbeddings embeddings;
    /** Null when embedding size equals hidden size. */
    public final Linear embeddingsProject;
    public final List<ElectraLayer> layers;

    /** What {@link #backward} needs; {@code projectionInput} is the embeddings' output. */
    public record Saved(ElectraEmbeddings.Saved embeddings, Tensor projectionInput, List<ElectraLayer.Saved> layers,
                        Tensor output) {}

    public ElectraModel(Params params, String prefix, ElectraConfig config) {
        this(params, prefix, config, null);
    }

    /** An encoder whose embedding tables are {@code sharedEmbeddings}' when not null (ELECTRA's generator). */
    ElectraModel(Params params, String prefix, ElectraConfig config, ElectraEmbeddings sharedEmbeddings) {
        this.backend = params.backend();
        this.config = config;
        this.embeddings = new ElectraEmbeddings(params, prefix + "embeddings.", config, sharedEmbeddings);
        this.embeddingsProject = config.embeddingSize() != config.hiddenSize()
                ? new Linear(params, prefix + "embeddings_project", config.embeddingSize(), config.hiddenSize())
                : null;
        List<ElectraLayer> list = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++)
            list.add(new ElectraLayer(params, prefix + "encoder.layer." + i + ".", config));
        this.layers = List.copyOf(list);
    }

    public ElectraConfig config() { return config; }

    public Backend backend() { return backend; }

    /** Last hidden state, [size·seq, hidden]. */
    public Tensor forward(Batch batch) {
        return forward(batch, false);
    }

    /**
     * The last hidden state at the first ([CLS]) position of every sequence, [size, hidden]: what a
     * classification head reads. The last layer computes only those rows after its keys and values (its output
     * projection, LayerNorms and feed-forward are per row), which saves most of one layer's work.
     */
    public Tensor firstTokenStates(Batch batch) {
        return forward(batch, true);
    }

    private Tensor forward(Batch batch, boolean firstTokensOnly) {
        Tensor x = embeddings.forward(batch);
        if (embeddingsProject != null) x = embeddingsProject.forward(x);
        if (layers.isEmpty()) return firstTokensOnly ? firstTokens(x, batch) : x;
        int rows = x.rows(), hidden = config.hiddenSize();
        ElectraLayer.Buffers buffers = new ElectraLayer.Buffers(backend, rows, hidden, config.intermediateSize());
        // Layer outputs alternate between two tensors: a layer reads its input until it writes its output.
        Tensor[] outputs = {backend.zeros(rows, hidden), backend.zeros(rows, hidden)};
        int last = layers.size() - 1;
        for (int i = 0; i < last; i++) x = layers.get(i).forward(x, batch, buffers, outputs[i % 2]);
        return firstTokensOnly
                ? layers.get(last).forwardFirstTokens(x, batch, buffers, firstRows(batch))
                : layers.get(last).forward(x, batch, buffers, outputs[last % 2]);
    }

    /** The training forward pass (dropout on, activations kept). */
    public Saved forwardForBackward(Batch batch, DropoutSeeds seeds) {
        ElectraEmbeddings.Saved emb = embeddings.forwardForBackward(batch, seeds);
        Tensor x = emb.output();
        if (embeddingsProject != null) x = embeddingsProject.forward(x);
        List<ElectraLayer.Saved> saved = new ArrayList<>(layers.size());
        for (ElectraLayer layer : layers) {
            ElectraLayer.Saved s = layer.forwardForBackward(x, batch, seeds);
            saved.add(s);
            x = s.output();
        }
        return new Saved(emb, emb.output(), List.copyOf(saved), x);
    }

    /** Accumulates the gradients of every encoder parameter from the gradient of the last hidden state. */
    public void backward(Tensor dOut, Saved saved) {
        Tensor d = dOut;
        for (int i = layers.size() - 1; i >= 0; i--) d = layers.get(i).backward(d, saved.layers().get(i));
        if (embeddingsProject != null) d = embeddingsProject.backward(saved.projectionInput(), d);
        embeddings.backward(d, saved.embeddings());
    }

    /** The first ([CLS]) position of every sequence, [size, hidden]. */
    public Tensor firstTokens(Tensor hidden, Batch batch) {
        Tensor first = backend.zeros(batch.size(), hidden.cols());
        backend.gather(hidden, firstRows(batch), first);
        return first;
    }

    /** The gradient of the hidden state given that of {@link #firstTokens}: zero except at the [CLS] rows. */
    public Tensor firstTokensBackward(Tensor dFirst, Batch batch) {
        Tensor dHidden = backend.zeros(batch.tokens(), dFirst.cols());
        backend.scatterAdd(dFirst, firstRows(batch), dHidden);
        return dHidden;
    }

    private static int[] firstRows(Batch batch) {
        int[] rows = new int[batch.size()];
        for (int b = 0; b < rows.length; b++) rows[b] = b * batch.seq();
        return rows;
    }
}
