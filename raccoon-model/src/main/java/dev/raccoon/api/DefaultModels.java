package dev.raccoon.api;

import dev.raccoon.model.ModelDirectory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The models shipped in the repository's models/ folder, one per task. They are not inside any jar: an application
 * that depends on Raccoon's artifacts points at a checkout's (or a copy's) models folder with the system property
 * {@code raccoon.models} or the environment variable {@code RACCOON_MODELS}; where one of those is set, it is the only
 * place looked in. Otherwise the {@code models} folder of {@code raccoon.home} (set by the ./raccoon launcher), then
 * ./models.
 */
public final class DefaultModels {
    /** A task with a shipped model, by its command-line name. */
    public enum Task {
        BINARY("binary", "nsmc-binary", 2),
        THREE_CLASS("3class", "reviews3-3class", 3);

        public final String cliName;
        public final String directory;
        /** How many labels a model of the task has. */
        public final int labels;

        Task(String cliName, String directory, int labels) {
            this.cliName = cliName;
            this.directory = directory;
            this.labels = labels;
        }

        public static Task named(String name) {
            Objects.requireNonNull(name, "task name (binary or 3class)");
            for (Task t : values()) if (t.cliName.equals(name.toLowerCase(Locale.ROOT))) return t;
            throw new IllegalArgumentException("unknown task '" + name + "' (binary or 3class)");
        }
    }

    private DefaultModels() {}

    /** The shipped model directory of a task, or an IOException saying where it was looked for. */
    public static Path locate(Task task) throws IOException {
        return locate(task, System.getProperty("raccoon.models"), System.getenv("RACCOON_MODELS"), System.getProperty("raccoon.home"));
    }

    static Path locate(Task task, String modelsProperty, String modelsEnv, String home) throws IOException {
        // an empty setting (RACCOON_MODELS= in a shell) is no setting, not the current directory
        if (modelsProperty != null && modelsProperty.isBlank()) modelsProperty = null;
        if (modelsEnv != null && modelsEnv.isBlank()) modelsEnv = null;
        String explicit = modelsProperty != null ? modelsProperty : modelsEnv;
        String setting = modelsProperty != null ? "the system property raccoon.models" : "RACCOON_MODELS";
        List<Path> roots = new ArrayList<>();
        if (explicit != null) roots.add(Path.of(explicit));
        else {
            if (home != null) roots.add(Path.of(home, "models"));
            roots.add(Path.of("models"));
        }
        List<Path> tried = new ArrayList<>();
        for (Path root : roots) {
            Path dir = root.resolve(task.directory).toAbsolutePath().normalize();
            if (Files.isRegularFile(dir.resolve(ModelDirectory.CONFIG_FILE))) return dir;
            tried.add(dir);
        }
        throw new IOException("no default model for task " + task.cliName + ": no " + task.directory + " with a "
                + ModelDirectory.CONFIG_FILE + " in " + tried + (explicit != null ? " (from " + setting + ")" : "")
                + "; give a model directory (--model DIR, or Classifier.load in Java), or set raccoon.models or "
                + "RACCOON_MODELS to the folder that holds " + task.directory);
    }
}
