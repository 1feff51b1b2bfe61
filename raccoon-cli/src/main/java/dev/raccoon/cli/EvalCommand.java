package dev.raccoon.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.api.Classifier;
import dev.raccoon.engine.cpu.CpuMath;
import dev.raccoon.serve.TableFormat;
import dev.raccoon.train.run.AtomicDirectory;
import dev.raccoon.train.data.DataSummary;
import dev.raccoon.train.data.Example;
import dev.raccoon.train.data.ExampleReader;
import dev.raccoon.train.data.Labels;
import dev.raccoon.train.lexicon.KnuLexicon;
import dev.raccoon.train.lexicon.LexiconClassifier;
import dev.raccoon.train.metrics.ClassificationMetrics;
import dev.raccoon.train.metrics.Mistakes;
import dev.raccoon.train.ngram.NgramClassifier;
import dev.raccoon.train.metrics.Metrics;
import dev.raccoon.train.metrics.RegressionMetrics;
import dev.raccoon.train.report.HtmlReport;
import dev.raccoon.train.report.TrainingLog;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "eval", description = {
        "Evaluates a model (or the lexicon or n-gram baseline) on labelled data.",
        "It reports accuracy, macro-F1 (over the classes among the gold labels or the answers), per-class precision, "
                + "recall and F1, the confusion matrix, ROC-AUC (two classes) and "
                + "how far the probabilities can be trusted (expected calibration error, Brier score as scikit-learn's: "
                + "0–1 for two classes, summed over the classes, 0–2, for more; log loss; and the accuracy "
                + "when answering only above a probability); "
                + "Pearson, Spearman and MSE for a regression model (one label; its score is logits[0]). "
                + "Rows that cannot be used are skipped and summarised on stderr."})
final class EvalCommand implements Callable<Integer> {
    /** An expected calibration error above this is worth a hint at calibrate (the shipped models: 0.5 and 1.2 %). */
    private static final double NOTABLE_ECE = 0.02;
    /**
     * Below this many rows the ECE measured is mostly the sample's noise (a well calibrated model shows several
     * points on 200), and calibrate would fit little: no hint.
     */
    private static final long CALIBRATION_HINT_ROWS = 2000;

    static final class Source {
        @ArgGroup(exclusive = false)
        ModelOptions model;

        @Option(names = "--lexicon", paramLabel = "FILE",
                description = "Evaluate the lexicon baseline with this KNU-format lexicon (word<TAB>polarity) instead of a model.")
        Path lexicon;

        @Option(names = "--ngram", paramLabel = "DIR", description = "Evaluate a character n-gram model trained by 'raccoon ngram' instead.")
        Path ngram;
    }

    /** Null when none of --model, --lexicon and --ngram is given: the shipped model of --task is evaluated. */
    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source;

    @Option(names = "--lexicon-train", paramLabel = "FILE",
            description = "With --lexicon: labelled data whose majority class takes the texts scoring 0 (default: positive).")
    Path lexiconTrain;

    @Mixin
    LabelledDataOptions data;

    @Option(names = "--task", paramLabel = "TASK",
            description = "binary or 3class: the classes of the lexicon baseline (default binary) and of NSMC crawl ratings; with --model it must agree with the model.")
    String task;

    @Option(names = "--json", description = "Print one JSON object (n, accuracy, macro_f1, ..., calibration, undefined: the figures these rows leave"
            + " undefined, in words; or pearson, spearman, mse).")
    boolean json;

    @Option(names = "--report", paramLabel = "DIR", description = "Write an HTML report with charts into DIR.")
    Path report;

    @Option(names = "--log", paramLabel = "FILE", description = "Training log (JSON lines) whose curves the report draws; needs --report.")
    Path log;

