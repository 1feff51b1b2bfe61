package dev.raccoon.model.io;

import dev.raccoon.engine.HostTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.raccoon.model.io.Fixtures.safetensors;
import static dev.raccoon.model.io.Fixtures.tensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointsTest {
    @TempDir
    Path dir;

    @Test
    void prefersSafetensorsThenTheShardIndexThenPytorchBin() throws IOException {
        Files.copy(Fixtures.resource(Fixtures.ORACLE + "pytorch_model.bin"), dir.resolve("pytorch_model.bin"));
        assertThat(Checkpoints.readStateDict(dir)).hasSize(43);

        writeShards();
        assertThat(Checkpoints.readStateDict(dir).keySet()).containsExactly("a", "b", "c");

        SafeTensors.write(dir.resolve("model.safetensors"), Map.of("only", tensor(new int[]{1}, 1)), null, DType.F32);
        assertThat(Checkpoints.readStateDict(dir).keySet()).containsExactly("only");
    }

    @Test
    void readsShardsAndTheirIntegerTensorsListedInTheIndex() throws IOException {
        writeShards();

        LinkedHashMap<String, HostTensor> tensors = Checkpoints.readStateDict(dir);

        assertThat(tensors.get("a").data()).containsExactly(1);
        assertThat(tensors.get("c").data()).containsExactly(3, 4);
    }

    @Test
    void rejectsIndexesThatDoNotMatchTheirShards() throws IOException {
        writeShards();
        Path index = dir.resolve("model.safetensors.index.json");

        Files.writeString(index, "{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\",\"zz\":\"model-00001-of-00002.safetensors\"}}");
        assertThatThrownBy(() -> Checkpoints.readStateDict(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(index + ": tensor 'zz' is listed in shard model-00001-of-00002.safetensors, which does not contain it");

        Files.writeString(index, "{\"weight_map\":{\"a\":\"../elsewhere.safetensors\"}}");
        assertThatThrownBy(() -> Checkpoints.readStateDict(dir)).hasMessageContaining("invalid shard file name");

        Files.writeString(index, "{\"weight_map\":{\"a\":\"missing.safetensors\"}}");
        assertThatThrownBy(() -> Checkpoints.readStateDict(dir)).hasMessageContaining("lists shard missing.safetensors, which does not exist");

        Files.writeString(index, "{\"weight_map\":");
        assertThatThrownBy(() -> Checkpoints.readStateDict(dir)).hasMessageContaining("is not valid JSON");
    }

    /** A checkpoint without weights is said to be one, not blamed on config.json as a model missing all of them. */
    @Test
    void aCheckpointWithoutWeightsIsNamed() throws IOException {
        Files.write(dir.resolve("model.safetensors"), safetensors("{}", new byte[0]));
        assertThatThrownBy(() -> Checkpoints.readStateDict(dir)).isInstanceOf(CheckpointException.class)
                .hasMessage(dir.resolve("model.safetensors") + ": holds no weights (no floating-point tensors)");
        Files.write(dir.resolve("model.safetensors"), safetensors(
                "{\"embeddings.position_ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]));
        assertThatThrownBy(() -> Checkpoints.readStateDict(dir)).hasMessageEndingWith("holds no weights (no floating-point tensors)");
    }

    @Test
    void namesWhatItLookedForInADirectoryWithoutACheckpoint() {
        assertThatThrownBy(() -> Checkpoints.readStateDict(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(dir + ": holds no checkpoint; looked for model.safetensors, model.safetensors.index.json, "
                        + "pytorch_model.bin and pytorch_model.bin.index.json");
        assertThatThrownBy(() -> Checkpoints.readStateDict(dir.resolve("absent"))).hasMessageEndingWith("is not a directory");
    }

    @Test
    void readsAShardedPytorchCheckpoint() throws IOException {
        Files.copy(Fixtures.resource("checkpoint-io/views/pytorch_model.bin"), dir.resolve("pytorch_model-00001-of-00001.bin"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("pytorch_model.bin.index.json"),
                "{\"metadata\":{},\"weight_map\":{\"h\":\"pytorch_model-00001-of-00001.bin\",\"position_ids\":\"pytorch_model-00001-of-00001.bin\"}}");

        assertThat(Checkpoints.readStateDict(dir)).containsKey("h").doesNotContainKey("position_ids");
    }

    private void writeShards() throws IOException {
        SafeTensors.write(dir.resolve("model-00001-of-00002.safetensors"), Map.of("a", tensor(new int[]{1}, 1)), null, DType.F32);
        // The second shard also holds an I64 buffer, which is skipped but still counts as present.
        Files.write(dir.resolve("model-00002-of-00002.safetensors"), safetensors(
                "{\"b\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]},"
                        + "\"c\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[2,10]},"
                        + "\"embeddings.position_ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[10,18]}}",
                new byte[]{0, 0x3C, 0, 0, 0x40, 0x40, 0, 0, (byte) 0x80, 0x40, 0, 0, 0, 0, 0, 0, 0, 0}));
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"metadata\":{\"total_size\":14},\"weight_map\":{"
                + "\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\","
                + "\"c\":\"model-00002-of-00002.safetensors\",\"embeddings.position_ids\":\"model-00002-of-00002.safetensors\"}}");
    }
}
