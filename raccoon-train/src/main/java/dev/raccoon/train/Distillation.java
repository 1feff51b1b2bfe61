package dev.raccoon.train;

import dev.raccoon.train.run.Progress;
import dev.raccoon.api.Classifier;
import dev.raccoon.engine.cpu.CpuMath;
import dev.raccoon.train.corpus.CorpusFiles;
import dev.raccoon.train.data.Example;
import me.tongfei.progressbar.ProgressBar;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The training data of knowledge distillation: labelled rows and unlabelled texts, each with the mean of its
 * teachers' probabilities as the target the student learns (Hinton et al., 2015, at temperature 1). A labelled row's
 * target mixes in its gold label: {@code w·onehot + (1 − w)·teachers}. Unlabelled texts equal to a held-out text
 * (the dev set; after {@link CorpusFiles#normalize}) are dropped — a corpus that contains the dev reviews would
 * otherwise carry the teachers' view of them into training and flatter the dev figure — as are repeats and texts
 * that are labelled already.
 */
public final class Distillation {
    /** Texts per teacher call: enough for length-sorted batches, few enough for a progress bar that moves. */
    private static final int CHUNK = 8192;

    /**
     * What went in.
     *
     * @param unlabelledRead  lines read from the unlabelled files
     * @param droppedHeldOut  unlabelled texts equal to a held-out text
     * @param droppedRepeated unlabelled texts seen before, among themselves or in the labelled rows
     * @param droppedEmpty    blank unlabelled lines
     */
    public record Summary(int teachers, int labelled, long unlabelledRead, int unlabelledKept, int droppedHeldOut,
                          int droppedRepeated, int droppedEmpty) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d teacher%s; %d labelled rows; %d unlabelled lines read, %d kept "
                            + "(%d equal to a held-out text, %d repeated or labelled already, %d blank)",
                    teachers, teachers == 1 ? "" : "s", labelled, unlabelledRead, unlabelledKept, droppedHeldOut,
                    droppedRepeated, droppedEmpty);
        }
    }

    public record Data(List<Example> examples, Summary summary) {}

    /** A model whose class probabilities a student learns. */
    public interface Teacher {
        String name();

        List<String> labels();

        /** One row of class probabilities per text ({@code pairs}: the second texts, null where there is none). */
        float[][] probabilities(List<String> texts, List<String> pairs);

        static Teacher of(Classifier classifier) {
            return new Teacher() {
                @Override
                public String name() { return classifier.directory().toString(); }

                @Override
                public List<String> labels() { return classifier.labels(); }

                @Override
                public float[][] probabilities(List<String> texts, List<String> pairs) {
                    float[][] logits = classifier.logits(texts, pairs);
                    float[][] p = new float[logits.length][];
                    for (int i = 0; i < logits.length; i++) p[i] = classifier.prediction(logits[i]).probabilities();
                    return p;
                }
            };
        }
    }

    private Distillation() {
    }

    /**
     * transformers' names for labels a model was given none for: such a teacher's classes are read by id, as data
     * labels 0 and 1 are.
     */
    private static List<String> unnamed(int n) {
        return IntStream.range(0, n).mapToObj(i -> "LABEL_" + i).toList();
    }

    /**
     * @param teachers     models whose labels are {@code labels}, in that order
     * @param weights      each teacher's share of the mean (normalised to sum 1); null for equal shares
     * @param labelled     gold-labelled classification rows
     * @param unlabelled   text files, one text a line (gzip when named .gz), read up to {@code maxUnlabelled} lines
     * @param heldOut      texts that must not be trained on (the dev set's)
     * @param goldWeight   w above, in [0, 1]
     * @param progress     where the rows' summary goes before the teachers label them, and their progress (null:
     *                     nowhere): a bar, or when {@code bar} is false a plain line as each teacher finishes
     */
    public static Data prepare(List<Teacher> teachers, double[] weights, List<String> labels, List<Example> labelled,
                               CorpusFiles unlabelled, long maxUnlabelled, List<String> heldOut, float goldWeight,
                               PrintStream progress, boolean bar) throws IOException {
        if (teachers.isEmpty()) throw new IllegalArgumentException("distillation needs at least one teacher");
        if (!(goldWeight >= 0 && goldWeight <= 1))
            throw new IllegalArgumentException("the gold label's weight must lie in [0, 1], got " + goldWeight);
        double[] shares = shares(teachers.size(), weights);
        for (Teacher t : teachers) {
            if (t.labels().size() < 2)
                throw new IllegalArgumentException("teacher " + t.name() + " is a regression model (one output); a teacher"
                        + " gives class probabilities");
            if (!t.labels().equals(labels) && !t.labels().equals(unnamed(labels.size())))
                throw new IllegalArgumentException("teacher " + t.name() + " has the labels " + t.labels()
                        + ", the student " + labels);
        }
        for (Example e : labelled)
            if (e.isRegression() || e.label() >= labels.size())
                throw new IllegalArgumentException("a labelled row for distillation needs one of " + labels.size()
                        + " labels: " + e.text());

        Set<String> held = new HashSet<>();
        for (String text : heldOut) held.add(CorpusFiles.normalize(text));
        Set<String> seen = new HashSet<>();
        for (Example e : labelled) seen.add(CorpusFiles.normalize(e.text()));
        List<String> texts = new ArrayList<>();
        int[] dropped = new int[3];
        long read = unlabelled.read(maxUnlabelled, bytes -> { }, line -> {
            String text = CorpusFiles.normalize(line);
            if (text.isEmpty()) dropped[2]++;
            else if (held.contains(text)) dropped[0]++;
            else if (!seen.add(text)) dropped[1]++;
            else texts.add(text);
        });

        List<String> allTexts = new ArrayList<>(labelled.size() + texts.size());
        List<String> allPairs = new ArrayList<>(labelled.size() + texts.size());
        for (Example e : labelled) {
            allTexts.add(e.text());
            allPairs.add(e.pair());
        }
        allTexts.addAll(texts);
        for (int i = 0; i < texts.size(); i++) allPairs.add(null);
        Summary summary = new Summary(teachers.size(), labelled.size(), read, texts.size(), dropped[0], dropped[1], dropped[2]);
        // Said before the labelling, which is long and shows no bar under --no-progress until a teacher is done.
        if (progress != null) progress.println("distilling: " + summary);
        float[][] mean = meanProbabilities(teachers, shares, allTexts, allPairs, progress, bar);

        List<Example> examples = new ArrayList<>(allTexts.size());
        for (int i = 0; i < labelled.size(); i++) {
            Example e = labelled.get(i);
            float[] target = mean[i];
            for (int c = 0; c < target.length; c++) target[c] = (1 - goldWeight) * target[c] + (c == e.label() ? goldWeight : 0);
            examples.add(Example.distilled(e.text(), e.pair(), e.label(), target));
        }
        for (int i = labelled.size(); i < allTexts.size(); i++)
            examples.add(Example.distilled(allTexts.get(i), null, CpuMath.argmax(mean[i]), mean[i]));
        return new Data(examples, summary);
    }

    private static double[] shares(int teachers, double[] weights) {
        if (weights == null) {
            double[] equal = new double[teachers];
            Arrays.fill(equal, 1.0 / teachers);
            return equal;
        }
        if (weights.length != teachers)
            throw new IllegalArgumentException(weights.length + " teacher weights for " + teachers + " teachers");
        double sum = 0;
        for (double w : weights) {
            if (!(w > 0 && Double.isFinite(w))) throw new IllegalArgumentException("teacher weights must be positive, got " + w);
            sum += w;
        }
        double[] shares = new double[teachers];
        for (int t = 0; t < teachers; t++) shares[t] = weights[t] / sum;
        return shares;
    }

    /** The teachers' probabilities averaged with their shares, row by row, reporting progress as {@link #prepare} says. */
    static float[][] meanProbabilities(List<Teacher> teachers, double[] shares, List<String> texts, List<String> pairs,
                                       PrintStream progress, boolean bar) {
        int n = texts.size(), classes = teachers.getFirst().labels().size();
        float[][] mean = new float[n][classes];
        Progress.Pace pace = new Progress.Pace();
        try (ProgressBar labelling = progress == null || !bar ? null
                : Progress.bar("teachers", Math.toIntExact((long) n * teachers.size()), 0, progress)) {
            for (int t = 0; t < teachers.size(); t++) {
                for (int start = 0; start < n; start += CHUNK) {
                    int end = Math.min(n, start + CHUNK);
                    float[][] p = teachers.get(t).probabilities(texts.subList(start, end), pairs.subList(start, end));
                    for (int i = start; i < end; i++)
                        for (int c = 0; c < classes; c++) mean[i][c] += (float) (shares[t] * p[i - start][c]);
                    if (labelling != null) labelling.stepBy(end - start);
                }
                pace.step();
                if (progress != null && !bar)
                    progress.println(Progress.line("teachers", t + 1, teachers.size(), pace, teachers.get(t).name() + " labelled " + n + " texts"));
            }
        }
        return mean;
    }
}
