package dev.raccoon.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** raccoon serve as a separate process: it serves, and SIGTERM stops it after answering the request in flight. */
class ServeCommandTest {
    private static final Pattern QUEUED_ONE = Pattern.compile("(?m)^raccoon_batch_queued_inputs 1\\.0$");

    @TempDir
    Path dir;

    @Test
    void helpTellsWhatMaxBatchAndBatchSizeEachDo() {
        CliRun help = CliRun.run("", "serve", "--help");
        String text = help.out().replaceAll("\\s+", " ");
        assertThat(text).contains("--max-batch=<maxBatch> Most model inputs (texts and, with explain, their variants) the"
                + " micro-batcher gathers from concurrent requests before running them; --batch-size splits them into forward passes")
                .contains("--batch-size=<batchSize> Texts per forward pass");
    }

    @Test
    void sigtermFinishesTheRequestInFlight() throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                "dev.raccoon.cli.Main", "serve", "--model", CliRun.oracleClassifier().toString(), "--device", "scalar",
                "--port", "0", "--max-wait-ms", "1500"));
        Path log = Files.createTempFile(dir, "serve", ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Pattern listening = Pattern.compile("listening on (http://[^/]+/)");
            String base = null;
            for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); base == null && p.isAlive()
                    && System.nanoTime() < deadline; Thread.sleep(100)) {
                Matcher m = listening.matcher(Files.readString(log));
                if (m.find()) base = m.group(1);
            }
            assertThat(base).as(Files.readString(log)).isNotNull();
            HttpClient http = HttpClient.newHttpClient();
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "health")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            // Held by the batcher for 1.5 s waiting for company, so SIGTERM arrives while it is in flight.
            CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(HttpRequest.newBuilder(URI.create(base + "v1/sentiment"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"text\": \"끝까지 답해 주세요\"}")).build(), HttpResponse.BodyHandlers.ofString());
            // Signalled only once the batcher holds it: a signal sent before it arrived would stop the server without it.
            HttpRequest metrics = HttpRequest.newBuilder(URI.create(base + "metrics")).build();
            String scrape;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!QUEUED_ONE.matcher(scrape = http.send(metrics, HttpResponse.BodyHandlers.ofString()).body()).find()
                    && System.nanoTime() < until) Thread.sleep(10);
            assertThat(scrape).as("the request waits in the batcher").containsPattern(QUEUED_ONE);
            p.destroy(); // SIGTERM
            HttpResponse<String> answer = inFlight.get(20, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).contains("\"label\"");
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(log)).contains("stopping").contains("stopped");
        } finally {
            p.destroyForcibly();
        }
    }
}
