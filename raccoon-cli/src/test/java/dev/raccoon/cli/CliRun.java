package dev.raccoon.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Runs the CLI in-process with the given stdin and captures what it prints. */
record CliRun(int exitCode, String out, String err) {
    static synchronized CliRun run(byte[] stdin, String... args) {
        InputStream oldIn = System.in;
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream(stdin));
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static CliRun run(String stdin, String... args) {
        return run(stdin.getBytes(StandardCharsets.UTF_8), args);
    }

    /** A file of the repository, e.g. the oracle fixtures kept in other modules' test resources. */
    static Path repo(String relative) {
        return Path.of(System.getProperty("raccoon.root", "..")).resolve(relative);
    }

    /** The oracle's tiny random ELECTRA classifier. */
    static Path oracleClassifier() {
        return repo("raccoon-model/src/test/resources/oracle/electra-classifier");
    }
}
