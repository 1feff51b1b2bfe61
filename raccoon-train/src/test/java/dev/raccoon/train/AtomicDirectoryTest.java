package dev.raccoon.train;

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
}
