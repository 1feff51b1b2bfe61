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
 * C = A·B for the shapes in {@link dev.raccoon.engine.GemmBench#SHAPES} ("m×k×n"), scalar against cpu.
 * GFLOP/s = 2·m·k·n / (µs per op · 1000). Scalar is slow: {@code -p backend=cpu:2} restricts to one backend.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBenchmark {
    @Param({"512x768x768", "2048x256x256", "2048x256x768", "2048x256x1024", "2048x1024x256", "64x256x256",
            "64x256x1024", "64x1024x256"})
    public String shape;

    /** device:threads */
    @Param({"scalar:1", "cpu:1", "cpu:2"})
    public String backend;

    private Backend be;
    private Tensor a, b, c;

    @Setup(Level.Trial)
    public void setUp() {
        String[] mkn = shape.split("x");
        int m = Integer.parseInt(mkn[0]), k = Integer.parseInt(mkn[1]), n = Integer.parseInt(mkn[2]);
        be = BenchInputs.backend(backend);
        SplittableRandom rnd = new SplittableRandom(1);
        a = be.of(BenchInputs.uniform(rnd, m * k), m, k);
        b = be.of(BenchInputs.uniform(rnd, k * n), k, n);
        c = be.zeros(m, n);
    }

    @TearDown(Level.Trial)
    public void tearDown() { be.close(); }

    @Benchmark
    public Tensor matmul() {
        be.matmul(a, false, b, false, c, 1, 0);
        return c;
    }
}
