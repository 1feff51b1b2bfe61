package dev.raccoon.train.optim;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.HostTensor;
import dev.raccoon.engine.Tensor;
import dev.raccoon.model.Param;
import dev.raccoon.model.Params;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * torch.optim.AdamW over a model's parameters (each tied parameter once), with gradient clipping as
 * torch.nn.utils.clip_grad_norm_ does it. Moments are allocated on a parameter's first update.
 */
public final class AdamW {
    private static final String EXP_AVG = "exp_avg/";
    private static final String EXP_AVG_SQ = "exp_avg_sq/";

    private final Params params;
    private final Backend backend;
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final Predicate<Param> decays;
    private final Map<String, Tensor> m = new LinkedHashMap<>();
    private final Map<String, Tensor> v = new LinkedHashMap<>();
    private int stepCount;

    /** Decays what {@link Param#decayedByDefault} says: weights and embeddings, not biases or LayerNorm. */
    public AdamW(Params params, float beta1, float beta2, float eps, float weightDecay) {
        this(params, beta1, beta2, eps, weightDecay, Param::decayedByDefault);
    }

    public AdamW(Params params, float beta1, float beta2, float eps, float weightDecay, Predicate<Param> decays) {
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1))
            throw new IllegalArgumentException("AdamW betas must lie in [0, 1), got " + beta1 + " and " + beta2);
        if (!(eps >= 0 && weightDecay >= 0))
            throw new IllegalArgumentException("AdamW eps and weight decay must not be negative");
        this.params = params;
        this.backend = params.backend();
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decays = decays;
    }

    /** One update of every parameter that has a gradient, with learning rate {@code lr}. */
    public void step(float lr) {
        stepCount++;
        params.owned().forEach((name, p) -> {
            if (!p.hasGrad()) return;
            backend.adamw(p.value(), p.grad(backend), moment(m, name, p), moment(v, name, p), lr, beta1, beta2,
                    eps, decays.test(p) ? weightDecay : 0f, stepCount);
        });
    }

    private Tensor moment(Map<String, Tensor> moments, String name, Param p) {
        return moments.computeIfAbsent(name, k -> backend.zeros(p.shape()));
    }

    public void zeroGrad() {
        for (Param p : params.owned().values()) if (p.hasGrad()) backend.fill(p.grad(backend), 0f);
    }

    /**
     * Scales all gradients by {@code maxNorm / (norm + 1e-6)} when their global L2 norm exceeds maxNorm, as
     * clip_grad_norm_ does; returns the norm before clipping (NaN or infinite gradients give a NaN or
     * infinite norm and are left as they are, for the caller to notice).
     */
    public double clipGradNorm(double maxNorm) {
        List<Tensor> grads = new ArrayList<>();
        for (Param p : params.owned().values()) if (p.hasGrad()) grads.add(p.grad(backend));
        double norm = Math.sqrt(backend.sumOfSquares(grads));
        if (norm > maxNorm && Double.isFinite(norm)) {
            float scale = (float) (maxNorm / (norm + 1e-6));
            for (Param p : params.owned().values()) if (p.hasGrad()) backend.scale(p.grad(backend), scale);
        }
        return norm;
    }

    /** Updates done so far (torch's {@code step} of every parameter). */
    public int stepCount() { return stepCount; }

    /** The moments as host tensors keyed "exp_avg/&lt;param&gt;" and "exp_avg_sq/&lt;param&gt;", for checkpoints. */
    public Map<String, HostTensor> state() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        m.forEach((name, t) -> out.put(EXP_AVG + name, new HostTensor(t.shape(), backend.read(t))));
        v.forEach((name, t) -> out.put(EXP_AVG_SQ + name, new HostTensor(t.shape(), backend.read(t))));
        return out;
    }

    /** Restores what {@link #state} returned together with the step count; replaces any current state. */
    public void loadState(Map<String, HostTensor> state, int stepCount) {
        if (stepCount < 0) throw new IllegalArgumentException("optimizer step count " + stepCount + " is negative");
        Map<String, Tensor> newM = new LinkedHashMap<>();
        Map<String, Tensor> newV = new LinkedHashMap<>();
        state.forEach((key, host) -> {
            Map<String, Tensor> target;
            String name;
            if (key.startsWith(EXP_AVG_SQ)) { target = newV; name = key.substring(EXP_AVG_SQ.length()); }
            else if (key.startsWith(EXP_AVG)) { target = newM; name = key.substring(EXP_AVG.length()); }
            else throw new IllegalArgumentException("optimizer state " + key + " is neither exp_avg/ nor exp_avg_sq/");
            Param p = params.owned().get(name);
            if (p == null) throw new IllegalArgumentException("optimizer state " + key + " names no parameter of the model");
            if (!Arrays.equals(p.shape(), host.shape()))
                throw new IllegalArgumentException("optimizer state " + key + " has shape " + host.shapeString()
                        + " but the parameter has " + Arrays.toString(p.shape()));
            target.put(name, backend.of(host));
        });
        if (!newM.keySet().equals(newV.keySet()))
            throw new IllegalArgumentException("optimizer state has exp_avg and exp_avg_sq for different parameters");
        m.clear();
        m.putAll(newM);
        v.clear();
        v.putAll(newV);
        this.stepCount = stepCount;
    }
}
