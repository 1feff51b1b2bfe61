package dev.raccoon.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.api.Classifier;
import dev.raccoon.engine.cpu.CpuMath;
import dev.raccoon.train.Distillation;
import dev.raccoon.train.data.DataSummary;
import dev.raccoon.train.data.Labels;
import dev.raccoon.train.metrics.PairedComparison;
import dev.raccoon.train.ngram.NgramClassifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "compare", description = {
        "Tells whether a classifier is more accurate than a baseline on the same labelled data, or only seems so.",
        "Both answer every row. It reports both accuracies, their difference with a 95%% interval, how many rows only one"
                + " of them gets right, and McNemar's exact test on those rows: the chance of so uneven a split if both were"
                + " equally good. On a dev set of 10,000 reviews a difference of a few tenths of a point is often chance."})
final class CompareCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    TaskOption taskOption;

    @Option(names = "--baseline", paramLabel = "DIR", required = true,
            description = "The classifier to compare --model against (same labels): a model directory, run with the same options,"
                    + " or a character n-gram model from 'raccoon ngram'.")
    Path baseline;

    @Option(names = "--baseline-truncation", paramLabel = "HOW",
            description = "How the baseline reads texts longer than --max-length (head-tail or head; default: as --truncation),"
                    + " so that one model read two ways can be compared: --model M --baseline M --baseline-truncation head.")
    String baselineTruncation;

    @Mixin
    LabelledDataOptions data;

    @Option(names = "--json", description = "Print one JSON object (n, baseline_accuracy, model_accuracy, difference, difference_low,"
            + " difference_high, only_baseline_right, only_model_right, mcnemar_p, rows_read, rows_skipped, and how the model"
            + " read the data: max_length, truncation, rows_truncated, compute_precision; baseline_max_length and"
            + " baseline_truncation for a model baseline).")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (baselineTruncation != null && NgramClassifier.isModel(baseline))
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--baseline-truncation is for a model baseline; an n-gram model reads whole texts");
        PairedComparison comparison = new PairedComparison();
        DataSummary summary;
        List<String> labels;
        Path modelDir = modelOptions.directory(spec, taskOption.task);
        long[] truncatedRows = {0};
        ObjectNode reading = JsonLines.JSON.createObjectNode(); // how the model (and a model baseline) read the data, for --json
        String modelLabel = modelDir.toString(), baselineLabel = baseline.toString(); // the text output's names of the two
        // the baseline may be the character n-gram model of 'raccoon ngram': does the transformer beat a linear model?
        try (Classifier model = modelOptions.load(spec, taskOption.task);
             Classifier baseClassifier = NgramClassifier.isModel(baseline) ? null
                     : modelOptions.load(spec, baseline, baselineTruncation)) {
            model.requireLabels();
            if (baseClassifier != null) baseClassifier.requireLabels();
            Distillation.Teacher base = baseClassifier != null ? Distillation.Teacher.of(baseClassifier) : NgramClassifier.load(baseline);
            if (!model.labels().equals(base.labels()))
                throw new IllegalArgumentException("the models' labels differ: " + model.labels() + " in " + modelDir + ", "
                        + base.labels() + " in " + baseline + "; compare classifiers of one task");
            summary = data.score(data.spec(new Labels(model.labels())), "compare", (chunk, lines) -> {
                float[][] m = LabelledDataOptions.logits(model, chunk, truncatedRows);
                float[][] b = base.probabilities(LabelledDataOptions.texts(chunk), LabelledDataOptions.pairs(chunk));
                for (int i = 0; i < chunk.size(); i++) {
                    int gold = chunk.get(i).label();
                    comparison.add(CpuMath.argmax(b[i]) == gold, CpuMath.argmax(m[i]) == gold);
                }
            });
            labels = model.labels();
            LabelledDataOptions.noteTruncated("compare", model, truncatedRows[0]);
            if (baseClassifier != null && truncatedRows[0] > 0 && baseClassifier.truncation() != model.truncation())
                System.err.printf(Locale.ROOT, "raccoon compare: the baseline read %s of each (--baseline-truncation)%n",
                        baseClassifier.truncation().partRead());
            LabelledDataOptions.putReading(reading, model, truncatedRows[0]);
            if (baseClassifier != null) {
                reading.put("baseline_max_length", baseClassifier.maxLength());
                reading.put("baseline_truncation", baseClassifier.truncation().id());
                // one model read two ways has one path: the text output names each reading
                if (baseClassifier.truncation() != model.truncation()) {
                    modelLabel += " (--truncation " + model.truncation().id() + ")";
                    baselineLabel += " (--baseline-truncation " + baseClassifier.truncation().id() + ")";
                }
            }
        }
        data.check("compare", summary, labels, "compare on data with the models' labels");
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        if (json) {
            ObjectNode o = comparison.toJson();
            o.put("rows_read", summary.rowsRead());
            o.put("rows_skipped", summary.rowsSkipped());
            o.setAll(reading);
            out.println(JsonLines.JSON.writeValueAsString(o));
        } else {
            double[] interval = comparison.interval95();
            double p = comparison.mcnemarP();
            out.printf(Locale.ROOT, "%-21s %,d%n", "rows", comparison.n());
            out.printf(Locale.ROOT, "%-21s %.4f  %s%n", "accuracy, baseline", comparison.baselineAccuracy(), baselineLabel);
            out.printf(Locale.ROOT, "%-21s %.4f  %s%n", "accuracy, model", comparison.modelAccuracy(), modelLabel);
            out.printf(Locale.ROOT, "%-21s %+.2f points (%s)%n", "difference", 100 * comparison.difference(), interval == null
                    ? "no interval: no row is right by one model only"
                    : String.format(Locale.ROOT, "95%% interval %+.2f to %+.2f", 100 * interval[0], 100 * interval[1]));
            out.printf(Locale.ROOT, "%-21s %,d only the model, %,d only the baseline%n", "rows right by one",
                    comparison.onlyModelRight(), comparison.onlyBaselineRight());
            out.printf(Locale.ROOT, "%-21s p = %s: %s%n", "McNemar exact test", p < 1e-4 ? String.format(Locale.ROOT, "%.1e", p)
                    : String.format(Locale.ROOT, "%.4f", p), p < 0.05
                    ? "a difference this large would be rare (under 5%) between equally good classifiers"
                    : "equally good classifiers would often differ this much; no evidence either is better");
        }
        out.flush();
        return 0;
    }
}
