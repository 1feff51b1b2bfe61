package dev.raccoon.engine;

import dev.raccoon.engine.backends.Backends;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.raccoon.engine.BackendParityTest.concat;
import static dev.raccoon.engine.Rand.floats;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CPU backend's kernels give bit-identical results whether the JIT has compiled them or not. The Vector
 * API's Java fallback (interpreter, C1) and C2's intrinsics agree only on exactly specified operations; an
 * unordered lane reduction or a transcendental lanewise operator made training runs diverge once C2 took over.
 * A child JVM runs every kernel under {@code -Xint}; this JVM runs them after warming them up for C2.
 */
class JitDeterminismTest {
    private static final int WARMUP = 30_000;

    /** Every Vector API kernel on small fixed inputs (vector bodies and tails both), outputs by name. */
    static Map<String, float[]> outputs(Backend be) {
        SplittableRandom rnd = new SplittableRandom(42);
        Map<String, float[]> out = new LinkedHashMap<>();
        int rows = 3, cols = 40, size = rows * cols;
        Tensor x = be.of(floats(rnd, size, 3), rows, cols), g = be.of(floats(rnd, size, 1), rows, cols);
        Tensor bias = be.of(floats(rnd, cols, 1), cols), o = be.zeros(rows, cols);

        Tensor w = be.of(floats(rnd, 24 * cols, 1), 24, cols), c = be.zeros(rows, 24);
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
            Tensor a = ta ? be.of(be.read(x), cols, rows) : x, b = tb ? w : be.of(be.read(w), cols, 24);
            be.matmul(a, ta, b, tb, c, 0.5f, 0);
            out.put("matmul" + t, be.read(c));
        }
        be.copy(x, o);
        be.addBias(o, bias);
        out.put("addBias", be.read(o));
        Tensor db = be.of(floats(rnd, cols, 1), cols);
        be.sumRows(g, db, 0.5f);
        out.put("sumRows", be.read(db));
        be.add(x, g, o);
        out.put("add", be.read(o));
        be.axpy(0.3f, g, o);
        out.put("axpy", be.read(o));
        be.scale(o, 1.7f);
        out.put("scale", be.read(o));
        out.put("sumOfSquares", new float[] {(float) be.sumOfSquares(x)});
        be.gelu(x, o);
        out.put("gelu", be.read(o));
        be.geluBackward(x, g, o);
        out.put("geluBackward", be.read(o));
        be.tanh(x, o);
        out.put("tanh", be.read(o));
        be.tanhBackward(o, g, o);
        out.put("tanhBackward", be.read(o));
        be.softmax(x, o);
        out.put("softmax", be.read(o));
        be.dropout(x, 0.25f, 9, o);
        out.put("dropout", be.read(o));

        Tensor mean = be.zeros(rows), rstd = be.zeros(rows), gamma = be.of(floats(rnd, cols, 1), cols);
        be.layerNorm(x, gamma, bias, 1e-12f, o, mean, rstd);
        out.put("layerNorm", be.read(o));
        out.put("layerNormStats", concat(be.read(mean), be.read(rstd)));
        Tensor dGamma = be.zeros(cols), dBeta = be.zeros(cols);
        be.layerNormBackward(g, x, gamma, mean, rstd, o, dGamma, dBeta);
        out.put("layerNormBackward", concat(be.read(o), be.read(dGamma), be.read(dBeta)));

        int batch = 2, seq = 19, heads = 2, width = 16, tokens = batch * seq;
        int[] mask = new int[tokens];
        for (int i = 0; i < tokens; i++) mask[i] = i % seq < (i < seq ? seq : 13) ? 1 : 0;
        Tensor q = be.of(floats(rnd, tokens * width, 2), tokens, width), k = be.of(floats(rnd, tokens * width, 2), tokens, width);
        Tensor v = be.of(floats(rnd, tokens * width, 1), tokens, width), dOut = be.of(floats(rnd, tokens * width, 1), tokens, width);
        Tensor attn = be.zeros(tokens, width), probs = be.zeros(batch, heads, seq, seq);
        Tensor dq = be.zeros(tokens, width), dk = be.zeros(tokens, width), dv = be.zeros(tokens, width);
        for (float p : new float[] {0, 0.1f}) {
            be.attention(q, k, v, mask, batch, seq, heads, p, 3, attn, probs);
            out.put("attention" + p, concat(be.read(attn), be.read(probs)));
            be.attentionBackward(dOut, q, k, v, probs, mask, batch, seq, heads, p, 3, dq, dk, dv);
            out.put("attentionBackward" + p, concat(be.read(dq), be.read(dk), be.read(dv)));
        }

        int[] labels = {1, -100, 39};
        out.put("crossEntropyLoss", new float[] {be.crossEntropy(x, labels, -100, null)});
        out.put("crossEntropy", concat(new float[] {be.crossEntropy(x, labels, -100, o)}, be.read(o)));

        Tensor p = be.of(be.read(x), rows, cols), m = be.of(floats(rnd, size, 0.1), rows, cols);
        Tensor v2 = be.of(abs(floats(rnd, size, 0.01)), rows, cols);
        be.adamw(p, g, m, v2, 1e-3f, 0.9f, 0.999f, 1e-6f, 0.01f, 3);
        out.put("adamw", concat(be.read(p), be.read(m), be.read(v2)));
        return out;
    }

    private static float[] abs(float[] x) {
        for (int i = 0; i < x.length; i++) x[i] = Math.abs(x[i]);
        return x;
    }


    /** One line per kernel: its name and its outputs' bits in hex. */
    private static List<String> lines(Map<String, float[]> outputs) {
        List<String> lines = new ArrayList<>();
        outputs.forEach((name, values) -> {
            StringBuilder s = new StringBuilder(name);
            for (float f : values) s.append(' ').append(Integer.toHexString(Float.floatToRawIntBits(f)));
            lines.add(s.toString());
        });
        return lines;
    }

    /** The child JVM's side: prints {@link #lines} for the cpu backend. */
    public static void main(String[] args) {
        try (Backend be = Backends.cpu(1)) {
            lines(outputs(be)).forEach(System.out::println);
        }
    }

    @Test
    void compiledKernelsGiveTheBitsOfInterpretedOnes() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-Xint", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), JitDeterminismTest.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> interpreted = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines().toList();
        assertThat(child.waitFor()).as("exit status of the -Xint child").isZero();

        try (Backend be = Backends.cpu(1)) {
            for (int i = 0; i < WARMUP; i++) outputs(be);
            List<String> compiled = lines(outputs(be));
            assertThat(compiled).hasSameSizeAs(interpreted);
            List<String> differ = new ArrayList<>();
            for (int i = 0; i < compiled.size(); i++)
                if (!compiled.get(i).equals(interpreted.get(i))) differ.add(compiled.get(i).split(" ", 2)[0]);
            assertThat(differ).as("kernels whose compiled results differ from interpreted ones").isEmpty();
        }
    }
}
