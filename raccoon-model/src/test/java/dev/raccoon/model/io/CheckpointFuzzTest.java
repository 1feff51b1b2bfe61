package dev.raccoon.model.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Truncated and bit-flipped checkpoints must either load or fail with a {@link CheckpointException}: never another
 * exception, an error such as OutOfMemoryError, or a hang. Seeds are fixed so failures reproduce.
 */
class CheckpointFuzzTest {
    private static final Duration BOUND = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    private interface Reader {
        void read(Path file) throws IOException;
    }

    @Test
    void truncatedSafetensors() {
        byte[] original = oracle("model.safetensors");
        assertTimeoutPreemptively(BOUND, () -> truncateAndRead(original, 8 + headerLength(original), SafeTensors::read));
    }

    @Test
    void truncatedPytorchBin() {
        byte[] original = oracle("pytorch_model.bin");
        assertTimeoutPreemptively(BOUND, () -> truncateAndRead(original, 2000, TorchCheckpoint::read));
    }

    /** The legacy format has no CRCs: every cut must fail, and flipped bytes must never throw anything but a clear error. */
    @Test
    void truncatedAndFlippedLegacyPytorchBin() throws IOException {
        byte[] original = Files.readAllBytes(Fixtures.resource("checkpoint-io/views-legacy/pytorch_model.bin"));
        assertTimeoutPreemptively(BOUND, () -> truncateAndRead(original, original.length, TorchCheckpoint::read));
        int rejected = assertTimeoutPreemptively(BOUND, () -> flipAndRead(original, 1000, new Random(1001),
                i -> new int[]{0, original.length}, TorchCheckpoint::read));
        assertThat(rejected).as("mutations rejected").isGreaterThan(300);
    }

