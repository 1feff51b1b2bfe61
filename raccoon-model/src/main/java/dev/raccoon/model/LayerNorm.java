package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Tensor;

/** torch.nn.LayerNorm over the last dimension. */
public final class LayerNorm {
    private final Backend backend;
    public final Param weight;
    public final Param bias;
    private final float eps;

    /** What the backward pass needs from the forward pass. */
    public record Saved(Tensor input, Tensor output, Tensor mean, Tensor rstd) {}

    public LayerNorm(Params params, String prefix, int size, float eps) {
        this.backend = params.backend();
        this.weight = params.create(prefix + ".weight", Param.Kind.NORM_WEIGHT, size);
        this.bias = params.create(prefix + ".bias", Param.Kind.NORM_BIAS, size);
        this.eps = eps;
    }

    public Tensor forward(Tensor x) { return forward(x, backend.zeros(x.shape())); }

    /** Writes LayerNorm(x) into y and returns it. */
    public Tensor forward(Tensor x, Tensor y) {
        backend.layerNorm(x, weight.value(), bias.value(), eps, y, null, null);
        return y;
    }

    /** A post-LN residual connection: writes LayerNorm(x + residual) into y, leaving the sum in x. */
    public Tensor forward(Tensor x, Tensor residual, Tensor y) {
        backend.residualLayerNorm(x, residual, weight.value(), bias.value(), eps, y, null, null);
        return y;
    }

    /** The forward pass keeping the row statistics for {@link #backward}. */
    public Saved forwardForBackward(Tensor x) { return forwardForBackward(x, null); }

    /** {@link #forwardForBackward(Tensor)} of x + residual (when not null), leaving the sum in x. */
    public Saved forwardForBackward(Tensor x, Tensor residual) {
        Tensor y = backend.zeros(x.shape());
        Tensor mean = backend.zeros(x.rows());
        Tensor rstd = backend.zeros(x.rows());
        if (residual == null) backend.layerNorm(x, weight.value(), bias.value(), eps, y, mean, rstd);
        else backend.residualLayerNorm(x, residual, weight.value(), bias.value(), eps, y, mean, rstd);
        return new Saved(x, y, mean, rstd);
    }

    public Tensor backward(Tensor dy, Saved saved) {
        Tensor dx = backend.zeros(dy.shape());
        backend.layerNormBackward(dy, saved.input(), weight.value(), saved.mean(), saved.rstd(), dx,
                weight.grad(backend), bias.grad(backend));
        return dx;
    }
}
