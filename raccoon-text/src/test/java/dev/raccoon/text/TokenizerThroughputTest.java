package dev.raccoon.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Speed check on NSMC reviews; opt-in because timings are not assertions:
 * {@code ./mvn25 -B -ntp -pl raccoon-text test -Draccoon.bench=true -Dtest=TokenizerThroughputTest}.
 */
class TokenizerThroughputTest {

    @Test
    void tokenizesNsmcReviews() throws IOException {
        assumeTrue(Boolean.getBoolean("raccoon.bench"), "set -Draccoon.bench=true to run");
        Path train = Path.of(System.getProperty("raccoon.shared", "../shared"), "data", "nsmc", "train.tsv");
        assumeTrue(Files.isRegularFile(train), train + " not found");
        List<String> reviews = Files.readAllLines(train, StandardCharsets.UTF_8).stream().skip(1)
                .map(line -> line.split("\t", -1)).filter(f -> f.length >= 2).map(f -> f[1]).toList();
        WordPieceTokenizer tokenizer = WordPieceTokenizer.load(OracleCasesTest.oracleDir());
        long chars = reviews.stream().mapToLong(String::length).sum();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 5; round++) { // the first rounds warm up the JIT
            long start = System.nanoTime();
            long cpuStart = threads.getCurrentThreadCpuTime();
            long tokens = 0;
            for (String review : reviews) {
                tokens += tokenizer.encode(review, 128).length();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            // CPU time too: on a shared machine the wall clock measures the neighbours as well
            double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
            System.out.printf("round %d: %d reviews, %d chars, %d tokens in %.2f s (%.2f s CPU): %.0f tokens/s,"
                            + " %.0f tokens/CPU-s, %.0f reviews/s%n", round, reviews.size(), chars, tokens, seconds,
                    cpuSeconds, tokens / seconds, tokens / cpuSeconds, reviews.size() / seconds);
            assertThat(tokens).isGreaterThan(reviews.size() * 2L);
        }
        long start = System.nanoTime();
        long tokens = reviews.parallelStream().mapToLong(r -> tokenizer.encode(r, 128).length()).sum();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("parallel (%d cores): %.0f tokens/s%n", Runtime.getRuntime().availableProcessors(),
                tokens / seconds);
    }
}
