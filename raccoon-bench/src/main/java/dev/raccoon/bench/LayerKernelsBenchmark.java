package dev.raccoon.bench;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The element-wise and row kernels of an ELECTRA-small layer at batch 32 × 64 (2,048 rows, hidden 256, FFN 1024),
 * each fused kernel beside the steps it replaces: {@code biasGelu} against addBias then gelu, {@code residualLayerNorm}
 * against add then layerNorm. The inputs are rewritten by every call, which leaves the figures unchanged: the kernels
 * take the same time on any finite values.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class LayerKernelsBenchmark {
    private static final int ROWS = 2048, HIDDEN = 256, FFN = 1024;

    /** device:threads */
    @Param({"cpu:1", "cpu:2"})
    public String backend;

    private Backend be;
    private Tensor inner, innerBias, x, residual, gamma, beta, normalized;

    @Setup(Level.Trial)
    public void setUp() {
        be = BenchInputs.backend(backend);
        SplittableRandom rnd = new SplittableRandom(1);
        inner = be.of(BenchInputs.uniform(rnd, ROWS * FFN), ROWS, FFN);
        innerBias = be.of(BenchInputs.uniform(rnd, FFN), FFN);
        x = be.of(BenchInputs.uniform(rnd, ROWS * HIDDEN), ROWS, HIDDEN);
        residual = be.of(BenchInputs.uniform(rnd, ROWS * HIDDEN), ROWS, HIDDEN);
        gamma = be.of(BenchInputs.uniform(rnd, HIDDEN), HIDDEN);
        beta = be.of(BenchInputs.uniform(rnd, HIDDEN), HIDDEN);
        normalized = be.zeros(ROWS, HIDDEN);
    }

    @TearDown(Level.Trial)
    public void tearDown() { be.close(); }

    @Benchmark
    public Tensor addBiasThenGelu() {
        be.addBias(inner, innerBias);
        be.gelu(inner, inner);
        return inner;
    }

    @Benchmark
    public Tensor biasGelu() {
        be.biasGelu(inner, innerBias, inner);
        return inner;
    }

    @Benchmark
    public Tensor addThenLayerNorm() {
        be.add(x, residual, x);
        be.layerNorm(x, gamma, beta, 1e-12f, normalized, null, null);
        return normalized;
    }

    @Benchmark
    public Tensor residualLayerNorm() {
        be.residualLayerNorm(x, residual, gamma, beta, 1e-12f, normalized, null, null);
        return normalized;
    }
}
