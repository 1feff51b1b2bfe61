package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Tensor;

/**
 * One post-LayerNorm transformer layer, ElectraLayer / BertLayer:
 * {@code h = LN(x + Wo·attn(x))}, {@code out = LN(h + W2·gelu(W1·h))}.
 */
public final class ElectraLayer {
    private final Backend backend;
    private final int heads;
    private final float attentionDropout;
    private final float hiddenDropout;
    public final Linear query;
    public final Linear key;
    public final Linear value;
    public final Linear attentionOutput;
    public final LayerNorm attentionLayerNorm;
    public final Linear intermediate;
    public final Linear output;
    public final LayerNorm outputLayerNorm;

    /**
     * What {@link #backward} needs: the input, q/k/v and the attention probabilities (after dropout), the inputs
     * of the dense layers, the pre-activation of the FFN and both LayerNorms' statistics, plus the dropout sites.
     */
    public record Saved(Batch batch, Tensor input, Tensor q, Tensor k, Tensor v, Tensor probs, Dropout probsDropout,
                        Tensor context, Dropout attentionDropout, LayerNorm.Saved attentionNorm,
                        Tensor preActivation, Tensor activation, Dropout outputDropout, LayerNorm.Saved outputNorm) {
        public Tensor output() { return outputNorm.output(); }
    }

    public ElectraLayer(Params params, String prefix, ElectraConfig config) {
        this.backend = params.backend();
        this.heads = config.numAttentionHeads();
        this.attentionDropout = config.attentionProbsDropoutProb();
        this.hiddenDropout = config.hiddenDropoutProb();
        int h = config.hiddenSize();
        query = new Linear(params, prefix + "attention.self.query", h, h);
        key = new Linear(params, prefix + "attention.self.key", h, h);
        value = new Linear(params, prefix + "attention.self.value", h, h);
        attentionOutput = new Linear(params, prefix + "attention.output.dense", h, h);
        attentionLayerNorm = new LayerNorm(params, prefix + "attention.output.LayerNorm", h, config.layerNormEps());
        intermediate = new Linear(params, prefix + "intermediate.dense", h, config.intermediateSize());
        output = new Linear(params, prefix + "output.dense", config.intermediateSize(), h);
        outputLayerNorm = new LayerNorm(params, prefix + "output.LayerNorm", h, config.layerNormEps());
    }

    public int heads() { return heads; }

    public float attentionDropout() { return attentionDropout; }

    /**
     * The intermediate tensors of an inference pass, allocated once per pass and reused by every layer: a fresh
     * set per layer was ~290 MB of zeroed memory for one ELECTRA-small batch of 32 × 64, written by one thread.
     */
    public static final class Buffers {
        final Tensor q, k, v, context, attended, h, inner, out;

        public Buffers(Backend backend, int rows, int hidden, int intermediate) {
            q = backend.zeros(rows, hidden);
            k = backend.zeros(rows, hidden);
            v = backend.zeros(rows, hidden);
            context = backend.zeros(rows, hidden);
            attended = backend.zeros(rows, hidden);
            h = backend.zeros(rows, hidden);
            inner = backend.zeros(rows, intermediate);
            out = backend.zeros(rows, hidden);
        }
    }

    /**
     * Inference forward pass over hidden states x [size·seq, hidden] into {@code result} (which must not be x),
     * using {@code buffers} for everything in between.
     */
    public Tensor forward(Tensor x, Batch batch, Buffers buffers, Tensor result) {
        attend(x, batch, buffers);
        return afterAttention(buffers.context, x, buffers.attended, buffers.h, buffers.inner, buffers.out, result);
    }

    /**
     * {@link #forward} at the rows {@code first} only ([size, hidden]): every position is still attended to, but
     * everything after attention is per row and runs on those rows alone. Gives the same values as forward's rows.
     */
    public Tensor forwardFirstTokens(Tensor x, Batch batch, Buffers buffers, int[] first) {
        attend(x, batch, buffers);
        int rows = first.length, hidden = x.cols();
        Tensor context = backend.zeros(rows, hidden), residual = backend.zeros(rows, hidden);
        backend.gather(buffers.context, first, context);
        backend.gather(x, first, residual);
        return afterAttention(context, residual, backend.zeros(rows, hidden), backend.zeros(rows, hidden),
                backend.zeros(rows, intermediate.out), backend.zeros(rows, hidden), backend.zeros(rows, hidden));
    }

