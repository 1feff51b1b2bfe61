package dev.raccoon.engine.cuda;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * kernels.cu compiles without a GPU: nvcc turns it into PTX for Hopper and Ampere in the dialect NVRTC gets
 * (C++17, no host headers), with no error and no warning, and every kernel the backend launches is there with
 * the parameters the backend passes. Skipped when nvcc is not installed.
 */
class KernelSourceTest {

    static Optional<Path> nvcc() {
        List<Path> candidates = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
            if (!dir.isEmpty()) candidates.add(Path.of(dir, "nvcc"));
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    @ParameterizedTest(name = "sm_{0}")
    @ValueSource(ints = {90, 80})
    void compilesToPtxWithoutWarnings(int sm, @TempDir Path dir) throws IOException, InterruptedException {
        Optional<Path> nvcc = nvcc();
        assumeThat(nvcc).as("nvcc on the PATH").isPresent();
        Path source = dir.resolve("kernels.cu"), ptx = dir.resolve("kernels.ptx");
        Files.writeString(source, CudaBackend.kernelSource());
        Process p = new ProcessBuilder(nvcc.get().toString(), "--ptx", "-arch=sm_" + sm, "-std=c++17",
                "-Werror", "all-warnings", "-o", ptx.toString(), source.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("nvcc exit status; output:\n%s", output).isZero();
        assertThat(output.strip()).as("nvcc output").isEmpty();
        assertEveryKernelTakesWhatTheBackendPasses(Files.readString(ptx));
    }

    /** The PTX holds exactly the kernels the backend launches, each with the parameter types it passes. */
    static void assertEveryKernelTakesWhatTheBackendPasses(String ptx) {
        Map<String, List<String>> entries = entries(ptx);
        Map<String, String> expected = CudaBackend.kernelParameters();
        assertThat(entries.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (var e : expected.entrySet())
            assertThat(entries.get(e.getKey())).as("PTX parameter types of %s", e.getKey())
                    .containsExactlyElementsOf(ptxTypes(e.getValue()));
    }

    /** The PTX types the backend's parameter letters stand for (pointers and long longs are 64-bit). */
    private static List<String> ptxTypes(String letters) {
        List<String> types = new ArrayList<>();
        for (char c : letters.toCharArray())
            types.add(switch (c) {
                case 'p', 'l', 'u' -> "u64";
                case 'i' -> "u32";
                case 'f' -> "f32";
                case 'd' -> "f64";
                default -> throw new IllegalArgumentException("letter " + c);
            });
        return types;
    }

    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+\\.(\\w+)");

    /** Kernel name to the types of its parameters, from the PTX text. */
    private static Map<String, List<String>> entries(String ptx) {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) {
            List<String> types = new ArrayList<>();
            Matcher p = PARAM.matcher(m.group(2));
            while (p.find()) types.add(p.group(1));
            out.put(m.group(1), types);
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"#include", "std::", "printf"})
    void usesNoHostLibrary(String construct) {
        // NVRTC has no standard headers; printf would need the device runtime's vprintf and is noise anyway.
        assertThat(Stream.of(CudaBackend.kernelSource().split("\n")).filter(l -> !l.strip().startsWith("//")))
                .noneMatch(l -> l.contains(construct));
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(longs = {1, 512, 513, 1000, 1024, 1025, 4_000_000})
    void poolSizeClassesWasteAtMostAQuarter(long bytes) {
        long size = DevicePool.sizeClass(bytes);
        assertThat(size).isGreaterThanOrEqualTo(bytes).isLessThanOrEqualTo(Math.max(512, bytes + bytes / 4));
        assertThat(DevicePool.sizeClass(size)).as("a class is its own class").isEqualTo(size);
    }
}
