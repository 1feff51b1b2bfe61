package dev.raccoon.engine;

import dev.raccoon.engine.backends.Backends;
import dev.raccoon.engine.cuda.CudaException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/** Device selection on any machine: "auto" never fails and says in one line what it picked; "cuda" says why not. */
class CudaAvailabilityTest {

    private static boolean driverLoads() {
        try {
            SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Test
    void autoPicksABackendAndPrintsOneLine() {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Backend be;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            be = Backends.create("auto", 2);
        } finally {
            System.setErr(saved);
        }
        try (be) {
            String out = err.toString(StandardCharsets.UTF_8);
            assertThat(out.lines()).hasSize(1);
            String line = out.strip();
            if (be.name().equals("cuda"))
                assertThat(line).matches("raccoon: using cuda \\(.+, sm_\\d+.*\\)");
            else {
                assertThat(be.name()).isEqualTo("cpu");
                assertThat(be.threads()).isEqualTo(2);
                assertThat(line).matches("raccoon: .+; using cpu");
                if (!driverLoads())
                    assertThat(line).isEqualTo("raccoon: no CUDA driver (libcuda.so.1 not found); using cpu");
            }
            // Either way the backend works.
            Tensor t = be.of(new float[] {1, 2, 3}, 3);
            be.scale(t, 2);
            assertThat(be.read(t)).containsExactly(2, 4, 6);
        }
    }

    @Test
    void cudaWithoutADriverSaysWhy() {
        assumeThat(driverLoads()).as("libcuda.so.1 present: CudaBackendTest covers this machine").isFalse();
        assertThatThrownBy(() -> Backends.create("CUDA", 1)).isInstanceOf(CudaException.class)
                .hasMessage("cannot start the CUDA backend: no CUDA driver (libcuda.so.1 not found)");
        // a second attempt fails the same way (the failed load is remembered, not retried into a worse error)
        assertThatThrownBy(() -> Backends.cuda()).isInstanceOf(CudaException.class)
                .hasMessageContaining("libcuda.so.1 not found");
    }

    /** A JVM started without the incubator module (a library user who forgot the flag) gets a way forward, not a crash. */
    @Test
    void withoutTheVectorApiCpuSaysWhatToAddAndAutoFallsBackToScalar() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), NoVectorApiProbe.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("auto: " + (driverLoads() ? "cuda" : "scalar"))
                .contains("cpu refused: the cpu backend needs the Vector API: start java with --add-modules jdk.incubator.vector");
        if (!driverLoads())
            assertThat(out).contains("raccoon: no CUDA driver (libcuda.so.1 not found); using scalar (the cpu backend needs "
                    + "--add-modules jdk.incubator.vector)");
    }

    @Test
    void unknownDevicesListCuda() {
        assertThatThrownBy(() -> Backends.create("gpu", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cuda");
    }
}
