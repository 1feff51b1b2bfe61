package dev.raccoon.cli;

import dev.raccoon.api.Classifier;
import dev.raccoon.serve.ServeConfig;
import dev.raccoon.serve.SentimentServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve", description = {"Serves the model over HTTP: POST /v1/sentiment, GET /health, /metrics, "
        + "/openapi.json, and a web page at /.",
        "Stops gracefully on SIGTERM or Ctrl-C: requests in flight are answered first."})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Spec
    CommandSpec spec;

    @Mixin
    TaskOption taskOption;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--max-batch", defaultValue = "32", description = "Most model inputs (texts and, with explain, their"
            + " variants) the micro-batcher gathers from concurrent requests before running them; --batch-size splits them"
            + " into forward passes (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-wait-ms", defaultValue = "5", description = "How long a batch waits for more requests (default: ${DEFAULT-VALUE}).")
    int maxWaitMs;

    @Option(names = "--max-queued", defaultValue = "2048", description = "Most model inputs waiting for the model: a new"
            + " request whose inputs would make more wait gets 503 with Retry-After at once instead of waiting behind"
            + " them (one that finds none waiting always gets in). The bundled binary model on 2 cores reads about 7,000"
            + " short reviews a second, far fewer long texts (default: ${DEFAULT-VALUE}).")
    int maxQueued;

    @Option(names = "--max-body-bytes", defaultValue = "1048576", description = "Largest request body (default: ${DEFAULT-VALUE}).")
    long maxBodyBytes;

    @Option(names = "--max-texts", defaultValue = "64", description = "Texts per request (default: ${DEFAULT-VALUE}).")
    int maxTexts;

    @Option(names = "--max-chars", defaultValue = "2000", description = "Characters per text (default: ${DEFAULT-VALUE}).")
    int maxChars;

    @Option(names = "--max-explain-texts", defaultValue = "16",
            description = "Texts per request with explain, each costing one more text to classify per token (default: ${DEFAULT-VALUE}).")
    int maxExplainTexts;

    @Option(names = "--shutdown-grace-ms", paramLabel = "MS", defaultValue = "30000",
            description = "On SIGTERM, how long requests waiting for the model may still be answered; those still waiting"
                    + " then get 503, and the forward pass running gets 10 s more (default: ${DEFAULT-VALUE}).")
    long shutdownGraceMs;

    @Option(names = "--warm-up", paramLabel = "PASSES", defaultValue = "3", description = "Forward passes of a full"
            + " --max-batch of texts as long as the model reads, run before listening: a fresh JVM takes seconds over its"
            + " first batches (2.5 s for the bundled model on 2 cores, where a warm pass takes 0.05 s), which had better"
            + " not be a client's; 0 listens at once (default: ${DEFAULT-VALUE}).")
    int warmUpPasses;

    @Option(names = "--cors-origin", paramLabel = "ORIGIN", description = "Let pages of this web origin call the API from "
            + "a browser, e.g. https://app.example.com or http://localhost:3000; repeatable; * for any origin.")
    List<String> corsOrigins = List.of();

    @Override
    public Integer call() throws Exception {
        ServeConfig config;
        try {
            config = new ServeConfig(host, port, maxBatch, maxWaitMs, maxQueued, maxBodyBytes, maxTexts, maxChars,
                    maxExplainTexts, shutdownGraceMs, corsOrigins, warmUpPasses);
        } catch (IllegalArgumentException e) {
            throw TrainingOptions.usage(spec, e.getMessage());
        }
        Classifier classifier = modelOptions.load(spec, taskOption.task);
        SentimentServer server;
        try {
            if (warmUpPasses > 0)
                System.err.printf("raccoon serve: warming up the model (%d %s)%n", warmUpPasses, warmUpPasses == 1 ? "pass" : "passes");
            server = SentimentServer.start(classifier, config);
        } catch (RuntimeException e) {
            classifier.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("raccoon serve: stopping (finishing requests in flight)");
            try {
                server.close();
                classifier.close();
            } finally {
                stopped.countDown();
                System.err.println("raccoon serve: stopped");
            }
        }, "raccoon-serve-shutdown"));
        System.err.printf("raccoon serve: listening on %s (model %s, labels %s, device %s, %s, %d tokens a text, %s)%n",
                SentimentServer.url(host, server.port()), classifier.directory(), classifier.labels(), classifier.device(),
                classifier.precision().label(), classifier.maxLength(), classifier.truncation().id());
        stopped.await(); // until SIGTERM/SIGINT runs the hook
        return 0;
    }
}
