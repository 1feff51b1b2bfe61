package dev.raccoon.cli;

import dev.raccoon.api.Classifier;
import dev.raccoon.engine.Backend;
import dev.raccoon.engine.backends.Backends;
import dev.raccoon.model.ModelDirectory;
import dev.raccoon.model.SequenceClassifier;
import dev.raccoon.model.io.DType;
import dev.raccoon.train.run.AtomicDirectory;
import dev.raccoon.train.TemperatureScaling;
import dev.raccoon.train.data.DataSummary;
import dev.raccoon.train.data.Example;
import dev.raccoon.train.data.Labels;
import dev.raccoon.train.metrics.Calibration;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "calibrate", description = {
        "Makes a classifier's probabilities match how often it is right, and writes the model with that built in.",
        "It finds the temperature T by which dividing the logits gives the lowest log loss on --data (temperature scaling, "
                + "Guo et al. 2017); every answer stays the same, only how sure the model says it is changes. T is folded into "
                + "the last layer's weights, so the written directory gives the same probabilities in Raccoon and in transformers. "
                + "Fit it on held-out data (a dev set), not on the training data, which the model knows too well.",
        "The copy has config.json, vocab.txt, tokenizer_config.json, model.safetensors, and calibration.json with the temperature"
                + " and the figures before and after. 'raccoon eval' shows whether a model needs it: the expected calibration error"
                + " and the reliability diagram."})
final class CalibrateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    TaskOption taskOption;

    @Mixin
    LabelledDataOptions data;

    @Option(names = "--out", paramLabel = "DIR", required = true,
            description = "Directory to write the calibrated model into (must not exist or be empty).")
    Path out;

    @Option(names = "--dtype", paramLabel = "TYPE", description = "f32, f16 or bf16 (default: the type the model's config.json names, else f32).")
    String dtype;

    @Spec
    CommandSpec spec;

    /** The file beside the weights that says how the model was calibrated. */
    static final String RECORD_FILE = "calibration.json";
    /** Fewer rows than this fit a temperature that the next sample would move: say so. */
    private static final int FEW_ROWS = 500;

    @Override
    public Integer call() throws Exception {
        DType requested = dtype == null ? null : ExportCommand.dtype(spec, dtype);
        ExportCommand.requireEmptyOrMissing(out);
        List<float[]> logits = new ArrayList<>();
        List<Integer> gold = new ArrayList<>();
        List<String> labels;
        DataSummary summary;
        long[] truncatedRows = {0};
        // the temperature fits the logits of texts read and computed so: another reading would want another
        ObjectNode reading = JsonLines.JSON.createObjectNode();
        Path modelDir = modelOptions.directory(spec, taskOption.task);
        try (Classifier classifier = modelOptions.load(spec, taskOption.task)) {
            classifier.requireLabels();
            if (classifier.isMultiLabel())
                throw new IllegalArgumentException(modelDir + " is a multi-label model (a sigmoid per label); calibrate fits"
                        + " the softmax of single-label classifiers");
            labels = classifier.labels();
            summary = data.score(data.spec(new Labels(labels)), "calibrate", (chunk, lines) -> {
                float[][] l = LabelledDataOptions.logits(classifier, chunk, truncatedRows);
                for (int i = 0; i < chunk.size(); i++) {
                    Classifier.requireFinite(l[i]); // as eval and predict refuse them: no temperature makes NaN a probability
                    logits.add(l[i]);
                }
                for (Example e : chunk) gold.add(e.label());
            });
            LabelledDataOptions.noteTruncated("calibrate", classifier, truncatedRows[0]);
            LabelledDataOptions.putReading(reading, classifier, truncatedRows[0]);
        }
        data.check("calibrate", summary, labels, "calibrate on data with the model's labels");
        if (logits.size() < FEW_ROWS)
            System.err.printf(Locale.ROOT, "raccoon calibrate: note: fitted on only %,d row%s, so the temperature is uncertain;"
                    + " a dev set of a few thousand rows fits it well%n", logits.size(), logits.size() == 1 ? "" : "s");
        float[][] z = logits.toArray(float[][]::new);
        int[] g = gold.stream().mapToInt(Integer::intValue).toArray();
        double temperature = TemperatureScaling.fit(z, g);

        Calibration before = calibration(z, g, 1), after = calibration(z, g, temperature);
        ObjectNode record = JsonLines.JSON.createObjectNode();
        record.put("temperature", temperature);
        record.put("data", data.data.toAbsolutePath().normalize().toString());
        record.put("rows", g.length);
        record.setAll(reading);
        record.set("before", figures(before));
        record.set("after", figures(after));

        DType written;
        try (Backend backend = Backends.scalar()) {
            ModelDirectory model = ModelDirectory.load(modelDir, backend);
            ((SequenceClassifier) model.model()).scaleLogits((float) (1 / temperature));
            written = requested != null ? requested : model.config().weightsDtype() != null ? model.config().weightsDtype() : DType.F32;
            // the model and its record written whole or not at all, as export writes
            AtomicDirectory.replace(out, RECORD_FILE, dir -> {
                ModelDirectory.save(dir, model.model(), model.tokenizer(), written);
                Files.writeString(dir.resolve(RECORD_FILE), record.toPrettyString() + "\n", StandardCharsets.UTF_8);
            });
        }

        PrintStream stdout = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        stdout.printf(Locale.ROOT, "temperature %.4f (the logits are divided by it: %s)%n", temperature,
                Math.abs(Math.log(temperature)) < 0.05 ? "close to 1, the model was about calibrated already"
                        : temperature > 1 ? "the model was overconfident" : "the model was underconfident");
        stdout.printf(Locale.ROOT, "%-10s %8s %8s%n", "", "before", "after");
        stdout.printf(Locale.ROOT, "%-10s %8.4f %8.4f%n", "log loss", before.logLoss(), after.logLoss());
        stdout.printf(Locale.ROOT, "%-10s %8.4f %8.4f%n", "ECE", before.expectedCalibrationError(), after.expectedCalibrationError());
        stdout.printf(Locale.ROOT, "%-10s %8.4f %8.4f%n", "Brier", before.brier(), after.brier());
        stdout.printf(Locale.ROOT, "(on the %,d rows it was fitted on; the answers, and so the accuracy, are unchanged)%n", g.length);
        if (after.expectedCalibrationError() > before.expectedCalibrationError())
            stdout.println("The ECE rose: the temperature minimises the log loss, and on a model this close to calibrated, or on few"
                    + " rows, the ECE moves by chance; keep the model you had.");
        if (written != DType.F32)
            stdout.printf(Locale.ROOT, "(figures of the logits divided by T in float32; the %s weights written round them slightly)%n",
                    written.torchName());
        stdout.flush();
        System.err.printf(Locale.ROOT, "raccoon calibrate: the calibrated model (%s) written to %s%n", written.torchName(), out);
        return 0;
    }

    private static ObjectNode figures(Calibration c) {
        ObjectNode o = JsonLines.JSON.createObjectNode();
        o.put("log_loss", c.logLoss());
        o.put("ece", c.expectedCalibrationError());
        o.put("brier", c.brier());
        return o;
    }

    private static Calibration calibration(float[][] logits, int[] gold, double temperature) {
        Calibration c = new Calibration();
        for (int i = 0; i < logits.length; i++) c.add(gold[i], TemperatureScaling.probabilities(logits[i], temperature));
        return c;
    }
}
