package dev.raccoon.api;

import dev.raccoon.api.DefaultModels.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DefaultModelsTest {
    private static Path modelsFolder(Path root) throws IOException {
        Path dir = Files.createDirectories(root.resolve("nsmc-binary"));
        Files.writeString(dir.resolve("config.json"), "{}");
        return root;
    }

    @Test
    void anExplicitSettingIsTheOnlyPlaceLookedIn(@TempDir Path tmp) throws IOException {
        Path shipped = modelsFolder(tmp.resolve("home/models"));
        Path other = modelsFolder(tmp.resolve("other"));
        String home = tmp.resolve("home").toString();
        assertThat(DefaultModels.locate(Task.BINARY, null, null, home)).isEqualTo(shipped.resolve("nsmc-binary"));
        assertThat(DefaultModels.locate(Task.BINARY, other.toString(), null, home)).isEqualTo(other.resolve("nsmc-binary"));
        assertThat(DefaultModels.locate(Task.BINARY, null, other.toString(), home)).isEqualTo(other.resolve("nsmc-binary"));
        // A wrong setting is an error that names it, not a silent fall back to the launcher's models.
        assertThatThrownBy(() -> DefaultModels.locate(Task.BINARY, tmp.resolve("typo").toString(), null, home))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no nsmc-binary with a config.json in [" + tmp.resolve("typo/nsmc-binary") + "]")
                .hasMessageContaining("(from the system property raccoon.models)")
                .hasMessageContaining("Classifier.load in Java");
        assertThatThrownBy(() -> DefaultModels.locate(Task.THREE_CLASS, null, other.toString(), home))
                .hasMessageContaining("(from RACCOON_MODELS)").hasMessageContaining("no reviews3-3class");
    }

    /** RACCOON_MODELS= in a shell sets it to the empty string: that is no setting, not the current directory. */
    @Test
    void anEmptySettingIsNoSetting(@TempDir Path tmp) throws IOException {
        Path shipped = modelsFolder(tmp.resolve("home/models"));
        String home = tmp.resolve("home").toString();
        assertThat(DefaultModels.locate(Task.BINARY, "", " ", home)).isEqualTo(shipped.resolve("nsmc-binary"));
        assertThatThrownBy(() -> Task.named(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("task name");
    }

    @Test
    void pathsAreAbsoluteSoTheMessageSaysWhere() {
        assertThatThrownBy(() -> DefaultModels.locate(Task.THREE_CLASS, null, null, null))
                .hasMessageContaining("[" + Path.of("models/reviews3-3class").toAbsolutePath() + "]");
    }
}
