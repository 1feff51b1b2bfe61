package dev.raccoon.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The models shipped in the repository's models/ folder, one per task. They are found under, in order: the
 * system property {@code raccoon.models}, the environment variable {@code RACCOON_MODELS}, the {@code models}
 * folder of {@code raccoon.home} (set by the ./raccoon launcher), and ./models.
 */
public final class DefaultModels {
    /** A task with a shipped model, by its command-line name. */
    public enum Task {
        BINARY("binary", "nsmc-binary"),
        THREE_CLASS("3class", "reviews3-3class");

        public final String cliName;
        public final String directory;

        Task(String cliName, String directory) {
            this.cliName = cliName;
            this.directory = directory;
        }

        public static Task named(String name) {
            for (Task t : values()) if (t.cliName.equals(name.toLowerCase(Locale.ROOT))) return t;
            throw new IllegalArgumentException("unknown task '" + name + "' (binary or 3class)");
        }
    }

    private DefaultModels() {}

    /** The shipped model directory of a task, or an IOException saying where it was looked for. */
    public static Path locate(Task task) throws IOException {
        List<Path> tried = new ArrayList<>();
        for (Path root : roots()) {
            Path dir = root.resolve(task.directory);
            if (Files.isRegularFile(dir.resolve("config.json"))) return dir;
            tried.add(dir);
        }
        throw new IOException("no default model for task " + task.cliName + " (looked in " + tried
                + "); pass --model DIR or set RACCOON_MODELS to the folder holding " + task.directory);
    }

    private static List<Path> roots() {
        List<Path> roots = new ArrayList<>();
        String property = System.getProperty("raccoon.models");
        if (property != null) roots.add(Path.of(property));
        String env = System.getenv("RACCOON_MODELS");
        if (env != null) roots.add(Path.of(env));
        String home = System.getProperty("raccoon.home");
        if (home != null) roots.add(Path.of(home, "models"));
        roots.add(Path.of("models"));
        return roots;
    }
}
