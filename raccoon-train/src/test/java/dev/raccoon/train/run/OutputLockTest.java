package dev.raccoon.train.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OutputLockTest {
    @Test
    void aSecondLockOnAnOutputIsRefusedUntilTheFirstIsReleased(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("run");
        try (var _ = OutputLock.acquire(out)) {
            assertThatThrownBy(() -> OutputLock.acquire(out)).hasMessage("another raccoon run is writing " + out);
            assertThat(OutputLock.acquire(tmp.resolve("other"))).as("another output is free").isNotNull().satisfies(OutputLock::close);
        }
        try (OutputLock again = OutputLock.acquire(out)) {
            assertThat(out).as("the output itself is left to the run").doesNotExist();
        }
        try (var files = Files.list(tmp)) {
            assertThat(files).as("no lock file stays behind").isEmpty();
        }
    }

    /** The lock is the operating system's: another process meets it, and a process killed with -9 leaves none. */
    @Test
    void aLiveProcessHoldsItAndAKilledOneLeavesNothingThatBlocks(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        Path holder = Files.writeString(tmp.resolve("Holder.java"), """
                public class Holder {
                    public static void main(String[] args) throws Exception {
                        dev.raccoon.train.run.OutputLock.acquire(java.nio.file.Path.of(args[0]));
                        System.out.println("locked");
                        Thread.sleep(600_000);
                    }
                }
                """);
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), holder.toString(), out.toString())).redirectErrorStream(true).start();
        try {
            String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertThat(line).isEqualTo("locked");
            assertThatThrownBy(() -> OutputLock.acquire(out)).hasMessage("another raccoon run is writing " + out);
            p.destroyForcibly(); // SIGKILL: no shutdown hook, no close
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        try (var files = Files.list(tmp)) {
            assertThat(files.map(f -> f.getFileName().toString())).as("the killed run's lock file").contains(".run.raccoon-lock");
        }
        OutputLock.acquire(out).close();
    }
}
