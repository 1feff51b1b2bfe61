package dev.raccoon.train;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.engine.HostTensor;
import dev.raccoon.model.ElectraConfig;
import dev.raccoon.model.io.Checkpoints;
import dev.raccoon.model.io.DType;
import dev.raccoon.model.io.SafeTensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Starting a fine-tuning run from the oracle's checkpoints: encoder copied, head kept or new. */
class ModelInitTest {
    private static Backend backend;

    @BeforeAll
    static void open() {
        backend = Backends.scalar();
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    @Test
    void discriminatorEncoderUnderANewHead() throws IOException {
        Path dir = TestData.shared("oracle/electra-discriminator");
        ModelInit init = ModelInit.fromPretrained(dir, List.of("a", "b", "c"), "single_label_classification", 0.2f, 1, backend);
        Map<String, HostTensor> source = Checkpoints.readStateDict(dir);
        Map<String, HostTensor> loaded = init.model().params().toHost();
        loaded.forEach((name, t) -> {
            if (name.startsWith("electra.")) assertThat(t.data()).as(name).isEqualTo(source.get(name).data());
        });
        assertThat(loaded.get("classifier.out_proj.weight").shape()).containsExactly(3, init.model().config().hiddenSize());
        assertThat(init.model().config().hiddenDropoutProb()).isEqualTo(0.2f);
        assertThat(init.model().config().labels()).containsExactly("a", "b", "c");
        assertThat(init.description()).contains("ElectraForPreTraining").contains("a new classification head");
    }

    @Test
    void classifierKeepsItsHeadOnlyForTheSameLabels() throws IOException {
        Path dir = TestData.shared("oracle/electra-classifier");
        Map<String, HostTensor> source = Checkpoints.readStateDict(dir);
        List<String> labels = init(dir, null).model().config().labels();

        ModelInit same = init(dir, labels);
        assertThat(same.model().params().toHost().get("classifier.out_proj.weight").data())
                .isEqualTo(source.get("classifier.out_proj.weight").data());
        ModelInit renamed = init(dir, List.of("neg", "pos"));
        assertThat(renamed.model().params().toHost().get("classifier.out_proj.weight").data())
                .isNotEqualTo(source.get("classifier.out_proj.weight").data());
        assertThat(renamed.description()).contains("differ from [neg, pos]");
    }

    private static ModelInit init(Path dir, List<String> labels) throws IOException {
        List<String> names = labels != null ? labels
                : ElectraConfig.read(dir.resolve("config.json")).labels();
        return ModelInit.fromPretrained(dir, names, "single_label_classification", null, 1, backend);
    }

    /**
     * Published BERTs come as BertForMaskedLM (no pooler; TensorFlow conversions name LayerNorm's parameters gamma
     * and beta), BertForPreTraining or a bare BertModel: each starts a classifier with its encoder, and its pooler
     * where it has one.
     */
    @Test
    void pretrainedBertCheckpointsStartAClassifier(@TempDir Path tmp) throws IOException {
        List<String> vocab = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "좋", "##다", "별로");
        ElectraConfig config = ElectraConfig.read(Files.writeString(tmp.resolve("config.json"), """
                {"model_type": "bert", "vocab_size": 8, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2,
                 "intermediate_size": 16, "max_position_embeddings": 16}"""));
        Map<String, HostTensor> encoder = new LinkedHashMap<>();
        var shape = dev.raccoon.model.PretrainedModel.create(dev.raccoon.model.Architecture.BERT_FOR_SEQUENCE_CLASSIFICATION, config, backend);
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        shape.params().owned().forEach((name, p) -> {
            float[] v = new float[p.value().size()];
            for (int i = 0; i < v.length; i++) v[i] = (float) random.nextDouble();
            if (name.startsWith("bert.")) encoder.put(name.substring("bert.".length()), new HostTensor(p.shape(), v));
        });
        HostTensor h = new HostTensor(new int[] {8}, new float[8]), hh = new HostTensor(new int[] {8, 8}, new float[64]);
        Map<String, Map<String, HostTensor>> checkpoints = new LinkedHashMap<>();
        Map<String, HostTensor> mlm = new LinkedHashMap<>(), pre = new LinkedHashMap<>(), bare = new LinkedHashMap<>(encoder);
        encoder.forEach((k, t) -> {
            if (k.startsWith("pooler.")) return;
            mlm.put("bert." + k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"), t);
        });
        mlm.putAll(Map.of("cls.predictions.bias", h, "cls.predictions.transform.dense.weight", hh,
                "cls.predictions.transform.dense.bias", h, "cls.predictions.transform.LayerNorm.weight", h,
                "cls.predictions.transform.LayerNorm.bias", h));
        encoder.forEach((k, t) -> pre.put("bert." + k, t));
        pre.putAll(Map.of("cls.predictions.bias", h, "cls.seq_relationship.weight", new HostTensor(new int[] {2, 8}, new float[16]),
                "cls.seq_relationship.bias", new HostTensor(new int[] {2}, new float[2])));
        checkpoints.put("BertForMaskedLM", mlm);
        checkpoints.put("BertForPreTraining", pre);
        checkpoints.put("BertModel", bare);
        for (var c : checkpoints.entrySet()) {
            Path dir = Files.createDirectory(tmp.resolve(c.getKey()));
            Files.write(dir.resolve("vocab.txt"), vocab);
            Files.writeString(dir.resolve("tokenizer_config.json"), "{\"do_lower_case\": false}");
            // without architectures too: transformers writes null for a model built from a config
            Files.writeString(dir.resolve("config.json"), Files.readString(tmp.resolve("config.json")).replace("{",
                    c.getKey().equals("BertModel") ? "{\"architectures\": null, " : "{\"architectures\": [\"" + c.getKey() + "\"], "));
            SafeTensors.write(dir.resolve("model.safetensors"), c.getValue(), Map.of("format", "pt"), DType.F32);
            ModelInit init = ModelInit.fromPretrained(dir, List.of("neg", "pos"), "single_label_classification", null, 1, backend);
            assertThat(init.model().architecture()).isEqualTo(dev.raccoon.model.Architecture.BERT_FOR_SEQUENCE_CLASSIFICATION);
            assertThat(init.description()).contains(c.getKey()).contains("a new classification head");
            Map<String, HostTensor> loaded = init.model().params().toHost();
            encoder.forEach((k, t) -> {
                boolean kept = !k.startsWith("pooler.") || !c.getKey().equals("BertForMaskedLM");
                assertThat(loaded.get("bert." + k).data()).as(c.getKey() + " " + k).matches(d -> java.util.Arrays.equals(d, t.data()) == kept);
            });
            assertThatThrownBy(() -> dev.raccoon.model.ModelDirectory.load(dir, backend)).isInstanceOf(IOException.class)
                    .hasMessageContaining("holds " + c.getKey() + ", which Raccoon reads only as the encoder to fine-tune");
        }
    }

    /** A copy in {@code tmp} of the oracle's {@code model} whose config.json has {@code from} replaced by {@code to}. */
    private static Path withConfigEdited(Path tmp, String model, String from, String to) throws IOException {
        Path dir = TestData.shared("oracle/" + model);
        for (String f : List.of("vocab.txt", "tokenizer_config.json", "model.safetensors")) Files.copy(dir.resolve(f), tmp.resolve(f));
        Files.writeString(tmp.resolve("config.json"), Files.readString(dir.resolve("config.json")).replace(from, to));
        return tmp;
    }

    @Test
    void electraWeightsUnderModelTypeBertAreRefused(@TempDir Path tmp) throws IOException {
        withConfigEdited(tmp, "electra-classifier", "\"model_type\": \"electra\"", "\"model_type\": \"bert\"");
        assertThatThrownBy(() -> ModelInit.fromPretrained(tmp, List.of("a", "b"), null, null, 1, backend))
                .isInstanceOf(IOException.class).hasMessageContaining("model_type is bert, but the weights are ELECTRA's")
                .hasMessageContaining("set \"model_type\": \"electra\"");
    }

    @Test
    void missingEncoderTensorsAreNamed(@TempDir Path tmp) throws IOException {
        Path dir = TestData.shared("oracle/electra-discriminator");
        for (String f : List.of("config.json", "vocab.txt", "tokenizer_config.json")) Files.copy(dir.resolve(f), tmp.resolve(f));
        Map<String, HostTensor> state = new LinkedHashMap<>(Checkpoints.readStateDict(dir));
        state.remove("electra.encoder.layer.1.output.dense.weight");
        SafeTensors.write(tmp.resolve("model.safetensors"), state, Map.of("format", "pt"), DType.F32);
        assertThatThrownBy(() -> ModelInit.fromPretrained(tmp, List.of("a", "b"), null, null, 1, backend))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("electra.encoder.layer.1.output.dense.weight");
    }

    @Test
    void aVocabularyLargerThanTheEmbeddingTableIsRefused(@TempDir Path tmp) throws IOException {
        withConfigEdited(tmp, "electra-discriminator", "\"vocab_size\": 32200", "\"vocab_size\": 100");
        assertThatThrownBy(() -> ModelInit.fromPretrained(tmp, List.of("a", "b"), null, null, 1, backend))
                .isInstanceOf(IOException.class)
                .hasMessage(tmp + ": the tokenizer has 32200 tokens but config.json says vocab_size 100");
    }
}
