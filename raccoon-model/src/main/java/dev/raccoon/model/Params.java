package dev.raccoon.model;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.HostTensor;

import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * All parameters of a model by state-dict key, in creation order. Tied parameters (the generator's output
 * layer and the word embeddings) are one {@link Param} under two names; {@link #owned()} lists each once.
 */
public final class Params {
    private final Backend backend;
    private final Map<String, Param> byName = new LinkedHashMap<>();
    private final Map<String, Param> owned = new LinkedHashMap<>();
    private boolean frozen;

    public Params(Backend backend) {
        this.backend = backend;
    }

    public Backend backend() { return backend; }

    Param create(String name, Param.Kind kind, int... shape) {
        if (byName.containsKey(name)) throw new IllegalStateException("parameter " + name + " created twice");
        Param p = new Param(name, kind, backend.zeros(shape));
        byName.put(name, p);
        owned.put(name, p);
        return p;
    }

    /**
     * Registers another model's parameter as one of this model's own under {@code name}: the ELECTRA generator
     * and discriminator share their embedding tables this way, so both list and save the table and both
     * accumulate their gradients into it.
     */
    Param share(String name, Param shared) {
        if (byName.containsKey(name)) throw new IllegalStateException("parameter " + name + " created twice");
        byName.put(name, shared);
        owned.put(name, shared);
        return shared;
    }

    /**
     * The distinct parameters of models trained together, for one optimizer and one gradient norm: each under
     * its model's prefix and key, a parameter shared by several models once (under the first model naming it).
     */
    public static Params join(Map<String, Params> byPrefix) {
        if (byPrefix.isEmpty()) throw new IllegalArgumentException("no models to join");
        Params joined = new Params(byPrefix.values().iterator().next().backend);
        Map<Param, Boolean> seen = new IdentityHashMap<>();
        byPrefix.forEach((prefix, params) -> {
            if (params.backend != joined.backend) throw new IllegalArgumentException("models on different backends cannot be joined");
            params.owned.forEach((name, p) -> {
                if (seen.put(p, Boolean.TRUE) != null) return;
                joined.byName.put(prefix + name, p);
                joined.owned.put(prefix + name, p);
            });
        });
        return joined;
    }

    /** Makes {@code alias} another key for {@code target} (weight tying). */
    Param tie(String alias, Param target) {
        byName.put(alias, target);
        return target;
    }

    /** Every key, tied aliases included. */
    public Map<String, Param> all() { return Collections.unmodifiableMap(byName); }

    /** Each distinct parameter once, under the key it was created with. */
    public Map<String, Param> owned() { return Collections.unmodifiableMap(owned); }

    public Param get(String name) {
        Param p = byName.get(name);
        if (p == null) throw new IllegalArgumentException("no parameter named " + name);
        return p;
    }

    public boolean isTiedAlias(String name) {
        return byName.containsKey(name) && !owned.containsKey(name);
    }

    public long count() {
        long n = 0;
        for (Param p : owned.values()) n += p.value().size();
        return n;
    }

    /**
     * Makes the parameters read-only for inference and keeps what serves it faster (transposed dense weights,
     * {@link Param#frozenTranspose}). Training a frozen model fails at the first gradient, loading into it here.
     */
    public void freeze() {
        frozen = true;
        for (Param p : owned.values()) p.freeze(backend);
    }

    public boolean isFrozen() { return frozen; }

    /** Copies a checkpoint tensor into a parameter after checking its shape. */
    public void load(String name, HostTensor t, String source) {
        if (frozen) throw new IllegalStateException("parameters are frozen for inference");
        Param p = get(name);
        if (!Arrays.equals(p.shape(), t.shape()))
            throw new IllegalArgumentException(source + ": tensor " + name + " has shape " + t.shapeString()
                    + " but the model (config.json) expects " + Arrays.toString(p.shape()));
        float[] data = t.data();
        for (int i = 0; i < data.length; i++)
            if (!Float.isFinite(data[i]))
                throw new IllegalArgumentException(source + ": tensor " + name + " holds " + data[i] + " (element " + i
                        + "); a model with non-finite weights answers NaN for every text (was it saved from a diverged run?)");
        backend.write(p.value(), data);
    }

    /** The owned parameters as host tensors, for saving. */
    public Map<String, HostTensor> toHost() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        owned.forEach((name, p) -> out.put(name, new HostTensor(p.shape(), backend.read(p.value()))));
        return out;
    }

    /**
     * transformers' _init_weights: weights and embeddings N(0, range), biases 0, LayerNorm 1 and 0,
     * and the padding row of the word embeddings zeroed.
     */
    public void initialize(float initializerRange, int padTokenId, long seed) {
        if (frozen) throw new IllegalStateException("parameters are frozen for inference");
        SplittableRandom random = new SplittableRandom(seed);
        for (Param p : owned.values()) {
            float[] v = new float[p.value().size()];
            switch (p.kind()) {
                case WEIGHT, EMBEDDING -> {
                    for (int i = 0; i < v.length; i++) v[i] = (float) (gaussian(random) * initializerRange);
                    if (p.kind() == Param.Kind.EMBEDDING && p.name().endsWith("word_embeddings.weight")) {
                        int cols = p.value().cols();
                        Arrays.fill(v, padTokenId * cols, (padTokenId + 1) * cols, 0f);
                    }
                }
                case NORM_WEIGHT -> Arrays.fill(v, 1f);
                case BIAS, NORM_BIAS -> { }
            }
            backend.write(p.value(), v);
        }
    }

    private static double gaussian(SplittableRandom r) {
        // Box–Muller: SplittableRandom has no nextGaussian that is stable across JDKs.
        double u1 = r.nextDouble(), u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
