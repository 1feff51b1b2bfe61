package dev.raccoon.engine;

import dev.raccoon.engine.backends.Backends;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static dev.raccoon.engine.Rand.floats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Vector API backend against the scalar reference (every kernel, from {@link BackendParityTest}) on 2
 * threads, and what depends on the thread count: blocking loops on 3 threads, results independent of it.
 */
class VectorBackendTest extends BackendParityTest {
    private static final Backend two = Backends.cpu(2), three = Backends.cpu(3);

    @AfterAll
    static void close() {
        two.close();
        three.close();
    }

    @Override
    protected Backend be() { return two; }

    @Test
    void matmulAcrossCacheBlocksOnThreeThreads() {
        // k > KC, m > MC and n > one thread's share: every blocking loop runs more than once.
        checkMatmul(three, 301, 530, 77, false, true, 1, 0);
        checkMatmul(three, 67, 300, 700, true, false, 1, 1);
        checkMatmul(three, 200, 260, 200, true, true, -2, 0.25f);
    }

    @Test
    void matmulDoesNotDependOnThreadCount() {
        try (Backend one = Backends.cpu(1)) {
            float[] a = floats(rnd, 150 * 400, 1), b = floats(rnd, 400 * 260, 1);
            float[][] out = new float[3][];
            Backend[] bes = {one, two, three};
            for (int i = 0; i < 3; i++) {
                Tensor c = bes[i].zeros(150, 260);
                bes[i].matmul(bes[i].of(a, 150, 400), false, bes[i].of(b, 400, 260), false, c, 1, 0);
                out[i] = bes[i].read(c);
            }
            assertThat(out[1]).isEqualTo(out[0]);
            assertThat(out[2]).isEqualTo(out[0]);
        }
    }

    @Test
    void aConstantRightOperandIsPackedOnceAndGivesTheSameProduct() {
        // n off the sliver width, k over one KC block, and both ways of splitting across threads.
        int[][] shapes = {{64, 256, 768}, {64, 1100, 77}, {700, 300, 90}, {5, 40, 33}};
        for (int[] s : shapes) {
            int m = s[0], k = s[1], n = s[2];
            float[] a = floats(rnd, m * k, 1), b = floats(rnd, k * n, 1), c0 = floats(rnd, m * n, 1);
            for (Backend be : new Backend[] {two, three}) {
                Tensor plain = be.of(c0, m, n), packed = be.of(c0, m, n), constant = be.constant(b, k, n);
                be.matmul(be.of(a, m, k), false, be.of(b, k, n), false, plain, 0.5f, 0.25f);
                be.matmul(be.of(a, m, k), false, constant, false, packed, 0.5f, 0.25f);
                be.matmul(be.of(a, m, k), false, constant, false, packed, 0.5f, 0.25f); // the packed copy, reused
                be.matmul(be.of(a, m, k), false, be.of(b, k, n), false, plain, 0.5f, 0.25f);
                assertThat(be.read(packed)).as("%d×%d×%d", m, k, n).isEqualTo(be.read(plain));
            }
        }
        Tensor constant = two.constant(new float[] {1, 2}, 1, 2);
        assertThatThrownBy(() -> two.write(constant, new float[] {3, 4})).hasMessageContaining("constant");
        assertThat(two.read(constant)).containsExactly(1, 2);
    }

    @Test
    void dropoutDoesNotDependOnThreadCount() {
        try (Backend one = Backends.cpu(1)) {
            float[] x = filled(300_001, 1);
            Tensor o1 = one.zeros(x.length), o3 = three.zeros(x.length);
            one.dropout(one.of(x, x.length), 0.1f, 5, o1);
            three.dropout(three.of(x, x.length), 0.1f, 5, o3);
            assertThat(three.read(o3)).isEqualTo(one.read(o1));
        }
    }
}
