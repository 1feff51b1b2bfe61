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
     * A path as given when it is a directory here (a shared filesystem; on a cluster's executors also a name from
     * {@code --archives model.zip#model}, unpacked into their working directory); otherwise the same name under
     * SparkFiles' root, where {@code --files} and {@code --archives} land in local mode.
     */
    static Path resolve(String modelDir) {
        Path given = Path.of(modelDir);
        if (Files.isDirectory(given) || given.isAbsolute()) return given;
        return Path.of(SparkFiles.getRootDirectory()).resolve(modelDir);
    }
}
