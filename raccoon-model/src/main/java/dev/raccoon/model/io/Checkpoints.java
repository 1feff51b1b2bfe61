package dev.raccoon.model.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.raccoon.engine.HostTensor;
import dev.raccoon.text.JsonProblems;
import dev.raccoon.text.ModelFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** Finds and reads the weights of a Hugging Face model directory, whichever of the usual layouts it uses. */
public final class Checkpoints {
    static final String SAFETENSORS = "model.safetensors";
    static final String SAFETENSORS_INDEX = "model.safetensors.index.json";
    static final String TORCH = "pytorch_model.bin";
    static final String TORCH_INDEX = "pytorch_model.bin.index.json";
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private Checkpoints() {
    }

    @FunctionalInterface
    private interface ShardReader {
        LinkedHashMap<String, HostTensor> read(Path file, Set<String> skipped) throws CheckpointException;
    }

    /**
     * Reads the floating-point tensors of {@code modelDir}, preferring {@code model.safetensors}, then a sharded
     * {@code model.safetensors.index.json}, then {@code pytorch_model.bin}, then {@code pytorch_model.bin.index.json}.
     */
    public static LinkedHashMap<String, HostTensor> readStateDict(Path modelDir) throws CheckpointException {
        if (!Files.isDirectory(modelDir)) throw SafeTensors.fail(modelDir, "is not a directory");
        Path file;
        if (exists(file = modelDir.resolve(SAFETENSORS))) return weights(file, SafeTensors.read(file));
        if (exists(file = modelDir.resolve(SAFETENSORS_INDEX))) return weights(file, readSharded(file, SafeTensors::read));
        if (exists(file = modelDir.resolve(TORCH))) return weights(file, TorchCheckpoint.read(file));
        if (exists(file = modelDir.resolve(TORCH_INDEX))) return weights(file, readSharded(file, TorchCheckpoint::read));
        throw SafeTensors.fail(modelDir, "holds no checkpoint; looked for " + SAFETENSORS + ", " + SAFETENSORS_INDEX
                + ", " + TORCH + " and " + TORCH_INDEX);
    }

    /**
     * The weights {@code file} holds, under their current names. A file without any is valid safetensors, but no
     * model: said here, not later as every parameter of an architecture guessed from no names missing.
     */
    private static LinkedHashMap<String, HostTensor> weights(Path file, LinkedHashMap<String, HostTensor> state)
            throws CheckpointException {
        if (state.isEmpty()) throw SafeTensors.fail(file, "holds no weights (no floating-point tensors)");
        return currentNames(file, state);
    }

    /**
     * LayerNorm parameters under the names of checkpoints converted from TensorFlow (bert-base-chinese and others
     * of 2019: LayerNorm.gamma and LayerNorm.beta) renamed to weight and bias, as transformers renames them. A file
     * that holds a parameter under both names is refused: whichever came later would silently replace the other (in
     * transformers too).
     */
    private static LinkedHashMap<String, HostTensor> currentNames(Path file, LinkedHashMap<String, HostTensor> state)
            throws CheckpointException {
        if (state.keySet().stream().noneMatch(k -> k.endsWith("LayerNorm.gamma") || k.endsWith("LayerNorm.beta"))) return state;
        LinkedHashMap<String, HostTensor> renamed = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : state.entrySet()) {
            String key = e.getKey();
            String current = key.endsWith("LayerNorm.gamma") ? key.substring(0, key.length() - 5) + "weight"
                    : key.endsWith("LayerNorm.beta") ? key.substring(0, key.length() - 4) + "bias" : key;
            if (!current.equals(key) && state.containsKey(current))
                throw SafeTensors.fail(file, key, "is the TensorFlow name of '" + CheckpointException.printable(current)
                        + "', which the file holds too; one of the two must go");
            renamed.put(current, e.getValue());
        }
        return renamed;
    }

    /** {@link ModelFiles#exists}, failing as a checkpoint fails. */
    private static boolean exists(Path file) throws CheckpointException {
        try {
            return ModelFiles.exists(file);
        } catch (IOException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
    }

    /** An index's {@code weight_map} names the shard of every tensor; each shard is read once, in order of first mention. */
    private static LinkedHashMap<String, HostTensor> readSharded(Path index, ShardReader reader) throws CheckpointException {
        JsonNode weightMap;
        try {
            if (Files.size(index) > SafeTensors.MAX_HEADER_BYTES)
                throw SafeTensors.fail(index, "is larger than " + SafeTensors.MAX_HEADER_BYTES + " bytes");
            JsonNode root = JSON.readTree(Files.readAllBytes(index));
            weightMap = root == null ? null : root.get("weight_map");
        } catch (JacksonException e) {
            throw SafeTensors.fail(index, "is not valid JSON: " + JsonProblems.describe(e));
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(index + ": cannot be read: " + SafeTensors.describe(e), e);
        }
        if (weightMap == null || !weightMap.isObject()) throw SafeTensors.fail(index, "has no weight_map object");

        Map<String, String> shardOf = new LinkedHashMap<>();
        Set<String> shards = new LinkedHashSet<>();
        for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
            String shard = e.getValue().isTextual() ? e.getValue().asText() : "";
            // Shards must sit beside the index: a path could otherwise point anywhere on disk.
            if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals(".") || shard.equals(".."))
                throw SafeTensors.fail(index, e.getKey(), "maps to an invalid shard file name " + e.getValue());
            shardOf.put(e.getKey(), shard);
            shards.add(shard);
        }
        LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
        for (String shard : shards) {
            Path shardFile = index.resolveSibling(shard);
            if (!exists(shardFile)) throw SafeTensors.fail(index, "lists shard " + shard + ", which does not exist");
            Set<String> skipped = new HashSet<>();
            LinkedHashMap<String, HostTensor> tensors = reader.read(shardFile, skipped);
            for (Map.Entry<String, HostTensor> t : tensors.entrySet()) {
                if (out.putIfAbsent(t.getKey(), t.getValue()) != null)
                    throw SafeTensors.fail(shardFile, t.getKey(), "also appears in an earlier shard");
            }
            for (Map.Entry<String, String> e : shardOf.entrySet()) {
                if (e.getValue().equals(shard) && !tensors.containsKey(e.getKey()) && !skipped.contains(e.getKey()))
                    throw SafeTensors.fail(index, e.getKey(), "is listed in shard " + shard + ", which does not contain it");
            }
        }
        return out;
    }
}