    @Option(names = "--errors", paramLabel = "FILE",
            description = "Write every row the model (or n-gram model) got wrong to FILE (.tsv, .csv or .jsonl; TSV turns "
                    + "tabs and line breaks into spaces): the line of --data it starts on, text, gold, answer and the "
                    + "answer's probability, the most confident mistakes first. The report lists the first 20 of them; "
                    + "FILE lies outside --report's folder, which is replaced as a whole.")
    Path errors;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (log != null && report == null) throw usage("--log needs --report: the training curves are drawn in the report");
        if (log != null && !Files.isRegularFile(log)) throw usage("--log " + log + ": no such file");
        TrainingLog trainingLog = log == null ? null : TrainingLog.read(log);
        if (trainingLog != null && trainingLog.entries().isEmpty())
            throw usage("--log " + log + " holds no training log entries (" + trainingLog.badLines().size()
                    + " unreadable lines): give the train_log.jsonl or pretrain_log.jsonl of a run");
        if (trainingLog != null && !trainingLog.badLines().isEmpty())
            System.err.println("raccoon eval: " + log + ": skipping unreadable " + TrainingLog.lineList(trainingLog.badLines())
                    + " (not JSON objects)");
        TrainingOptions.requireOutputDirectory(spec, report, "--report");
        // The report directory is replaced as a whole, and a file in it that is not the report's is refused: a
        // mistakes file written there would be lost or block the report (and every rerun).
        if (report != null && errors != null
                && errors.toAbsolutePath().normalize().startsWith(report.toAbsolutePath().normalize()))
            throw usage("--errors " + errors + " lies inside --report " + report + ", which is replaced as a whole:"
                    + " write the mistakes beside it (the report lists the first 20)");
        if (report != null) AtomicDirectory.checkReplaceable(report.toAbsolutePath().normalize(), HtmlReport.METRICS_FILE, HtmlReport::isReportFile);
        if (lexiconTrain != null && (source == null || source.lexicon == null)) throw usage("--lexicon-train goes with --lexicon");
        TableFormat errorsFormat = errors == null ? null : MistakesFile.format(spec, errors, source != null && source.lexicon != null);
        Labels taskLabels = task == null ? null : switch (task) {
            case "binary" -> Labels.BINARY;
            case "3class" -> Labels.THREE_CLASS;
            default -> throw usage("--task must be binary or 3class, not '" + task + "'");
        };
        Metrics metrics;
        DataSummary summary;
        Mistakes mistakes = null; // the rows answered wrongly, where the scorer gives probabilities
        Classifier read = null; // the model (closed by then; its reading settings still answer), for the output
        long[] truncatedRows = {0};
        Path calibratable = null; // a model directory that calibrate could mend; the baselines it cannot
        String scorer;
        if (source != null && source.lexicon != null) {
            Labels labels = taskLabels != null ? taskLabels : Labels.BINARY;
            KnuLexicon entries = KnuLexicon.load(source.lexicon);
            // A tie (score 0) goes to the training majority when training data is given, else positive;
            // with three classes it is neutral.
            LexiconClassifier lexicon = lexiconTrain != null && labels.size() == 2
                    ? LexiconClassifier.withMajorityTie(entries, ExampleReader.load(lexiconTrain,
                            data.spec(data.format(lexiconTrain), labels)).examples())
                    : new LexiconClassifier(entries, labels, labels.size() - 1);
            ClassificationMetrics m = new ClassificationMetrics(labels.names());
            summary = data.score(data.spec(labels), "eval", (chunk, lines) -> {
                for (Example e : chunk) {
                    double s = lexicon.score(e.text());
                    m.add(e.label(), lexicon.predict(s), 1 / (1 + Math.exp(-s)));
                }
            });
            metrics = m;
            scorer = "lexicon " + source.lexicon;
        } else if (source != null && source.ngram != null) {
            NgramClassifier ngram = NgramClassifier.load(source.ngram);
            List<String> names = ngram.labels();
            checkTaskFits(taskLabels, names);
            ClassificationMetrics m = new ClassificationMetrics(names);
            Mistakes wrong = new Mistakes(names);
            summary = data.score(data.spec(new Labels(names)), "eval", (chunk, lines) -> {
                float[][] p = ngram.probabilities(LabelledDataOptions.texts(chunk), LabelledDataOptions.pairs(chunk));
                for (int i = 0; i < chunk.size(); i++) {
                    m.add(chunk.get(i).label(), p[i]);
                    MistakesFile.add(wrong, lines[i], chunk.get(i), p[i]);
                }
            });
            mistakes = wrong;
            metrics = m;
            scorer = "n-gram model " + source.ngram;
        } else {
            ModelOptions modelOptions = source != null && source.model != null ? source.model : new ModelOptions();
            Path modelDir = modelOptions.directory(spec, task);
            calibratable = modelDir;
            try (Classifier classifier = modelOptions.load(spec, task)) {
                List<String> names = classifier.labels();
                boolean regression = names.size() == 1;
                checkTaskFits(taskLabels, names);
                read = classifier;
                if (regression) {
                    if (errors != null) throw usage("--errors needs a classification model: " + modelDir + " gives a score, not a label");
                    RegressionMetrics m = new RegressionMetrics();
                    summary = data.score(data.spec(null), "eval", (chunk, lines) -> {
                        float[][] logits = LabelledDataOptions.logits(classifier, chunk, truncatedRows);
                        for (int i = 0; i < chunk.size(); i++) m.add(logits[i][0], chunk.get(i).target());
                    });
                    metrics = m;
                } else {
                    ClassificationMetrics m = new ClassificationMetrics(names);
                    Mistakes wrong = new Mistakes(names);
                    summary = data.score(data.spec(new Labels(names)), "eval", (chunk, lines) -> {
                        float[][] logits = LabelledDataOptions.logits(classifier, chunk, truncatedRows);
                        for (int i = 0; i < chunk.size(); i++) {
                            float[] l = logits[i];
                            double margin = l.length == 2 ? l[1] - l[0] : Double.NaN;
                            float[] probabilities = classifier.prediction(l).probabilities();
                            // a multi-label model's sigmoids do not sum to 1: no calibration for them
                            if (classifier.isMultiLabel()) m.add(chunk.get(i).label(), CpuMath.argmax(l), margin);
                            else m.add(chunk.get(i).label(), probabilities, margin);
                            MistakesFile.add(wrong, lines[i], chunk.get(i), probabilities);
                        }
                    });
                    metrics = m;
                    mistakes = wrong;
                }
            }
            scorer = "model " + modelDir;
        }
        data.check("eval", summary, metrics instanceof ClassificationMetrics m ? m.labels() : null,
                "evaluate it with a model (or --task) that has those labels");
        if (metrics instanceof ClassificationMetrics m)
            for (int c = 0; c < m.labels().size(); c++)
                if (m.confusion().support(c) == 0)
                    System.err.println("raccoon eval: warning: no row has the label '" + m.labels().get(c) + "' of "
                            + m.labels() + "; labels given as ids were read in that order (0 = " + m.labels().getFirst()
                            + ", 1 = " + m.labels().get(1) + ", …): is the data for this model's task?");
        if (read != null) LabelledDataOptions.noteTruncated("eval", read, truncatedRows[0]);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        ObjectNode record = HtmlReport.json(metrics, summary); // --json's object and the report's metrics.json
        if (read != null) LabelledDataOptions.putReading(record, read, truncatedRows[0]);
        if (json) {
            out.println(JsonLines.JSON.writeValueAsString(record));
        } else {
            out.print(metrics.toText());
        }
        out.flush();
        if (calibratable != null && metrics instanceof ClassificationMetrics m && m.calibration() != null
                && m.n() >= CALIBRATION_HINT_ROWS && m.calibration().expectedCalibrationError() > NOTABLE_ECE)
            System.err.printf(Locale.ROOT, "raccoon eval: the probabilities are off by %.1f points on average (ECE);"
                    + " '%s --out DIR' fits a temperature that mends them%n",
                    100 * m.calibration().expectedCalibrationError(), SuggestedCommand.of(spec, "calibrate",
                            List.of("--model", calibratable.toString()), Set.of("--model", "--task", "--verbose")));
        if (errorsFormat != null) {
            MistakesFile.write(errors, errorsFormat, mistakes);
            System.err.printf(Locale.ROOT, "raccoon eval: %,d mistakes written to %s%n", mistakes.count(), errors);
        }
        if (report != null) {
            // Replaced whole: charts of an earlier report (a ROC curve a 3-class one has not) do not stay behind.
            Metrics evaluated = metrics;
            Mistakes listed = mistakes;
            AtomicDirectory.replace(report, HtmlReport.METRICS_FILE, HtmlReport::isReportFile, dir -> HtmlReport.write(dir,
                    "Raccoon evaluation: " + data.data.getFileName() + ", " + scorer, evaluated, summary, trainingLog, listed, record));
            System.err.println("raccoon eval: report written to " + report.resolve("index.html"));
        }
        return 0;
    }

    private void checkTaskFits(Labels taskLabels, List<String> modelLabels) {
        if (taskLabels != null && taskLabels.size() != modelLabels.size())
            throw usage("--task " + task + " does not fit the model's " + modelLabels.size() + " label(s) ("
                    + String.join(", ", modelLabels) + ")");
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
