package dev.raccoon.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.text.Encoding;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A text's logits are the same bits alone or in any padded batch, so batch scoring, the server's micro-batches
 * and Spark's partitions all agree exactly.
 */
class BatchInvarianceTest {
    @ParameterizedTest
    @ValueSource(strings = {"scalar", "cpu"})
    void logitsDoNotDependOnBatchPartnersOrPadding(String device) throws Exception {
        try (Backend backend = Backends.create(device, 2)) {
            ModelDirectory dir = ModelDirectory.load(OracleParityTest.oracle("electra-classifier"), backend);
            SequenceClassifier model = (SequenceClassifier) dir.model();
            JsonNode cases = new ObjectMapper().readTree(
                    OracleParityTest.oracle("electra-classifier/expected_logits.json").toFile()).get("cases");
            List<Encoding> encodings = new ArrayList<>();
            for (int i = 0; i < 24; i++) encodings.add(dir.tokenizer().encode(cases.get(i).get("text").asText(), null, 128));
            int pad = dir.tokenizer().vocab().padId();
            float[] batched = backend.read(model.logits(Batch.of(encodings, pad)));
            int padded = 0;
            for (int i = 0; i < encodings.size(); i++) {
                float[] alone = backend.read(model.logits(Batch.of(List.of(encodings.get(i)), pad)));
                assertThat(Arrays.copyOfRange(batched, 2 * i, 2 * i + 2)).as("text %d", i).containsExactly(alone);
                if (encodings.get(i).inputIds().length < Batch.of(encodings, pad).seq()) padded++;
            }
            assertThat(padded).as("texts that were padded in the batch").isGreaterThan(10);
        }
    }
}
