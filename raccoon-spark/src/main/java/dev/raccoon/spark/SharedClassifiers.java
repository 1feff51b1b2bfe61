package dev.raccoon.spark;

import dev.raccoon.api.Classifier;
import org.apache.spark.SparkFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One loaded {@link Classifier} per JVM and settings. Spark runs many tasks per executor JVM, one after another and
 * side by side; loading the model per task (or per row, for a UDF) would read the weights again each time, while a
 * loaded Classifier is read-only and serves any number of threads. The models live as long as the executor.
 */
final class SharedClassifiers {
    private static final ConcurrentHashMap<ScoringSettings, Classifier> LOADED = new ConcurrentHashMap<>();

    private SharedClassifiers() {}

    /** The classifier for {@code settings}, loading it on first use; concurrent first users wait for one load. */
    static Classifier get(ScoringSettings settings) {
        return LOADED.computeIfAbsent(settings, s -> {
            Path dir = resolve(s.modelDir());
            Classifier classifier;
            try {
                classifier = Classifier.load(dir, s.options());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load the model in " + dir, e);
            }
            try {
                classifier.requireLabels();
            } catch (IllegalStateException e) {
                classifier.close();
                throw e;
            }
            return classifier;
        });
    }

    /**
     * The path as given when it holds a model here (a shared filesystem; on a cluster's executors also a name from
     * {@code --archives model.zip#model}, unpacked into their working directory); otherwise the same name under
     * SparkFiles' root when a model is there, where {@code --files} and {@code --archives} land in local mode (the
     * working directory that {@code --files ... --model .} names is always a directory, but holds no model). Failing
     * both, the path as given, which the loader's error then names.
     */
    static Path resolve(String modelDir) {
        Path given = Path.of(modelDir);
        if (given.isAbsolute() || holdsModel(given)) return given;
        Path shipped = Path.of(SparkFiles.getRootDirectory()).resolve(modelDir);
        return holdsModel(shipped) ? shipped : given;
    }

    private static boolean holdsModel(Path dir) {
        return Files.isRegularFile(dir.resolve("config.json"));
    }
}
