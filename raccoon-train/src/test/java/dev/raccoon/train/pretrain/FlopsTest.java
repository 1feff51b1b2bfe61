package dev.raccoon.train.pretrain;

import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.model.ElectraConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

/** A step's FLOPs follow the share of chosen tokens through the LM head, and nothing else (the share is a float). */
class FlopsTest {
    private static final ElectraConfig CONFIG = ElectraConfig.electra(1000, 16, 32, 2, 2, 64, 64, List.of("x"));

    @Test
    void moreChosenTokensCostOnlyTheirLmHeadRows() {
        int batch = 4, seq = 32;
        double extraRows = (0.25 - 0.15) * batch * seq;
        try (Backend backend = Backends.scalar()) {
            var electra15 = (ElectraPretraining) Pretraining.create(Objective.ELECTRA, CONFIG, 0.25f, 0.15f, TinyVocab.of(10), backend, DiscriminatorLoss.EVERY_REAL_TOKEN);
            var electra25 = (ElectraPretraining) Pretraining.create(Objective.ELECTRA, CONFIG, 0.25f, 0.25f, TinyVocab.of(10), backend, DiscriminatorLoss.EVERY_REAL_TOKEN);
            assertThat(electra25.flopsPerStep(batch, seq) - electra15.flopsPerStep(batch, seq))
                    .isCloseTo(3 * Flops.lmHead(electra15.generator().config(), extraRows), withinPercentage(1e-3));

            Pretraining mlm15 = Pretraining.create(Objective.MLM, CONFIG, 0.25f, 0.15f, TinyVocab.of(10), backend, DiscriminatorLoss.EVERY_REAL_TOKEN);
            Pretraining mlm25 = Pretraining.create(Objective.MLM, CONFIG, 0.25f, 0.25f, TinyVocab.of(10), backend, DiscriminatorLoss.EVERY_REAL_TOKEN);
            assertThat(mlm25.flopsPerStep(batch, seq) - mlm15.flopsPerStep(batch, seq))
                    .isCloseTo(3 * Flops.lmHead(CONFIG, extraRows), withinPercentage(1e-3));
        }
    }
}
