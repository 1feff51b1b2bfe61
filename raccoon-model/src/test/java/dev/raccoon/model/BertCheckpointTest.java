package dev.raccoon.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.engine.HostTensor;
import dev.raccoon.model.io.DType;
import dev.raccoon.model.io.SafeTensors;
import dev.raccoon.text.Encoding;
import dev.raccoon.text.WordPieceTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A BertForSequenceClassification directory as transformers writes it (model_type bert, bert.* keys, pooler,
 * classifier, no embeddings_project) loads and computes classifier(tanh(pooler([CLS]))) over the encoder.
 */
class BertCheckpointTest {
    private static final String[] KEYS = {
            "bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight",
            "bert.embeddings.token_type_embeddings.weight", "bert.embeddings.LayerNorm.weight", "bert.embeddings.LayerNorm.bias"};

    @Test
    void bertClassifierLoadsByKeysAndUsesThePooler(@TempDir Path dir) throws Exception {
        Path oracle = OracleParityTest.oracle("electra-classifier");
        Files.copy(oracle.resolve("vocab.txt"), dir.resolve("vocab.txt"));
        Files.copy(oracle.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = json.createObjectNode().put("model_type", "bert").put("vocab_size", 32200)
                .put("hidden_size", 32).put("num_hidden_layers", 2).put("num_attention_heads", 4)
                .put("intermediate_size", 64).put("max_position_embeddings", 64).put("hidden_act", "gelu");
        config.putArray("architectures").add("BertForSequenceClassification");
        config.putObject("id2label").put("0", "neg").put("1", "pos");
        json.writeValue(dir.resolve("config.json").toFile(), config);

        // Random weights under the names transformers uses, plus the position_ids buffer it saves.
        try (Backend backend = Backends.scalar()) {
            ElectraConfig c = ElectraConfig.read(dir.resolve("config.json"));
            PretrainedModel shape = PretrainedModel.create(Architecture.BERT_FOR_SEQUENCE_CLASSIFICATION, c, backend);
            SplittableRandom random = new SplittableRandom(3);
            Map<String, HostTensor> state = new TreeMap<>();
            shape.params().owned().forEach((name, p) -> {
                float[] v = new float[p.value().size()];
                for (int i = 0; i < v.length; i++) v[i] = (float) (random.nextDouble() - 0.5) * 0.4f;
                state.put(name, new HostTensor(p.shape(), v));
            });
            assertThat(state).containsKeys(KEYS).containsKeys("bert.pooler.dense.weight", "classifier.weight", "classifier.bias")
                    .doesNotContainKey("bert.embeddings_project.weight");
            state.put("bert.embeddings.position_ids", new HostTensor(new int[] {1, 64}, new float[64]));
            SafeTensors.write(dir.resolve("model.safetensors"), state, Map.of("format", "pt"), DType.F32);

            ModelDirectory loaded = ModelDirectory.load(dir, backend);
            SequenceClassifier model = (SequenceClassifier) loaded.model();
            assertThat(model.architecture()).isEqualTo(Architecture.BERT_FOR_SEQUENCE_CLASSIFICATION);
            WordPieceTokenizer tokenizer = loaded.tokenizer();
            List<Encoding> texts = List.of(tokenizer.encode("정말 재밌어요", null, 64), tokenizer.encode("별로", null, 64));
            Batch batch = Batch.of(texts, tokenizer.vocab().padId());
            float[] logits = backend.read(model.logits(batch));

            float[] hidden = backend.read(model.encoder.forward(batch));
            int h = c.hiddenSize();
            for (int b = 0; b < 2; b++) {
                float[] pooled = new float[h];
                for (int o = 0; o < h; o++) {
                    double s = state.get("bert.pooler.dense.bias").data()[o];
                    for (int i = 0; i < h; i++)
                        s += state.get("bert.pooler.dense.weight").data()[o * h + i] * hidden[b * batch.seq() * h + i];
                    pooled[o] = (float) Math.tanh(s);
                }
                for (int l = 0; l < 2; l++) {
                    double s = state.get("classifier.bias").data()[l];
                    for (int i = 0; i < h; i++) s += state.get("classifier.weight").data()[l * h + i] * pooled[i];
                    assertThat(logits[b * 2 + l]).as("sequence %d label %d", b, l).isCloseTo((float) s,
                            org.assertj.core.data.Offset.offset(1e-5f));
                }
            }
        }
    }
}
