package dev.raccoon.train;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.Backends;
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
        Path dir = TestData.shared("oracle/electra-discriminator");
        for (String f : List.of("vocab.txt", "tokenizer_config.json", "model.safetensors")) Files.copy(dir.resolve(f), tmp.resolve(f));
        Files.writeString(tmp.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                .replace("\"vocab_size\": 32200", "\"vocab_size\": 100"));
        assertThatThrownBy(() -> ModelInit.fromPretrained(tmp, List.of("a", "b"), null, null, 1, backend))
                .isInstanceOf(IOException.class)
                .hasMessage(tmp + ": the tokenizer has 32200 tokens but config.json says vocab_size 100");
    }
}
