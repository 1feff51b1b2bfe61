package dev.raccoon.train.ngram;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import de.bwaldvogel.liblinear.Feature;
import de.bwaldvogel.liblinear.FeatureNode;
import de.bwaldvogel.liblinear.Linear;
import de.bwaldvogel.liblinear.Model;
import de.bwaldvogel.liblinear.Parameter;
import de.bwaldvogel.liblinear.Problem;
import de.bwaldvogel.liblinear.SolverType;
import dev.raccoon.text.ModelFiles;
import dev.raccoon.train.run.AtomicDirectory;
import dev.raccoon.train.Distillation;
import dev.raccoon.train.data.Example;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The classic strong baseline for Korean review sentiment, and a teacher whose errors differ from a small
 * transformer's: logistic regression (liblinear, L2-regularised, one-vs-rest beyond two classes) over
 * {@link CharNgrams} TF-IDF features. With {@link Options#naiveBayes()} each feature is first scaled by its naive
 * Bayes log-count ratio, as in Wang and Manning's NBSVM ("Baselines and Bigrams", 2012), which weighs n-grams by how
 * one-sided their classes are before the regression sees them; beyond two classes that is one ratio and one
 * regression per class against the rest. Saved as a directory of {@value #CONFIG}, {@value #NGRAMS}, liblinear's
 * own model files ({@value #WEIGHTS}, or one a class) and, with naive Bayes scaling, {@value #RATIOS}.
 */
public final class NgramClassifier implements Distillation.Teacher {
    public static final String CONFIG = "ngram_config.json";
    static final String NGRAMS = "ngrams.tsv";
    static final String WEIGHTS = "liblinear.model";
    static final String RATIOS = "nb_ratios.tsv";
    private static final Set<String> FILES = Set.of(CONFIG, NGRAMS, WEIGHTS, RATIOS);

    /** Whether a saved model has a file of this name: a directory holding anything else is not replaced. */
    public static boolean isModelFile(String name) {
        return FILES.contains(name);
    }
    private static final String MODEL_TYPE = "raccoon-char-ngram-logistic-regression";
    /** Its own type, so a Raccoon that knows no ratios refuses the model rather than read it without them. */
    private static final String MODEL_TYPE_NAIVE_BAYES = "raccoon-char-ngram-naive-bayes-logistic-regression";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param c   liblinear's C: the weight of the data's log-loss against ½‖w‖²
     * @param eps liblinear's stopping tolerance
     */
    public record Options(int minN, int maxN, int minDf, double c, double eps, boolean naiveBayes) {
        public Options {
            if (!(c > 0) || !(eps > 0)) throw new IllegalArgumentException("C and eps must be positive, got " + c + " and " + eps);
        }

        /** Character 1–4-grams seen in two texts or more, C = 10: the best of C ∈ {1, 4, 10} on NSMC dev. */
        public static Options defaults() { return new Options(1, 4, 2, 10, 0.01, false); }
    }

    private final Path directory;
    private final List<String> labels;
    private final CharNgrams features;
    /**
     * One model over all classes, or with naive Bayes scaling beyond two classes one a class (that class against the
     * rest, its positive label 1).
     */
    private final Model[] models;
    /** Per model, each feature's naive Bayes log-count ratio; null without naive Bayes scaling. */
    private final float[][] ratios;

    private NgramClassifier(Path directory, List<String> labels, CharNgrams features, Model[] models, float[][] ratios) {
        this.directory = directory;
        this.labels = List.copyOf(labels);
        this.features = features;
        this.models = models;
        this.ratios = ratios;
    }

    /** Trains on classification rows (single texts) whose labels index {@code labels}. */
    public static NgramClassifier train(List<Example> rows, List<String> labels, Options options, PrintStream log) {
        if (labels.size() < 2) throw new IllegalArgumentException("a classifier needs at least two labels, got " + labels);
        List<String> texts = new ArrayList<>(rows.size());
        double[] y = new double[rows.size()];
        boolean[] present = new boolean[labels.size()];
        for (int i = 0; i < rows.size(); i++) {
            Example e = rows.get(i);
            if (e.isRegression() || e.label() >= labels.size())
                throw new IllegalArgumentException("the n-gram model needs one of " + labels.size() + " labels per row: " + e.text());
            if (e.pair() != null) throw new IllegalArgumentException("the n-gram model classifies single texts, not pairs: " + e.text());
            texts.add(e.text());
            y[i] = e.label();
            present[e.label()] = true;
        }
        for (int c = 0; c < present.length; c++)
            if (!present[c]) throw new IllegalArgumentException("no training row has the label '" + labels.get(c) + "'");
        long start = System.nanoTime();
        CharNgrams features = CharNgrams.fit(texts, options.minN(), options.maxN(), options.minDf());
        if (features.size() == 0)
            throw new IllegalArgumentException("no character " + options.minN() + "–" + options.maxN() + "-gram is in "
                    + options.minDf() + " or more of the " + texts.size() + " training texts; lower --min-df");
        log.printf("%d character %d–%d-grams in %d or more of %d texts (%.1f s)%n", features.size(), options.minN(),
                options.maxN(), options.minDf(), texts.size(), (System.nanoTime() - start) / 1e9);
        CharNgrams.Vector[] vectors = vectors(features, texts);
        Linear.disableDebugOutput();
        Model[] models;
        float[][] ratios = null;
        if (!options.naiveBayes()) {
            models = new Model[] {train(features, vectors, y, null, options)};
        } else {
            int count = regressions(true, labels.size());
            models = new Model[count];
            ratios = new float[count][];
            for (int k = 0; k < count; k++) {
                int positive = count == 1 ? 1 : k; // two classes: class 1 against class 0; more: each against the rest
                double[] yk = new double[y.length];
                for (int i = 0; i < y.length; i++) yk[i] = y[i] == positive ? 1 : 0;
                ratios[k] = logCountRatios(features.size(), vectors, yk);
                models[k] = train(features, vectors, yk, ratios[k], options);
            }
        }
        log.printf("logistic regression%s, C = %s, trained (%.1f s in all)%n", options.naiveBayes() ? " on naive Bayes-scaled features" : "",
                options.c(), (System.nanoTime() - start) / 1e9);
        return new NgramClassifier(null, labels, features, models, ratios);
    }

    /**
     * One regression over all classes, except with naive Bayes scaling beyond two classes: each class's own ratios
     * need a regression of their own.
     */
    private static int regressions(boolean naiveBayes, int classes) {
        return naiveBayes && classes > 2 ? classes : 1;
    }

    private static Model train(CharNgrams features, CharNgrams.Vector[] vectors, double[] y, float[] ratios, Options options) {
        Problem problem = new Problem();
        problem.l = vectors.length;
        problem.n = features.size() + 1;
        problem.bias = 1;
        problem.y = y;
        problem.x = liblinearRows(features, vectors, ratios);
        return Linear.train(problem, new Parameter(SolverType.L2R_LR, options.c(), options.eps()));
    }

    /**
     * {@code ln((p / |p|₁) / (q / |q|₁))} per feature, where p counts the positive rows ({@code y = 1}) holding it and
     * q the others, each plus one so that no ratio is infinite.
     */
    static float[] logCountRatios(int size, CharNgrams.Vector[] vectors, double[] y) {
        double[] p = new double[size], q = new double[size];
        Arrays.fill(p, 1);
        Arrays.fill(q, 1);
        for (int i = 0; i < vectors.length; i++)
            for (int j : vectors[i].indices()) (y[i] == 1 ? p : q)[j]++;
        double pSum = Arrays.stream(p).sum(), qSum = Arrays.stream(q).sum();
        float[] r = new float[size];
        for (int j = 0; j < size; j++) r[j] = (float) Math.log((p[j] / pSum) / (q[j] / qSum));
        return r;
    }

    private static CharNgrams.Vector[] vectors(CharNgrams features, List<String> texts) {
        CharNgrams.Vector[] v = new CharNgrams.Vector[texts.size()];
        IntStream.range(0, v.length).parallel().forEach(i -> v[i] = features.transform(texts.get(i)));
        return v;
    }

    private static Feature[][] liblinearRows(CharNgrams features, CharNgrams.Vector[] vectors, float[] ratios) {
        Feature[][] x = new Feature[vectors.length][];
        IntStream.range(0, vectors.length).parallel().forEach(i -> x[i] = liblinearRow(features, vectors[i], ratios));
        return x;
    }

    private static Feature[] liblinearRow(CharNgrams features, CharNgrams.Vector v, float[] ratios) {
        Feature[] row = new Feature[v.indices().length + 1];
        for (int j = 0; j < v.indices().length; j++) {
            int feature = v.indices()[j];
            row[j] = new FeatureNode(feature + 1, ratios == null ? v.values()[j] : v.values()[j] * ratios[feature]);
        }
        row[row.length - 1] = new FeatureNode(features.size() + 1, 1);
        return row;
    }

    @Override
    public String name() { return directory == null ? "character n-gram model" : directory.toString(); }

    @Override
    public List<String> labels() { return labels; }

    public int features() { return features.size(); }

    @Override
    public float[][] probabilities(List<String> texts, List<String> pairs) {
        for (String pair : pairs)
            if (pair != null) throw new IllegalArgumentException("the n-gram model " + name() + " classifies single texts, not pairs");
        CharNgrams.Vector[] vectors = vectors(features, texts);
        float[][] p = new float[texts.size()][];
        IntStream.range(0, vectors.length).parallel().forEach(i -> p[i] = probabilities(vectors[i]));
        return p;
    }

    private float[] probabilities(CharNgrams.Vector v) {
        float[] p = new float[labels.size()];
        if (models.length == 1) {
            Model model = models[0];
            double[] columns = new double[model.getNrClass()];
            Linear.predictProbability(model, liblinearRow(features, v, ratios == null ? null : ratios[0]), columns);
            for (int k = 0; k < columns.length; k++) p[model.getLabels()[k]] = (float) columns[k];
            return p;
        }
        // One-vs-rest: each class's probability against the rest, normalised over the classes, as liblinear does.
        double[] s = new double[models.length];
        double sum = 0;
        for (int k = 0; k < models.length; k++) {
            double[] columns = new double[2];
            Linear.predictProbability(models[k], liblinearRow(features, v, ratios[k]), columns);
            s[k] = columns[models[k].getLabels()[0] == 1 ? 0 : 1];
            sum += s[k];
        }
        for (int k = 0; k < models.length; k++) p[k] = (float) (s[k] / sum);
        return p;
    }

    public void save(Path dir) throws IOException {
        AtomicDirectory.replace(dir, CONFIG, NgramClassifier::isModelFile, tmp -> {
            ObjectNode config = JSON.createObjectNode();
            config.put("model_type", ratios == null ? MODEL_TYPE : MODEL_TYPE_NAIVE_BAYES);
            config.putPOJO("labels", labels);
            config.put("min_n", features.minN());
            config.put("max_n", features.maxN());
            config.put("features", features.size());
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve(CONFIG).toFile(), config);
            features.write(tmp.resolve(NGRAMS));
            for (int k = 0; k < models.length; k++) models[k].save(tmp.resolve(weightsFile(k, models.length)));
            if (ratios != null) writeRatios(tmp.resolve(RATIOS));
        });
    }

    static String weightsFile(int model, int models) {
        return models == 1 ? WEIGHTS : "liblinear-" + model + ".model";
    }

    /** One line a feature, in feature order: its ratio for each model, tab-separated. */
    private void writeRatios(Path file) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int j = 0; j < features.size(); j++) {
                for (int k = 0; k < ratios.length; k++) {
                    if (k > 0) w.write('\t');
                    w.write(Float.toString(ratios[k][j]));
                }
                w.write('\n');
            }
        }
    }

    private static float[][] readRatios(Path file, int models, int size) throws IOException {
        float[][] r = new float[models][size];
        int line = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String text; (text = in.readLine()) != null; line++) {
                String[] fields = text.split("\t", -1);
                if (line >= size || fields.length != models)
                    throw new IOException(file + " line " + (line + 1) + ": expected " + size + " lines of " + models + " ratios, got '" + text + "'");
                for (int k = 0; k < models; k++) {
                    try {
                        r[k][line] = Float.parseFloat(fields[k]);
                    } catch (NumberFormatException e) {
                        r[k][line] = Float.NaN;
                    }
                    if (!Float.isFinite(r[k][line]))
                        throw new IOException(file + " line " + (line + 1) + ": not a finite number: '" + fields[k] + "'");
                }
            }
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": missing (" + CONFIG + " says the model scales its features by naive Bayes ratios)");
        }
        if (line != size) throw new IOException(file + ": " + line + " lines, but the model has " + size + " features");
        return r;
    }

    public static boolean isModel(Path dir) { return Files.isRegularFile(dir.resolve(CONFIG)); }

    public static NgramClassifier load(Path dir) throws IOException {
        Path configFile = dir.resolve(CONFIG);
        if (!ModelFiles.exists(dir)) throw new NoSuchFileException(dir.toString(), null, "no such model directory");
        if (!Files.isRegularFile(configFile))
            throw new IOException(dir + " is not a character n-gram model: it has no " + CONFIG + " ('raccoon ngram' writes one)");
        JsonNode config;
        try {
            config = JSON.readTree(configFile.toFile());
        } catch (IOException e) {
            throw new IOException(configFile + ": not readable as JSON: " + e.getMessage(), e);
        }
        String type = config == null ? "" : config.path("model_type").asText();
        if (!type.equals(MODEL_TYPE) && !type.equals(MODEL_TYPE_NAIVE_BAYES))
            throw new IOException(configFile + ": model_type must be " + MODEL_TYPE + " or " + MODEL_TYPE_NAIVE_BAYES);
        List<String> labels = new ArrayList<>();
        config.path("labels").forEach(l -> labels.add(l.asText()));
        int minN = config.path("min_n").asInt(0), maxN = config.path("max_n").asInt(0);
        if (labels.size() < 2 || minN < 1 || maxN < minN)
            throw new IOException(configFile + ": needs labels (two or more), min_n ≥ 1 and max_n ≥ min_n");
        CharNgrams features = CharNgrams.read(dir.resolve(NGRAMS), minN, maxN);
        if (config.path("features").asInt(-1) != features.size())
            throw new IOException(configFile + ": " + config.path("features") + " features, but " + dir.resolve(NGRAMS)
                    + " lists " + features.size());
        boolean naiveBayes = type.equals(MODEL_TYPE_NAIVE_BAYES);
        // Predicting without the ratios a model was trained with would give wrong answers without a word.
        if (!naiveBayes && Files.exists(dir.resolve(RATIOS)))
            throw new IOException(configFile + ": model_type " + MODEL_TYPE + ", but " + dir.resolve(RATIOS)
                    + " is there: a model trained with naive Bayes ratios has the model_type " + MODEL_TYPE_NAIVE_BAYES);
        int count = regressions(naiveBayes, labels.size());
        Model[] models = new Model[count];
        for (int k = 0; k < count; k++) models[k] = loadWeights(dir.resolve(weightsFile(k, count)), configFile, features, count == 1 ? labels.size() : 2);
        float[][] ratios = naiveBayes ? readRatios(dir.resolve(RATIOS), count, features.size()) : null;
        return new NgramClassifier(dir, labels, features, models, ratios);
    }

    private static Model loadWeights(Path weights, Path configFile, CharNgrams features, int classes) throws IOException {
        if (!Files.isRegularFile(weights))
            throw new IOException(weights + ": missing (" + configFile.getFileName() + " calls for " + classes + " classes"
                    + (weights.getFileName().toString().equals(WEIGHTS) ? "" : ", one model a class") + ")");
        Model model;
        try {
            model = Model.load(weights);
        } catch (IOException | RuntimeException e) {
            throw new IOException(weights + ": not a liblinear model: " + e.getMessage(), e);
        }
        if (model.getNrFeature() != features.size() || model.getBias() != 1 || !model.isProbabilityModel())
            throw new IOException(weights + ": a logistic regression over " + (features.size() + 1)
                    + " features (n-grams and bias) expected, got " + (model.getNrFeature() + 1) + " with solver "
                    + model.getSolverType() + " and bias " + model.getBias());
        if (model.getNrClass() != classes)
            throw new IOException(weights + ": " + model.getNrClass() + " classes, but " + configFile + " calls for " + classes);
        for (int c : model.getLabels())
            if (c < 0 || c >= classes) throw new IOException(weights + ": class " + c + " is not one of the " + classes + " labels");
        return model;
    }
}
