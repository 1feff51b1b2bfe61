package dev.raccoon.serve;

import dev.raccoon.api.Classifier;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** The oracle's tiny random ELECTRA classifier (labels LABEL_0, LABEL_1), and HTTP helpers for the tests. */
final class Oracle {
    private static Classifier classifier;

    static Path dir() {
        return Path.of(System.getProperty("raccoon.root", "..")).resolve("raccoon-model/src/test/resources/oracle/electra-classifier");
    }

    /** One shared instance (thread-safe; the servers under test never close it), on the scalar reference backend. */
    static synchronized Classifier classifier() {
        if (classifier == null) {
            try {
                classifier = Classifier.load(dir(), Classifier.Options.defaults().withDevice("scalar").withThreads(1));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return classifier;
    }

    static ServeConfig config() {
        return ServeConfig.defaults().withPort(0);
    }

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static HttpResponse<String> post(SentimentServer server, String path, String json) {
        return send(HttpRequest.newBuilder(uri(server, path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build());
    }

    static HttpResponse<String> get(SentimentServer server, String path) {
        return send(HttpRequest.newBuilder(uri(server, path)).GET().build());
    }

    static URI uri(SentimentServer server, String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The status of the first response line to raw bytes sent to the server, or 0 when it closes without one. */
    static int rawStatus(SentimentServer server, byte[] request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException e) {
                return 0; // the server hung up while we were still sending: fine
            }
            InputStream in = s.getInputStream();
            byte[] head = new byte[12];
            int n = 0;
            try {
                for (int b; n < head.length && (b = in.read()) != -1; ) head[n++] = (byte) b;
            } catch (java.net.SocketException e) {
                return 0;
            }
            if (n < 12) return 0;
            return Integer.parseInt(new String(head, 9, 3, StandardCharsets.US_ASCII));
        }
    }
}
