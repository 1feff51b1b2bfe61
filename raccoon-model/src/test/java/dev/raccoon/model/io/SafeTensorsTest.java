package dev.raccoon.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raccoon.engine.HostTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.raccoon.model.io.Fixtures.safetensors;
import static dev.raccoon.model.io.Fixtures.tensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafeTensorsTest {
    @TempDir
    Path dir;

    @Test
    void readsTheOracleCheckpoint() throws IOException {
        LinkedHashMap<String, HostTensor> tensors = SafeTensors.read(Fixtures.resource(Fixtures.ORACLE + "model.safetensors"));

        assertThat(tensors).hasSize(43);
        assertThat(tensors.get("electra.embeddings.word_embeddings.weight").shape()).containsExactly(32200, 16);
        assertThat(tensors.get("classifier.out_proj.bias").shape()).containsExactly(2);
        assertThat(tensors.keySet()).first().isEqualTo("classifier.dense.bias");
    }

    @Test
    void rewritingTheOracleAsF32IsByteIdenticalToWhatThePythonLibraryWrote() throws IOException {
        Path oracle = Fixtures.resource(Fixtures.ORACLE + "model.safetensors");
        Path copy = dir.resolve("model.safetensors");

        SafeTensors.write(copy, SafeTensors.read(oracle), Map.of(), DType.F32);

        assertThat(Files.readAllBytes(copy)).isEqualTo(Files.readAllBytes(oracle));
    }

    @Test
    void writesSortedKeysPaddedHeaderAndFormatMetadata() throws IOException {
        Path file = dir.resolve("m.safetensors");
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        tensors.put("z", tensor(new int[]{3}, 1, 2, 3));
        tensors.put("a", tensor(new int[]{1, 1}, 4));
        tensors.put("m", tensor(new int[]{}, 5));

        SafeTensors.write(file, tensors, Map.of("author", "raccoon"), DType.F16);

        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat((8 + headerLength) % 8).isZero();
        JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        List<String> keys = new ArrayList<>();
        header.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("__metadata__", "a", "m", "z");
        assertThat(header.get("__metadata__").get("format").asText()).isEqualTo("pt");
        assertThat(header.get("__metadata__").get("author").asText()).isEqualTo("raccoon");
        assertThat(header.get("a").get("data_offsets").toString()).isEqualTo("[0,2]");
        assertThat(header.get("m").get("data_offsets").toString()).isEqualTo("[2,4]");
        assertThat(header.get("z").get("data_offsets").toString()).isEqualTo("[4,10]");
        assertThat(header.get("z").get("dtype").asText()).isEqualTo("F16");
        assertThat(bytes.length).isEqualTo(8 + headerLength + 10);
        assertThat(SafeTensors.read(file).keySet()).containsExactly("a", "m", "z");
    }

    @Test
    void roundTripsF32AndF64Exactly() throws IOException {
        float[] values = {0f, -0f, 1f, -1.5f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NEGATIVE_INFINITY, Float.NaN, 0.1f, 123456.789f};
        for (DType dtype : new DType[]{DType.F32, DType.F64}) {
            Path file = dir.resolve(dtype + ".safetensors");
            SafeTensors.write(file, Map.of("w", tensor(new int[]{2, 5}, values.clone())), null, dtype);

            HostTensor back = SafeTensors.read(file).get("w");

            assertThat(back.shape()).containsExactly(2, 5);
            assertThat(rawBits(back.data())).as(dtype.name()).containsExactly(rawBits(values));
        }
    }

    @Test
    void roundTripsF16WithRoundToNearestEven() throws IOException {
        float ulpAtOne = 0x1p-10f;
        float[] values = {1f + ulpAtOne / 2, 1f + 1.5f * ulpAtOne, 1f + ulpAtOne / 2 + 0x1p-20f, 65504f, 65520f, 1e-8f, -2.5f, Float.NaN};
        float[] expected = {1f, 1f + 2 * ulpAtOne, 1f + ulpAtOne, 65504f, Float.POSITIVE_INFINITY, 0f, -2.5f, Float.NaN};
        Path file = dir.resolve("f16.safetensors");

        SafeTensors.write(file, Map.of("w", tensor(new int[]{values.length}, values)), null, DType.F16);

        assertThat(SafeTensors.read(file).get("w").data()).containsExactly(expected);
    }

    @Test
    void roundTripsBF16WithRoundToNearestEven() throws IOException {
        float ulpAtOne = 0x1p-7f;
        float[] values = {1f + ulpAtOne / 2, 1f + 1.5f * ulpAtOne, 1f + ulpAtOne / 2 + 0x1p-20f, -3f, Float.MAX_VALUE,
                Float.NEGATIVE_INFINITY, Float.NaN, 0x1p-130f};
        float[] expected = {1f, 1f + 2 * ulpAtOne, 1f + ulpAtOne, -3f, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.NaN, 0x1p-130f};
        Path file = dir.resolve("bf16.safetensors");

        SafeTensors.write(file, Map.of("w", tensor(new int[]{values.length}, values)), null, DType.BF16);

        assertThat(SafeTensors.read(file).get("w").data()).containsExactly(expected);
    }

    @Test
    void roundTripsEmptyTensorsAndAnEmptyFile() throws IOException {
        Path empty = dir.resolve("empty.safetensors");
        Path zeroSized = dir.resolve("zero.safetensors");

        SafeTensors.write(empty, Map.of(), null, DType.F32);
        SafeTensors.write(zeroSized, Map.of("e", tensor(new int[]{0, 3})), null, DType.BF16);

        assertThat(SafeTensors.read(empty)).isEmpty();
        assertThat(SafeTensors.read(zeroSized).get("e").shape()).containsExactly(0, 3);
    }

    @Test
    void aWriteIntoAMissingDirectorySaysWhy() {
        Path file = dir.resolve("absent/model.safetensors");

        assertThatThrownBy(() -> SafeTensors.write(file, Map.of("a", tensor(new int[]{1}, 1)), null, DType.F32))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(file + ": cannot be written: its directory " + file.getParent() + " does not exist");
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(file, Map.of("a", tensor(new int[]{1}, 1)), null, DType.F32);
        SafeTensors.write(file, Map.of("b", tensor(new int[]{1}, 2)), null, DType.F32);

        assertThat(SafeTensors.read(file).keySet()).containsExactly("b");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void aFailedWriteKeepsTheOldFile() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(file, Map.of("a", tensor(new int[]{1}, 1)), null, DType.F32);

        assertThatThrownBy(() -> SafeTensors.write(file, Map.of("__metadata__", tensor(new int[]{1}, 1)), null, DType.F32))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("invalid tensor name '__metadata__'");

        assertThat(SafeTensors.read(file).keySet()).containsExactly("a");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void skipsIntegerTensors() throws IOException {
        Path file = write("{\"position_ids\":{\"dtype\":\"I64\",\"shape\":[1,2],\"data_offsets\":[0,16]},"
                + "\"w\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[16,18]}}", new byte[]{0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, (byte) 0x80, 0x3F});

        LinkedHashMap<String, HostTensor> tensors = SafeTensors.read(file);

        assertThat(tensors.keySet()).containsExactly("w");
        assertThat(tensors.get("w").data()).containsExactly(1f);
    }

    @Test
    void rejectsAHeaderLengthThatOverflows() throws IOException {
        Path file = dir.resolve("x.safetensors");
        Files.write(file, new byte[]{-1, -1, -1, -1, -1, -1, -1, -1, '{', '}'});

        assertThatThrownBy(() -> SafeTensors.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(file + ": declares a header of 18446744073709551615 bytes, over the 104857600-byte limit");
    }

    @Test
    void rejectsAHeaderOverTheLimitAndOneLongerThanTheFile() throws IOException {
        Path huge = dir.resolve("huge.safetensors");
        Files.write(huge, ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).putLong(200L << 20).array());
        Path longer = dir.resolve("longer.safetensors");
        Files.write(longer, ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());

        assertThatThrownBy(() -> SafeTensors.read(huge)).hasMessageContaining("over the 104857600-byte limit");
        assertThatThrownBy(() -> SafeTensors.read(longer))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(longer + ": is truncated: the header declares 1000 bytes but only 2 follow");
    }

    @Test
    void rejectsMalformedHeaders() throws IOException {
        assertRejected("{\"w\": ", new byte[0], "is not valid JSON");
        assertRejected("[1, 2]", new byte[0], "is not a JSON object");
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{}}", new byte[4], "not valid JSON");
        assertRejected("{\"w\":{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4],
                "tensor 'w' has unsupported dtype \"Q7\"");
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4], "invalid dimension -1");
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", new byte[4],
                "tensor 'w' has data_offsets [8, 4] outside the 4-byte data section");
        // a file cut short, as an interrupted download leaves it, is called that
        assertRejected("{\"v\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],"
                + "\"data_offsets\":[4,8]}}", new byte[6], "is truncated: its header places tensors in 8 bytes of data, but only 6 follow it");
        assertRejected("{\"w\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4],
                "tensor 'w' is stored as integers or booleans; weights are floating point");
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999999]}}", new byte[4],
                "data_offsets that are not two non-negative integers");
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[4],
                "tensor 'w' has shape [2] of F32 needing 8 bytes, but its data_offsets span 4");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4], "overlapping or gapped");
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[12],
                "has 12 bytes of tensor data but the header accounts for 4");
    }

    /** What the reference implementation refuses around and in the header is refused, and what it accepts is read. */
    @Test
    void rejectsWhatTheReferenceRejectsAroundTheHeaderObject() throws IOException {
        String w = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertRejected(w + "\n}garbage", new byte[4], "has a header that is not valid JSON: ");
        assertRejected(w + "{}", new byte[4], "has a header that is not valid JSON: more follows the JSON value");
        assertRejected(w + "\0\0\0\0", new byte[4], "has a header that is not valid JSON: ");
        assertRejected("\uFEFF" + w, new byte[4], "has a header that begins with a byte-order mark");
        assertRejected("{\"__metadata__\":{\"format\":5}," + w.substring(1), new byte[4],
                "has __metadata__ 'format' that is not a string: number");
        assertRejected("{\"__metadata__\":{\"format\":\"pt\",\"nested\":{}}," + w.substring(1), new byte[4],
                "has __metadata__ 'nested' that is not a string: object");
        for (String accepted : List.of(w + "    ", " " + w + "\n", "{\"__metadata__\":null," + w.substring(1)))
            assertThat(SafeTensors.read(write(accepted, new byte[4]))).containsOnlyKeys("w");
    }

    @Test
    void fileSystemErrorsAreSaidInWordsNotJavaNames() {
        // root reads every file, so the refusal an unprivileged user meets is built here
        assertThat(SafeTensors.describe(new java.nio.file.AccessDeniedException("/m/model.safetensors"))).isEqualTo("permission denied");
        assertThat(SafeTensors.describe(new java.nio.file.FileSystemException("/m/model.safetensors", null, "Input/output error")))
                .isEqualTo("Input/output error");
    }

    @Test
    void rejectsHugeDeclaredShapesWithoutAllocating() throws IOException {
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,4]}}",
                new byte[4], "tensor 'w' has a shape whose size overflows 64 bits");
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,17179869184]}}",
                new byte[4], "is truncated: its header places tensors in 17179869184 bytes of data, but only 4 follow it");
        assertRejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647],\"data_offsets\":[0,4]}}",
                new byte[4], "tensor 'w' has a shape whose size overflows 64 bits");
    }

    @Test
    void rejectsMissingAndTruncatedFiles() throws IOException {
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[]{1, 2, 3});

        assertThatThrownBy(() -> SafeTensors.read(dir.resolve("absent.safetensors"))).hasMessageEndingWith("is not a regular file");
        assertThatThrownBy(() -> SafeTensors.read(tiny)).hasMessageContaining("is truncated: it has 3 bytes");
    }

    private void assertRejected(String header, byte[] data, String message) throws IOException {
        Path file = write(header, data);
        assertThatThrownBy(() -> SafeTensors.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(file + ": ")
                .hasMessageContaining(message);
    }

    private Path write(String header, byte[] data) throws IOException {
        Path file = Files.createTempFile(dir, "t", ".safetensors");
        Files.write(file, safetensors(header, data));
        return file;
    }

    static int[] rawBits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) bits[i] = Float.floatToRawIntBits(values[i]);
        return bits;
    }
}
