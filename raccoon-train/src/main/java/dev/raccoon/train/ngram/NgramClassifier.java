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
import dev.raccoon.train.AtomicDirectory;
import dev.raccoon.train.Distillation;
import dev.raccoon.train.data.Example;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The classic strong baseline for Korean review sentiment, and a teacher whose errors differ from a small
 * transformer's: logistic regression (liblinear, L2-regularised, one-vs-rest beyond two classes) over
 * {@link CharNgrams} TF-IDF features. Saved as a directory of {@value #CONFIG}, {@value #NGRAMS} and liblinear's own
 * model file {@value #WEIGHTS}.
 */
public final class NgramClassifier implements Distillation.Teacher {
    public static final String CONFIG = "ngram_config.json";
    static final String NGRAMS = "ngrams.tsv";
    static final String WEIGHTS = "liblinear.model";
    private static final String MODEL_TYPE = "raccoon-char-ngram-logistic-regression";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param c   liblinear's C: the weight of the data's log-loss against ½‖w‖²
     * @param eps liblinear's stopping tolerance
     */
    public record Options(int minN, int maxN, int minDf, double c, double eps) {
        public Options {
            if (!(c > 0) || !(eps > 0)) throw new IllegalArgumentException("C and eps must be positive, got " + c + " and " + eps);
        }

        /** Character 1–4-grams seen in two texts or more, C = 10: the best of C ∈ {1, 4, 10} on NSMC dev. */
        public static Options defaults() { return new Options(1, 4, 2, 10, 0.01); }
    }

    private final Path directory;
    private final List<String> labels;
    private final CharNgrams features;
    private final Model model;
    /** The class id of each of liblinear's probability columns. */
    private final int[] classOfColumn;

    private NgramClassifier(Path directory, List<String> labels, CharNgrams features, Model model) {
        this.directory = directory;
        this.labels = List.copyOf(labels);
        this.features = features;
        this.model = model;
        this.classOfColumn = model.getLabels().clone();
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
        log.printf("%d character %d–%d-grams in %d or more of %d texts (%.1f s)%n", features.size(), options.minN(),
                options.maxN(), options.minDf(), texts.size(), (System.nanoTime() - start) / 1e9);
        Problem problem = new Problem();
        problem.l = texts.size();
        problem.n = features.size() + 1;
        problem.bias = 1;
        problem.y = y;
        problem.x = liblinearRows(features, texts);
        Linear.disableDebugOutput();
        Model model = Linear.train(problem, new Parameter(SolverType.L2R_LR, options.c(), options.eps()));
        log.printf("logistic regression, C = %s, trained (%.1f s in all)%n", options.c(), (System.nanoTime() - start) / 1e9);
        return new NgramClassifier(null, labels, features, model);
    }

    private static Feature[][] liblinearRows(CharNgrams features, List<String> texts) {
        Feature[][] x = new Feature[texts.size()][];
        int biasIndex = features.size() + 1;
        IntStream.range(0, texts.size()).parallel().forEach(i -> {
            CharNgrams.Vector v = features.transform(texts.get(i));
            Feature[] row = new Feature[v.indices().length + 1];
            for (int j = 0; j < v.indices().length; j++) row[j] = new FeatureNode(v.indices()[j] + 1, v.values()[j]);
            row[row.length - 1] = new FeatureNode(biasIndex, 1);
            x[i] = row;
        });
        return x;
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
        Feature[][] x = liblinearRows(features, texts);
        float[][] p = new float[texts.size()][labels.size()];
        IntStream.range(0, x.length).parallel().forEach(i -> {
            double[] columns = new double[classOfColumn.length];
            Linear.predictProbability(model, x[i], columns);
            for (int k = 0; k < columns.length; k++) p[i][classOfColumn[k]] = (float) columns[k];
        });
        return p;
    }

    public void save(Path dir) throws IOException {
        AtomicDirectory.replace(dir, CONFIG, tmp -> {
            ObjectNode config = JSON.createObjectNode();
            config.put("model_type", MODEL_TYPE);
            config.putPOJO("labels", labels);
            config.put("min_n", features.minN());
            config.put("max_n", features.maxN());
            config.put("features", features.size());
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve(CONFIG).toFile(), config);
            features.write(tmp.resolve(NGRAMS));
            model.save(tmp.resolve(WEIGHTS));
        });
    }

    public static boolean isModel(Path dir) { return Files.isRegularFile(dir.resolve(CONFIG)); }

    public static NgramClassifier load(Path dir) throws IOException {
        Path configFile = dir.resolve(CONFIG);
        if (!Files.isRegularFile(configFile))
            throw new IOException(dir + " is not a character n-gram model: it has no " + CONFIG + " ('raccoon ngram' writes one)");
        JsonNode config;
        try {
            config = JSON.readTree(configFile.toFile());
        } catch (IOException e) {
            throw new IOException(configFile + ": not readable as JSON: " + e.getMessage(), e);
        }
        if (config == null || !MODEL_TYPE.equals(config.path("model_type").asText()))
            throw new IOException(configFile + ": model_type must be " + MODEL_TYPE);
        List<String> labels = new ArrayList<>();
        config.path("labels").forEach(l -> labels.add(l.asText()));
        int minN = config.path("min_n").asInt(0), maxN = config.path("max_n").asInt(0);
        if (labels.size() < 2 || minN < 1 || maxN < minN)
            throw new IOException(configFile + ": needs labels (two or more), min_n ≥ 1 and max_n ≥ min_n");
        CharNgrams features = CharNgrams.read(dir.resolve(NGRAMS), minN, maxN);
        if (config.path("features").asInt(-1) != features.size())
            throw new IOException(configFile + ": " + config.path("features") + " features, but " + dir.resolve(NGRAMS)
                    + " lists " + features.size());
        Path weights = dir.resolve(WEIGHTS);
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
        if (model.getNrClass() != labels.size())
            throw new IOException(weights + ": " + model.getNrClass() + " classes, but " + configFile + " names " + labels.size());
        for (int c : model.getLabels())
            if (c < 0 || c >= labels.size()) throw new IOException(weights + ": class " + c + " is not one of the " + labels.size() + " labels");
        return new NgramClassifier(dir, labels, features, model);
    }
}
