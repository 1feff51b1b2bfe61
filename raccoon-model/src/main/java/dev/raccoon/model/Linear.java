package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Tensor;

/** torch.nn.Linear: {@code y = x · Wᵀ + b} with W stored [out, in] as in PyTorch state dicts. */
public final class Linear {
    private final Backend backend;
    public final Param weight;
    public final Param bias;
    public final int in;
    public final int out;

    public Linear(Params params, String prefix, int in, int out) {
        this.backend = params.backend();
        this.in = in;
        this.out = out;
        this.weight = params.create(prefix + ".weight", Param.Kind.WEIGHT, out, in);
        this.bias = params.create(prefix + ".bias", Param.Kind.BIAS, out);
    }

    /** A linear layer whose weight is another parameter (weight tying); only the bias is its own. */
    Linear(Params params, String prefix, Param tiedWeight) {
        this.backend = params.backend();
        this.out = tiedWeight.value().dim(0);
        this.in = tiedWeight.value().dim(1);
        this.weight = params.tie(prefix + ".weight", tiedWeight);
        this.bias = params.create(prefix + ".bias", Param.Kind.BIAS, out);
    }

    public Tensor forward(Tensor x) { return forward(x, backend.zeros(x.rows(), out)); }

    /** Writes x · Wᵀ + b into y, [rows, out], and returns it (whatever y held is overwritten). */
    public Tensor forward(Tensor x, Tensor y) {
        multiply(x, y);
        backend.addBias(y, bias.value());
        return y;
    }

    /** gelu(x · Wᵀ + b) in place of its pre-activation, for inference. */
    public Tensor forwardGelu(Tensor x) {
        Tensor y = backend.zeros(x.rows(), out);
        return forwardGelu(x, y, y);
    }

    /**
     * gelu(x · Wᵀ + b) into activation, the bias and GELU in one fused pass; preActivation keeps x · Wᵀ + b for
     * the backward pass of GELU, unless it is activation itself.
     */
    public Tensor forwardGelu(Tensor x, Tensor preActivation, Tensor activation) {
        multiply(x, preActivation);
        backend.biasGelu(preActivation, bias.value(), activation);
        return activation;
    }

    private void multiply(Tensor x, Tensor y) {
        Tensor wt = weight.frozenTranspose();
        if (wt != null) backend.matmul(x, false, wt, false, y, 1f, 0f);
        else backend.matmul(x, false, weight.value(), true, y, 1f, 0f);
    }

    /** Accumulates dW and db; returns dx. */
    public Tensor backward(Tensor x, Tensor dy) {
        Tensor dx = backend.zeros(x.rows(), in);
        backend.matmul(dy, false, weight.value(), false, dx, 1f, 0f);
        backend.matmul(dy, true, x, false, weight.grad(backend), 1f, 1f);
        backend.sumRows(dy, bias.grad(backend), 1f);
        return dx;
    }
}
