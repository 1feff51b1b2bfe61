package dev.raccoon.train.optim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.engine.Precision;
import dev.raccoon.engine.Tensor;
import dev.raccoon.model.Batch;
import dev.raccoon.model.ModelDirectory;
import dev.raccoon.model.Param;
import dev.raccoon.model.SequenceClassifier;
import dev.raccoon.text.Encoding;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Five fine-tuning steps against transformers + torch.optim.AdamW (../shared/oracle/expected_training.json):
 * one batch of 8 texts tokenized to at most 128 tokens, AdamW(lr 1e-3, betas (0.9, 0.999), eps 1e-8,
 * weight decay 0.01 on every parameter), no schedule, no clipping, dropout 0. {@code grad_step0} and
 * {@code params_after_step1} hold the first 16 values of the flattened (row-major) tensors.
 */
class OracleTrainingTest {
    private static final double LOSS_RTOL = 1e-5;
    private static final double GRAD_TOL = 1e-5;
    private static final double PARAM_TOL = 1e-6;

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(OracleTrainingTest.class.getResource("/oracle/" + name).toURI());
    }

    private static Backend backend(String name) {
        return name.equals("scalar") ? Backends.scalar() : Backends.cpu(4);
    }

    @ParameterizedTest(name = "{0} backend")
    @ValueSource(strings = {"scalar", "cpu"})
    void fiveAdamWStepsMatchTorch(String backendName) throws Exception {
        JsonNode expected = new ObjectMapper().readTree(resource("expected_training.json").toFile());
        try (Backend backend = backend(backendName)) {
            Run run = new Run(backend, expected);
            SequenceClassifier model = run.model;
            AdamW adamw = run.adamw;
            double lossErr = 0, gradErr = 0, paramErr = 0;
            JsonNode losses = expected.get("losses");
            for (int step = 0; step < losses.size(); step++) {
                float loss = run.forwardBackward(step);
                double want = losses.get(step).asDouble();
                double rel = Math.abs(loss - want) / Math.abs(want);
                assertThat(rel).as("relative error of the loss before step %d: %s vs %s", step, loss, want)
                        .isLessThanOrEqualTo(LOSS_RTOL);
                lossErr = Math.max(lossErr, rel);
                if (step == 0) gradErr = checkGradients(backend, model, expected);
                run.update();
                if (step == 0) paramErr = checkFirst16(backend, model, expected.get("params_after_step1"), PARAM_TOL,
                        Param::value, "parameter after step 1");
            }
            assertThat(adamw.stepCount()).isEqualTo(losses.size());
            System.out.printf(Locale.ROOT, "oracle training on %s: max loss rel err %.3g, max grad err %.3g, "
                    + "max param err %.3g%n", backend.name(), lossErr, gradErr, paramErr);
        }
    }

    /** The oracle's model, batch and optimizer on a backend, stepped as the oracle was. */
    private static final class Run {
        final SequenceClassifier model;
        final Batch batch;
        final int[] labels;
        final AdamW adamw;
        final float lr;

        Run(Backend backend, JsonNode expected) throws Exception {
            ModelDirectory dir = ModelDirectory.load(resource("train-start"), backend);
            model = (SequenceClassifier) dir.model();
            List<Encoding> encodings = new ArrayList<>();
            for (JsonNode text : expected.get("texts")) encodings.add(dir.tokenizer().encode(text.asText(), 128));
            batch = Batch.of(encodings, model.config().padTokenId());
            labels = new int[batch.size()];
            for (int i = 0; i < labels.length; i++) labels[i] = expected.get("labels").get(i).asInt();
            JsonNode betas = expected.get("betas");
            adamw = new AdamW(model.params(), (float) betas.get(0).asDouble(), (float) betas.get(1).asDouble(),
                    (float) expected.get("eps").asDouble(), (float) expected.get("weight_decay").asDouble(), p -> true);
            lr = (float) expected.get("lr").asDouble();
        }

        /** The loss before step {@code step}; the gradients accumulate. */
        float forwardBackward(int step) { return model.trainStep(batch, labels, null, step); }

        void update() {
            adamw.step(lr);
            adamw.zeroGrad();
        }
    }

    /**
     * bf16 mixed precision: the dense layers' operands rounded to bf16, everything else (the fp32 master weights
     * AdamW updates, activations, reductions) fp32. The five losses stay within about a percent of torch's fp32
     * ones and fall as they do, yet are not the fp32 losses: the rounding is applied.
     */
    @ParameterizedTest(name = "{0} backend")
    @ValueSource(strings = {"scalar", "cpu"})
    void fiveBf16StepsStayNearTorchsFp32Losses(String backendName) throws Exception {
        JsonNode expected = new ObjectMapper().readTree(resource("expected_training.json").toFile());
        Precision bf16 = Precision.BF16;
        try (Backend backend = backendName.equals("scalar") ? Backends.scalar(bf16) : Backends.cpu(4, bf16)) {
            Run run = new Run(backend, expected);
            JsonNode losses = expected.get("losses");
            double farthest = 0;
            float first = 0, last = 0;
            for (int step = 0; step < losses.size(); step++) {
                float loss = run.forwardBackward(step);
                double want = losses.get(step).asDouble(), rel = Math.abs(loss - want) / Math.abs(want);
                assertThat(rel).as("bf16 loss before step %d: %s vs torch fp32 %s", step, loss, want).isLessThan(2e-2);
                farthest = Math.max(farthest, rel);
                if (step == 0) first = loss;
                last = loss;
                run.update();
            }
            assertThat(last).as("the bf16 run learns").isLessThan(first);
            assertThat(farthest).as("bf16 rounding changes the losses").isGreaterThan(10 * LOSS_RTOL);
            System.out.printf(Locale.ROOT, "bf16 training on %s: max loss rel err against torch fp32 %.3g%n",
                    backend.name(), farthest);
        }
    }

    /** grad_norms_step0 for every parameter (relative for norms above 1) and grad_step0's first 16 values. */
    private static double checkGradients(Backend backend, SequenceClassifier model, JsonNode expected) {
        double worst = 0;
        JsonNode norms = expected.get("grad_norms_step0");
        assertThat(norms.size()).isEqualTo(model.params().owned().size());
        for (Map.Entry<String, JsonNode> e : norms.properties()) {
            Param p = model.params().get(e.getKey());
            double norm = Math.sqrt(backend.sumOfSquares(p.grad(backend)));
            double want = e.getValue().asDouble();
            double err = Math.abs(norm - want) / Math.max(1, Math.abs(want));
            assertThat(err).as("gradient norm of %s: %s vs %s", e.getKey(), norm, want).isLessThanOrEqualTo(GRAD_TOL);
            worst = Math.max(worst, err);
        }
        return Math.max(worst, checkFirst16(backend, model, expected.get("grad_step0"), GRAD_TOL,
                p -> p.grad(backend), "gradient at step 0"));
    }

    private static double checkFirst16(Backend backend, SequenceClassifier model, JsonNode expected, double tol,
                                       Function<Param, Tensor> tensor,
                                       String what) {
        double worst = 0;
        for (Map.Entry<String, JsonNode> e : expected.properties()) {
            float[] actual = backend.read(tensor.apply(model.params().get(e.getKey())));
            assertThat(e.getValue().size()).isEqualTo(16);
            for (int i = 0; i < 16; i++) {
                double want = e.getValue().get(i).asDouble();
                double err = Math.abs(actual[i] - want);
                assertThat(err).as("%s %s[%d]: %s vs %s", what, e.getKey(), i, actual[i], want)
                        .isLessThanOrEqualTo(tol);
                worst = Math.max(worst, err);
            }
        }
        return worst;
    }
}