    /** Self-attention of x into buffers.context. */
    private void attend(Tensor x, Batch batch, Buffers buffers) {
        Tensor q = query.forward(x, buffers.q);
        Tensor k = key.forward(x, buffers.k);
        Tensor v = value.forward(x, buffers.v);
        backend.attention(q, k, v, batch.attentionMask(), batch.size(), batch.seq(), heads, 0f, 0L, buffers.context, null);
    }

    /** Output projection, residual and LayerNorm, then the feed-forward block, each into the tensor given. */
    private Tensor afterAttention(Tensor context, Tensor residual, Tensor attended, Tensor h, Tensor inner,
                                  Tensor out, Tensor result) {
        attentionOutput.forward(context, attended);
        attentionLayerNorm.forward(attended, residual, h);
        intermediate.forwardGelu(h, inner, inner);
        output.forward(inner, out);
        return outputLayerNorm.forward(out, h, result);
    }

    /**
     * The training forward pass, with dropout where transformers has it: on the attention probabilities, and on
     * the outputs of attention.output.dense and output.dense before their residual adds.
     */
    public Saved forwardForBackward(Tensor x, Batch batch, DropoutSeeds seeds) {
        Tensor q = query.forward(x);
        Tensor k = key.forward(x);
        Tensor v = value.forward(x);
        Tensor context = backend.zeros(x.shape());
        Tensor probs = backend.zeros(batch.size(), heads, batch.seq(), batch.seq());
        Dropout probsDropout = seeds.next(attentionDropout);
        backend.attention(q, k, v, batch.attentionMask(), batch.size(), batch.seq(), heads,
                probsDropout.p(), probsDropout.seed(), context, probs);
        Dropout attnDropout = seeds.next(hiddenDropout);
        Tensor attended = attnDropout.forward(backend, attentionOutput.forward(context));
        LayerNorm.Saved attentionNorm = attentionLayerNorm.forwardForBackward(attended, x);
        Tensor h = attentionNorm.output();
        Tensor preActivation = backend.zeros(h.rows(), intermediate.out);
        Tensor activation = intermediate.forwardGelu(h, preActivation, backend.zeros(preActivation.shape()));
        Dropout outDropout = seeds.next(hiddenDropout);
        Tensor out = outDropout.forward(backend, output.forward(activation));
        return new Saved(batch, x, q, k, v, probs, probsDropout, context, attnDropout, attentionNorm,
                preActivation, activation, outDropout, outputLayerNorm.forwardForBackward(out, h));
    }

    /** Accumulates this layer's parameter gradients; returns the gradient of its input. */
    public Tensor backward(Tensor dOut, Saved s) {
        Batch batch = s.batch();
        // dH collects both paths into h: the residual around the FFN and the FFN itself.
        Tensor dH = outputLayerNorm.backward(dOut, s.outputNorm());
        Tensor dActivation = output.backward(s.activation(), s.outputDropout().backward(backend, dH));
        Tensor dPre = backend.zeros(dActivation.shape());
        backend.geluBackward(s.preActivation(), dActivation, dPre);
        backend.add(dH, intermediate.backward(s.attentionNorm().output(), dPre), dH);

        Tensor dX = attentionLayerNorm.backward(dH, s.attentionNorm());
        Tensor dContext = attentionOutput.backward(s.context(), s.attentionDropout().backward(backend, dX));
        Tensor dq = backend.zeros(s.q().shape());
        Tensor dk = backend.zeros(s.k().shape());
        Tensor dv = backend.zeros(s.v().shape());
        backend.attentionBackward(dContext, s.q(), s.k(), s.v(), s.probs(), batch.attentionMask(), batch.size(),
                batch.seq(), heads, s.probsDropout().p(), s.probsDropout().seed(), dq, dk, dv);
        // dX already holds the residual path around attention.
        backend.add(dX, query.backward(s.input(), dq), dX);
        backend.add(dX, key.backward(s.input(), dk), dX);
        backend.add(dX, value.backward(s.input(), dv), dX);
        return dX;
    }
}
