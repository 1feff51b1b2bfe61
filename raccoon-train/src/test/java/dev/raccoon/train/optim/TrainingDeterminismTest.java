package dev.raccoon.train.optim;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.model.Architecture;
import dev.raccoon.model.Batch;
import dev.raccoon.model.ElectraConfig;
import dev.raccoon.model.PretrainedModel;
import dev.raccoon.model.SequenceClassifier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Same seed, backend and thread count → bit-identical parameters after several steps with dropout on. */
class TrainingDeterminismTest {

    private static Map<String, float[]> train(Backend backend, long seed) {
        ElectraConfig config = ElectraConfig.electra(50, 16, 32, 2, 4, 64, 16, List.of("neg", "pos"));
        SequenceClassifier model = (SequenceClassifier) PretrainedModel.create(
                Architecture.ELECTRA_FOR_SEQUENCE_CLASSIFICATION, config, backend);
        model.params().initialize(0.2f, config.padTokenId(), 7);
        Batch batch = new Batch(2, 6, new int[]{2, 11, 17, 23, 9, 3, 2, 31, 44, 3, 0, 0},
                new int[12], new int[]{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0});
        AdamW adamw = new AdamW(model.params(), 0.9f, 0.999f, 1e-8f, 0.01f);
        LinearSchedule schedule = new LinearSchedule(1e-3f, 1, 4);
        for (int step = 0; step < 4; step++) {
            model.trainStep(batch, new int[]{0, 1}, null, seed * 1000 + step);
            adamw.clipGradNorm(1.0);
            adamw.step(schedule.lr(step));
            adamw.zeroGrad();
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        model.params().owned().forEach((name, p) -> out.put(name, backend.read(p.value())));
        return out;
    }

    @ParameterizedTest(name = "{0} backend")
    @ValueSource(strings = {"scalar", "cpu"})
    void sameSeedSameParameters(String backendName) {
        try (Backend backend = backendName.equals("scalar") ? Backends.scalar() : Backends.cpu(4)) {
            Map<String, float[]> first = train(backend, 1);
            Map<String, float[]> second = train(backend, 1);
            Map<String, float[]> otherSeed = train(backend, 2);
            first.forEach((name, values) -> assertThat(second.get(name)).as(name).containsExactly(values));
            // The dropout masks differ with the seed, so the trained weights must too.
            assertThat(first.get("classifier.out_proj.weight")).isNotEqualTo(otherSeed.get("classifier.out_proj.weight"));
        }
    }
}