    /** Every length up to {@code dense} (headers, pickle), an even spread beyond, and the last 200; all must fail. */
    private void truncateAndRead(byte[] original, int dense, Reader reader) throws IOException {
        TreeSet<Integer> lengths = new TreeSet<>();
        for (int n = 0; n < Math.min(dense, original.length); n++) lengths.add(n);
        for (int i = 0; i < 300; i++) lengths.add((int) ((long) original.length * i / 300));
        for (int n = Math.max(0, original.length - 200); n < original.length; n++) lengths.add(n);
        Path file = dir.resolve("truncated.bin");
        Files.write(file, original);
        // Longest first, so each case is one truncate call rather than a rewrite of the file.
        for (int length : lengths.descendingSet()) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(length);
            }
            assertThat(attempt(file, reader, "truncated to " + length)).as("truncated to %d bytes", length).isEqualTo(Outcome.REJECTED);
        }
    }

    @Test
    void flippedBytesInTheSafetensorsHeader() {
        byte[] original = oracle("model.safetensors");
        int headerEnd = 8 + headerLength(original);
        // The first hundred mutations hit the 8-byte header length, the rest anywhere in the JSON.
        int rejected = assertTimeoutPreemptively(BOUND, () -> flipAndRead(original, 1500, new Random(20240601),
                i -> i < 100 ? new int[]{0, 8} : new int[]{0, headerEnd}, SafeTensors::read));
        assertThat(rejected).as("mutations rejected").isGreaterThan(300);
    }

    @Test
    void flippedBytesInTheZipStructure() {
        byte[] original = oracle("pytorch_model.bin");
        // Alternate between the central directory at the end and the local headers and pickle at the start.
        int rejected = assertTimeoutPreemptively(BOUND, () -> flipAndRead(original, 500, new Random(7),
                i -> i % 2 == 0 ? new int[]{original.length - 6000, original.length} : new int[]{0, 6000},
                TorchCheckpoint::read));
        assertThat(rejected).as("mutations rejected").isGreaterThan(300);
    }

    /** Mutates a copy of {@code original} in place, restoring the flipped bytes after each attempt; counts rejections. */
    private int flipAndRead(byte[] original, int cases, Random random, IntFunction<int[]> range, Reader reader) throws IOException {
        int rejected = 0;
        Path file = dir.resolve("flipped.bin");
        Files.write(file, original);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (int i = 0; i < cases; i++) {
                int[] r = range.apply(i);
                int flips = 1 + random.nextInt(4);
                int[] at = new int[flips];
                for (int f = 0; f < flips; f++) {
                    at[f] = r[0] + random.nextInt(r[1] - r[0]);
                    byte b = original[at[f]];
                    byte mutated = random.nextBoolean() ? (byte) random.nextInt(256) : (byte) (b ^ (1 << random.nextInt(8)));
                    ch.write(ByteBuffer.wrap(new byte[]{mutated}), at[f]);
                }
                if (attempt(file, reader, "mutation " + i + " at " + Arrays.toString(at)) == Outcome.REJECTED) rejected++;
                for (int p : at) ch.write(ByteBuffer.wrap(new byte[]{original[p]}), p);
            }
        }
        return rejected;
    }

    /** Re-zipped with correct CRCs, so the mutations reach the pickle VM instead of stopping at the CRC check. */
    @Test
    void flippedBytesInThePickleWithValidCrcs() {
        for (String source : new String[]{"oracle", "views"}) {
            LinkedHashMap<String, byte[]> entries = Fixtures.unzip(source.equals("oracle")
                    ? Fixtures.resource(Fixtures.ORACLE + "pytorch_model.bin")
                    : Fixtures.resource("checkpoint-io/views/pytorch_model.bin"));
            String pickleName = entries.keySet().stream().filter(n -> n.endsWith("/data.pkl")).findFirst().orElseThrow();
            byte[] pickle = entries.get(pickleName);
            Random random = new Random(source.hashCode());
            int cases = source.equals("oracle") ? 100 : 600;
            int rejected = assertTimeoutPreemptively(BOUND, () -> {
                int n = 0;
                for (int i = 0; i < cases; i++) {
                    LinkedHashMap<String, byte[]> mutated = new LinkedHashMap<>(entries);
                    byte[] p = flip(pickle, random, 0, pickle.length);
                    // Also cut some pickles short, so truncation inside every opcode gets exercised.
                    if (i % 4 == 0) p = Arrays.copyOf(p, random.nextInt(p.length));
                    mutated.put(pickleName, p);
                    Path file = dir.resolve("pickle.bin");
                    Files.write(file, Fixtures.zip(mutated));
                    if (attempt(file, TorchCheckpoint::read, source + " pickle mutation " + i) == Outcome.REJECTED) n++;
                }
                return n;
            });
            assertThat(rejected).as(source + " mutations rejected").isGreaterThan(cases / 2);
        }
    }

    private enum Outcome { LOADED, REJECTED }

    private static Outcome attempt(Path file, Reader reader, String what) {
        try {
            reader.read(file);
            return Outcome.LOADED;
        } catch (CheckpointException e) {
            assertThat(e.getMessage()).as(what).startsWith(file + ": ").doesNotContain("\n");
            return Outcome.REJECTED;
        } catch (Throwable t) {
            return fail(what + " escaped as " + t, t);
        }
    }

    private static byte[] flip(byte[] original, Random random, int from, int to) {
        byte[] copy = original.clone();
        int flips = 1 + random.nextInt(4);
        for (int f = 0; f < flips; f++) {
            int at = from + random.nextInt(to - from);
            copy[at] = random.nextBoolean() ? (byte) random.nextInt(256) : (byte) (copy[at] ^ (1 << random.nextInt(8)));
        }
        return copy;
    }

    private static int headerLength(byte[] safetensors) {
        return (int) ByteBuffer.wrap(safetensors).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static byte[] oracle(String name) {
        try {
            return Files.readAllBytes(Fixtures.resource(Fixtures.ORACLE + name));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
