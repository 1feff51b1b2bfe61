package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Tensor;

/**
 * Training-mode dropout at one call site: the probability and the seed the forward pass used, which is all
 * {@link #backward} needs to regenerate the mask.
 */
public record Dropout(float p, long seed) {

    /** {@code x} itself when p is 0 (nothing to drop, no copy), otherwise a new tensor. */
    public Tensor forward(Backend backend, Tensor x) {
        if (p == 0f) return x;
        Tensor out = backend.zeros(x.shape());
        backend.dropout(x, p, seed, out);
        return out;
    }

    public Tensor backward(Backend backend, Tensor dOut) {
        if (p == 0f) return dOut;
        Tensor dx = backend.zeros(dOut.shape());
        backend.dropoutBackward(dOut, p, seed, dx);
        return dx;
    }
}
