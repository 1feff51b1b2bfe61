package dev.raccoon.serve;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

/**
 * Settings of a {@link SentimentServer}; a setting that cannot work is refused in the words of {@code raccoon serve}'s
 * flag for it.
 *
 * @param host             address to bind, e.g. 127.0.0.1
 * @param port             TCP port; 0 picks a free one
 * @param maxBatch         most model inputs the micro-batcher gathers from concurrent requests; the classifier runs
 *                         them in forward passes of its own batch size
 * @param maxWaitMs        how long the batcher waits for more requests after the first one arrives
 * @param maxQueued        most model inputs waiting for the model before a new request is refused with 503 (a request
 *                         that finds nothing waiting always gets in, however large; an admitted request's later pieces
 *                         always join), so that under overload clients hear at once instead of waiting minutes
 * @param maxBodyBytes     largest request body accepted (413 beyond it)
 * @param maxTexts         texts per request
 * @param maxChars         characters per text
 * @param maxExplainTexts  texts per request when {@code explain} is set: each costs one more text to classify per token
 * @param shutdownGraceMs  how long a graceful stop waits for requests in flight
 * @param corsOrigins      web origins ({@code https://app.example.com}) whose pages may call the API from a browser,
 *                         or {@code *} for any; empty: only pages the server itself serves
 * @param warmUpPasses     forward passes of a full micro-batch at the model's longest length run before the server
 *                         listens, so that the JIT has compiled the kernels before the first request (a fresh JVM takes
 *                         seconds over its first batch); 0 for none
 */
public record ServeConfig(String host, int port, int maxBatch, int maxWaitMs, int maxQueued, long maxBodyBytes, int maxTexts,
                          int maxChars, int maxExplainTexts, long shutdownGraceMs, List<String> corsOrigins, int warmUpPasses) {
    public ServeConfig {
        corsOrigins = List.copyOf(corsOrigins);
        for (String origin : corsOrigins) requireOrigin(origin);
        if (corsOrigins.contains("*") && corsOrigins.size() > 1)
            throw new IllegalArgumentException("--cors-origin * allows every origin; give it alone, not with " + corsOrigins);
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be 0..65535, got " + port);
        if (maxBatch < 1) throw new IllegalArgumentException("--max-batch must be at least 1, got " + maxBatch);
        if (maxWaitMs < 0) throw new IllegalArgumentException("--max-wait-ms must not be negative, got " + maxWaitMs);
        if (maxQueued < 1) throw new IllegalArgumentException("--max-queued must be at least 1, got " + maxQueued);
        if (maxBodyBytes < 64) throw new IllegalArgumentException("--max-body-bytes must be at least 64, got " + maxBodyBytes);
        if (maxTexts < 1) throw new IllegalArgumentException("--max-texts must be at least 1, got " + maxTexts);
        if (maxChars < 1) throw new IllegalArgumentException("--max-chars must be at least 1, got " + maxChars);
        if (maxExplainTexts < 1) throw new IllegalArgumentException("--max-explain-texts must be at least 1, got " + maxExplainTexts);
        if (shutdownGraceMs < 0) throw new IllegalArgumentException("--shutdown-grace-ms must not be negative, got " + shutdownGraceMs);
        if (warmUpPasses < 0) throw new IllegalArgumentException("--warm-up must not be negative, got " + warmUpPasses);
    }

    public static ServeConfig defaults() {
        return new ServeConfig("127.0.0.1", 8080, 32, 5, 2048, 1 << 20, 64, 2000, 16, 30_000, List.of(), 0);
    }

    public ServeConfig withPort(int p) {
        return new ServeConfig(host, p, maxBatch, maxWaitMs, maxQueued, maxBodyBytes, maxTexts, maxChars, maxExplainTexts, shutdownGraceMs, corsOrigins, warmUpPasses);
    }

    public ServeConfig withBatching(int batch, int waitMs) {
        return new ServeConfig(host, port, batch, waitMs, maxQueued, maxBodyBytes, maxTexts, maxChars, maxExplainTexts, shutdownGraceMs, corsOrigins, warmUpPasses);
    }

    public ServeConfig withMaxQueued(int queued) {
        return new ServeConfig(host, port, maxBatch, maxWaitMs, queued, maxBodyBytes, maxTexts, maxChars, maxExplainTexts, shutdownGraceMs, corsOrigins, warmUpPasses);
    }

    public ServeConfig withLimits(long bodyBytes, int texts, int chars) {
        return new ServeConfig(host, port, maxBatch, maxWaitMs, maxQueued, bodyBytes, texts, chars, maxExplainTexts, shutdownGraceMs, corsOrigins, warmUpPasses);
    }

    public ServeConfig withShutdownGraceMs(long graceMs) {
        return new ServeConfig(host, port, maxBatch, maxWaitMs, maxQueued, maxBodyBytes, maxTexts, maxChars, maxExplainTexts, graceMs, corsOrigins, warmUpPasses);
    }

    public ServeConfig withWarmUpPasses(int passes) {
        return new ServeConfig(host, port, maxBatch, maxWaitMs, maxQueued, maxBodyBytes, maxTexts, maxChars, maxExplainTexts, shutdownGraceMs, corsOrigins, passes);
    }

    public ServeConfig withCorsOrigins(List<String> origins) {
        return new ServeConfig(host, port, maxBatch, maxWaitMs, maxQueued, maxBodyBytes, maxTexts, maxChars, maxExplainTexts, shutdownGraceMs, origins, warmUpPasses);
    }

    /**
     * A browser sends its page's origin as {@code scheme://host[:port]} and the server must echo it exactly, so a path,
     * a trailing slash or a missing scheme would never match: refuse them here rather than fail in the browser.
     */
    private static void requireOrigin(String origin) {
        if (origin.equals("*")) return;
        String problem;
        try {
            URI u = new URI(origin);
            boolean web = "http".equals(u.getScheme()) || "https".equals(u.getScheme());
            problem = !web ? "it needs http:// or https://"
                    : u.getHost() == null ? "it has no host"
                    : !u.getRawPath().isEmpty() || u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null
                    ? "an origin is scheme://host[:port], without a path (not even a trailing /)" : null;
        } catch (URISyntaxException e) {
            problem = e.getReason();
        }
        if (problem != null)
            throw new IllegalArgumentException("--cors-origin '" + origin + "' is not a web origin: " + problem
                    + " (e.g. https://app.example.com or http://localhost:3000, or * for any)");
    }
}
