package dev.raccoon.cli;

import dev.raccoon.api.Classifier;
import dev.raccoon.train.Distillation;
import dev.raccoon.train.run.InterruptNotice;
import dev.raccoon.train.run.Fingerprint;
import dev.raccoon.train.run.OutputLock;
import dev.raccoon.train.Trainer;
import dev.raccoon.train.corpus.CorpusFiles;
import dev.raccoon.train.data.Example;
import dev.raccoon.train.data.Labels;
import dev.raccoon.train.ngram.NgramClassifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "distill", description = {
        "Trains a student classifier on its teachers' mean probabilities (knowledge distillation).",
        "Labelled rows learn those mixed with their gold label (--gold-weight); unlabelled texts, those alone.",
        "Unlabelled texts equal to a dev text, repeats and texts labelled already are dropped.",
        "Writes OUT/best, OUT/last and OUT/train_log.jsonl as train does."})
final class DistillCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TrainingOptions training;

    @Mixin
    RunControl run;

    @Option(names = "--teacher", paramLabel = "DIR", required = true,
            description = "A classifier directory with the student's labels (transformers' LABEL_0, LABEL_1, … are read by id), or a character n-gram model from 'raccoon ngram'; repeat for an ensemble (probabilities averaged).")
    List<Path> teacherDirs;

    @Option(names = "--teacher-weight", split = ",", paramLabel = "W",
            description = "One weight per --teacher, in order: each teacher's share of the average (default: equal shares).")
    List<Double> teacherWeights;

    @Option(names = {"--unlabeled", "--unlabelled"}, paramLabel = "FILE",
            description = "Unlabelled texts, one a line (.gz read as gzip), in the --encoding of the data; repeatable.")
    List<Path> unlabelled = List.of();

    @Option(names = "--max-unlabeled", paramLabel = "N", description = "Read at most N unlabelled lines in all (default: every line).")
    long maxUnlabelled = Long.MAX_VALUE;

    @Option(names = "--gold-weight", defaultValue = "0.5", paramLabel = "W",
            description = "A labelled row's target: W × its gold label + (1 − W) × the teachers' probabilities (default: ${DEFAULT-VALUE}).")
    float goldWeight;

    /**
     * The teachers' files by name, size and time of change: a teacher written anew at its path (ngram --out again)
     * is another teacher, whose targets a resumed run must not go on learning from.
     */
    private String teachersFingerprint() throws IOException {
        Fingerprint digest = new Fingerprint();
        for (Path dir : teacherDirs) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.filter(Files::isRegularFile).sorted().toList())
                    digest.add(file.getFileName().toString().hashCode()).add(Files.size(file))
                            .add(Files.getLastModifiedTime(file).toMillis());
            }
        }
        return digest.hex();
    }

    private static String absolute(Path p) { return p.toAbsolutePath().normalize().toString(); }

    @Override
    public Integer call() throws Exception {
        Trainer.Options options = training.options(spec, Trainer.Task.CLASSIFY, run.stopAfter(spec));
        if (!(goldWeight >= 0 && goldWeight <= 1)) throw TrainingOptions.usage(spec, "--gold-weight must lie in [0, 1], got " + goldWeight);
        if (maxUnlabelled < 0) throw TrainingOptions.usage(spec, "--max-unlabeled must not be negative");
        if (teacherWeights != null && teacherWeights.size() != teacherDirs.size())
            throw TrainingOptions.usage(spec, teacherWeights.size() + " --teacher-weight for " + teacherDirs.size() + " --teacher");
        if (teacherWeights != null && !teacherWeights.stream().allMatch(w -> w > 0 && Double.isFinite(w)))
            throw TrainingOptions.usage(spec, "--teacher-weight must be positive numbers, got "
                    + String.join(",", teacherWeights.stream().map(w -> Double.toString(w)).toList()));
        double[] weights = teacherWeights == null ? null : teacherWeights.stream().mapToDouble(Double::doubleValue).toArray();
        // The soft targets are computed again on resume; these say what computed them.
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("teachers", String.join(File.pathSeparator, teacherDirs.stream().map(DistillCommand::absolute).toList()));
        provenance.put("teacher_weights", teacherWeights == null ? "equal" : teacherWeights.toString());
        provenance.put("gold_weight", Float.toString(goldWeight));
        provenance.put("unlabeled", String.join(File.pathSeparator, unlabelled.stream().map(DistillCommand::absolute).toList()));
        provenance.put("max_unlabeled", Long.toString(maxUnlabelled));
        provenance.put("teachers_fingerprint", teachersFingerprint());
        try (var _ = OutputLock.acquire(training.out)) {
            Trainer.requireOutput(training.out, run.resume, provenance); // before the teachers label every text
            PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
            Labels labels = training.labels(spec, options.task());
            List<Example> dev;
            Distillation.Data data;
            List<Classifier> loaded = new ArrayList<>();
            try (InterruptNotice onInterrupt = InterruptNotice.install("distill-interrupted", () -> err.println("distill: "
                    + "interrupted before training began, while the data was read and the teachers labelled it; "
                    + training.out + " is as it was, and the same command starts again from the teachers"))) {
                DataOptions.Split split = training.read(spec, labels, err);
                dev = split.dev();
                List<String> devTexts = new ArrayList<>(dev.size());
                for (Example e : dev) devTexts.add(e.text());
                Classifier.Options teacherOptions = new Classifier.Options(training.compute.device, training.compute.threads,
                        options.maxLength(), 64, options.truncation(), ComputeOptions.precision(spec, training.compute.precision));
                List<Distillation.Teacher> teachers = new ArrayList<>();
                for (Path dir : teacherDirs) {
                    if (NgramClassifier.isModel(dir)) {
                        teachers.add(NgramClassifier.load(dir));
                    } else {
                        Classifier c = Classifier.load(dir, teacherOptions);
                        loaded.add(c);
                        // its maxLength is --max-length cut to its positions: fewer, and it labels less of a text than the student reads
                        TrainingOptions.notePositions(options.maxLength(), c.maxLength(), "teacher " + dir + "'s", err);
                        teachers.add(Distillation.Teacher.of(c));
                    }
                }
                CorpusFiles unlabelledFiles = new CorpusFiles(unlabelled, training.data.encoding.encoding);
                data = Distillation.prepare(teachers, weights, labels.names(), split.train(), unlabelledFiles, maxUnlabelled,
                        devTexts, goldWeight, err, options.progress());
            } finally {
                for (Classifier c : loaded) c.close();
            }
            training.fineTune(spec, options, labels, data.examples(), dev, run.resume, provenance, err);
        }
        return 0;
    }
}
