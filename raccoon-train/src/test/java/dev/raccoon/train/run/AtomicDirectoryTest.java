package dev.raccoon.train.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

class AtomicDirectoryTest {
    /** A model or report is read by others (a web server, a colleague) as any directory made under the umask is. */
    @Test
    void theDirectoryGetsTheUmasksPermissionsNotOwnerOnly(@TempDir Path tmp) throws IOException {
        assumeThat(tmp.getFileSystem().supportedFileAttributeViews()).contains("posix");
        Path target = tmp.resolve("model");
        AtomicDirectory.replace(target, "marker", dir -> Files.writeString(dir.resolve("marker"), "x"));
        Set<PosixFilePermission> usual = Files.getPosixFilePermissions(Files.createDirectory(tmp.resolve("plain")));
        assertThat(Files.getPosixFilePermissions(target)).isEqualTo(usual);
        assertThat(target.resolve("marker")).hasContent("x");
        try (var entries = Files.list(tmp)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("model", "plain");
        }
    }

    /** A run killed while writing its first checkpoint leaves that checkpoint's temporary directory: a new run may start. */
    @Test
    void aFreshRunPassesOverTheTemporaryDirectoriesOfAKilledOne(@TempDir Path tmp) throws IOException {
        Path out = Files.createDirectory(tmp.resolve("run"));
        Files.writeString(out.resolve("train_log.jsonl"), "{}\n");
        Path half = Files.createDirectories(out.resolve("checkpoint-2.tmp-e09db565f0a5059").resolve("discriminator"));
        Files.writeString(half.resolve("model.safetensors"), "half");
        AtomicDirectory.requireEmpty(out, Set.of("train_log.jsonl"));
        assertThat(out.resolve("checkpoint-2.tmp-e09db565f0a5059")).doesNotExist();
        // a user's directory of that look is a file, or beside other files, and stays
        Files.writeString(out.resolve("notes.tmp-1"), "mine");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AtomicDirectory.requireEmpty(out, Set.of("train_log.jsonl")))
                .hasMessageContaining("is not empty (it holds notes.tmp-1, train_log.jsonl)");
        assertThat(out.resolve("notes.tmp-1")).exists();
    }

    /** Only the temporary directories of this very output are a killed run's: a user's file or folder of a like name stays. */
    @Test
    void replacingDeletesItsOwnLeftoversAndNothingNamedLikeThem(@TempDir Path tmp) throws IOException {
        Path target = tmp.resolve("ng");
        Path leftover = Files.createDirectory(tmp.resolve("ng.tmp-33ffab2fd5593346"));
        Files.writeString(leftover.resolve("config.json"), "half");
        Path notes = Files.writeString(tmp.resolve("ng.tmp-notes.txt"), "my notes");
        Path backup = Files.createDirectory(tmp.resolve("ng.tmp-mybackup"));
        Files.writeString(backup.resolve("file"), "important");
        Path hexFile = Files.writeString(tmp.resolve("ng.tmp-abc"), "a file, not a directory");
        Path otherOutput = Files.createDirectory(tmp.resolve("ng2.tmp-abc"));
        AtomicDirectory.replace(target, "marker", dir -> Files.writeString(dir.resolve("marker"), "x"));
        assertThat(leftover).doesNotExist();
        assertThat(notes).hasContent("my notes");
        assertThat(backup.resolve("file")).hasContent("important");
        assertThat(hexFile).exists();
        assertThat(otherOutput).isDirectory();
    }
}
