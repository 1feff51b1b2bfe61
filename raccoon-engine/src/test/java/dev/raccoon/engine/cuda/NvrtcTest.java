package dev.raccoon.engine.cuda;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The FFM binding of NVRTC, called for real: NVRTC needs no GPU, only libnvrtc.so.13 (or .12) where the loader or
 * {@code -Draccoon.cuda.libs} finds it, so this runs wherever the library is installed and is skipped elsewhere.
 * It proves on a machine without a GPU what the backend's start-up does first on one: kernels.cu compiles to a
 * CUBIN for the GPU, or to PTX when the GPU is newer than NVRTC.
 */
class NvrtcTest {
    private static Nvrtc nvrtc;

    @BeforeAll
    static void load() {
        try {
            nvrtc = Nvrtc.load();
        } catch (CudaException absent) {
            assumeThat(absent.getMessage()).as("libnvrtc is not installed").isNull();
        }
    }

    @Test
    void reportsItsVersionAndArchitectures() {
        assertThat(nvrtc.version()).matches("1[2-9]\\.\\d+");
        int[] archs = nvrtc.supportedArchitectures();
        assertThat(archs).contains(80, 90).isSorted();
    }

    @Test
    void compilesTheKernelsToACubinForTheGpuItSupports() {
        Nvrtc.Image image = nvrtc.compile(CudaBackend.kernelSource(), "kernels.cu", 90);
        assertThat(image.target()).isEqualTo("sm_90");
        assertThat(Arrays.copyOf(image.bytes(), 4)).as("an ELF file").containsExactly(0x7f, 'E', 'L', 'F');
    }

    @Test
    void givesPtxForTheNewestArchitectureWhenTheGpuIsNewer() {
        int[] archs = nvrtc.supportedArchitectures();
        int newest = archs[archs.length - 1];
        Nvrtc.Image image = nvrtc.compile(CudaBackend.kernelSource(), "kernels.cu", newest + 1);
        assertThat(image.target()).isEqualTo("compute_" + newest + " PTX");
        byte[] bytes = image.bytes();
        assertThat(bytes[bytes.length - 1]).as("cuModuleLoadData wants PTX ending in NUL").isZero();
        String ptx = new String(bytes, 0, bytes.length - 1, StandardCharsets.US_ASCII);
        assertThat(ptx).contains(".target sm_" + newest);
        KernelSourceTest.assertEveryKernelTakesWhatTheBackendPasses(ptx);
    }

    @Test
    void aCompileErrorCarriesTheProgramLog() {
        assertThatThrownBy(() -> nvrtc.compile("extern \"C\" __global__ void broken(float* x) { x[0] = undeclared; }",
                "broken.cu", 90))
                .isInstanceOf(CudaException.class)
                .hasMessageStartingWith("nvrtcCompileProgram(broken.cu, sm_90) failed: NVRTC_ERROR_COMPILATION")
                .hasMessageContaining("broken.cu(1)")
                .hasMessageContaining("\"undeclared\" is undefined");
    }

    @Test
    void refusesAnArchitectureOlderThanAnyItKnows() {
        assertThatThrownBy(() -> nvrtc.compile(CudaBackend.kernelSource(), "kernels.cu", 30))
                .isInstanceOf(CudaException.class)
                .hasMessageContaining("cannot target sm_30; it supports [");
    }
}
