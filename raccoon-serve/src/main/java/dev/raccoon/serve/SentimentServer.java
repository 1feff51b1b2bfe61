package dev.raccoon.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.api.Answers;
import dev.raccoon.api.Classifier;
import dev.raccoon.text.Encoding;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The sentiment HTTP service: {@code POST /v1/sentiment}, {@code GET /health}, {@code GET /metrics},
 * {@code GET /openapi.json} and a web page at {@code /}; pages of other origins call it from a browser only where
 * {@link ServeConfig#corsOrigins()} allows them ({@link CorsPolicy}). Every error is {@code {"error": "..."}}; client mistakes are
 * 4xx, and a 5xx means a bug (it is logged). {@link #close()} stops gracefully: new connections are refused, requests
 * in flight finish (the batch queue is drained), then the server ends.
 *
 * <p>The server does not own the classifier: whoever loaded it closes it after the server.
 */
public final class SentimentServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SentimentServer.class);
    static final ObjectMapper JSON = new ObjectMapper();
    private static final String WEB = "/dev/raccoon/serve/web/";
    /**
     * The paths served, each described in openapi.json; they get their own {@code uri} tag in the metrics, anything else
     * is "other", so fuzzing cannot grow them.
     */
    static final Set<String> KNOWN_PATHS = Set.of("/", "/app.js", "/style.css", "/v1/sentiment", "/health",
            "/metrics", "/openapi.json");
    private static final Set<String> KNOWN_METHODS = Set.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");

    private final Classifier classifier;
    private final ServeConfig config;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MicroBatcher<Encoding> batcher;
    private final SentimentService service;
    private final DistributionSummary requestTexts;
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final Javalin app;
    private volatile boolean stopping;

    private SentimentServer(Classifier classifier, Function<List<Encoding>, float[][]> model, ServeConfig config) {
        this.classifier = classifier;
        this.config = config;
        this.batcher = new MicroBatcher<>(model, config.maxBatch(), config.maxWaitMs(), config.maxQueued(), registry);
        this.service = new SentimentService(classifier, batcher, config.maxBatch());
        this.requestTexts = DistributionSummary.builder("raccoon.request.texts")
                .description("Texts per POST /v1/sentiment request that passed validation")
                .publishPercentileHistogram()
                .minimumExpectedValue(1.0).maximumExpectedValue((double) Math.max(2, config.maxTexts()))
                .register(registry);
        bindProcessMetrics(classifier);
        byte[] index = resource(WEB + "index.html"), js = resource(WEB + "app.js"), css = resource(WEB + "style.css");
        byte[] openapi = openApi(config);
        this.app = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.startup.showOldJavalinVersionWarning = false;
            // A client that sends its body slowly parks a virtual thread instead of holding one of a few platform ones.
            c.concurrency.useVirtualThreads = true;
            c.http.prefer405over404 = true;
            c.http.maxRequestSize = config.maxBodyBytes();
            // Javalin's own connector would take the JDK's listen backlog of 50: a burst of 200 clients then saw about
            // 30 connections reset before the server ever read them, instead of an answer or a 503.
            c.jetty.addConnector((server, http) -> {
                ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
                connector.setHost(config.host());
                connector.setPort(config.port());
                connector.setAcceptQueueSize(ACCEPT_QUEUE);
                return connector;
            });
            c.jetty.modifyServer(server -> {
                // Makes Server.stop() wait (up to the stop timeout) for requests in flight, async ones too.
                server.insertHandler(new GracefulHandler());
                server.setStopTimeout(config.shutdownGraceMs() + LAST_PASS_MS);
                server.setErrorHandler(new JsonErrorHandler());
            });
            c.router.javaLangErrorHandler((response, error) -> {
                LOG.error("unexpected error", error);
                response.setStatus(500);
                response.setContentType("application/json");
                try {
                    response.getOutputStream().write(errorBody("internal error; it has been logged"));
                } catch (IOException e) {
                    LOG.debug("could not send the error", e);
                }
            });
            c.requestLogger.http(this::record);
            CorsPolicy cors = new CorsPolicy(config.corsOrigins());
            c.routes.before(cors::addHeaders);
            c.routes.post("/v1/sentiment", this::sentiment);
            c.routes.options("/v1/sentiment", cors::options);
            Map<String, Handler> pages = new LinkedHashMap<>();
            pages.put("/health", this::health);
            pages.put("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape()));
            pages.put("/openapi.json", ctx -> ctx.contentType("application/json").result(openapi));
            pages.put("/", ctx -> ctx.contentType("text/html; charset=utf-8").result(index));
            pages.put("/app.js", ctx -> ctx.contentType("text/javascript; charset=utf-8").result(js));
            pages.put("/style.css", ctx -> ctx.contentType("text/css; charset=utf-8").result(css));
            // HEAD answers with GET's status and headers (Jetty sends no body), as HTTP asks.
            pages.forEach((path, handler) -> {
                c.routes.get(path, handler);
                c.routes.head(path, handler);
            });
            c.routes.exception(ApiError.class, (e, ctx) -> error(ctx, e.status, e.getMessage()));
            c.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), switch (e.getStatus()) {
                case 404 -> "no such endpoint: " + ctx.method() + " " + ctx.path() + "; see /openapi.json";
                case 405 -> {
                    ctx.header("Allow", ctx.path().startsWith("/v1/sentiment") ? "POST, OPTIONS" : "GET, HEAD");
                    yield "method " + ctx.method() + " is not allowed on " + ctx.path();
                }
                default -> e.getMessage();
            }));
            c.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("unexpected error on {} {}", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal error; it has been logged");
            });
        });
    }

    /** The model's directory by its name: its absolute path is the server's business, not its clients'. */
    private static String modelName(Classifier classifier) {
        Path directory = classifier.directory().toAbsolutePath().normalize();
        return Objects.toString(directory.getFileName(), directory.toString());
    }

    /**
     * What a dashboard needs beside the request metrics: which model this replica serves, as {@code raccoon_model_info}
     * with value 1, and the JVM's memory, GC, threads, CPU and uptime.
     */
    private void bindProcessMetrics(Classifier classifier) {
        Gauge.builder("raccoon.model.info", () -> 1).description("The model served; the value is always 1")
                .tags("model", modelName(classifier), "device", classifier.device(),
                        "precision", classifier.precision().label(), "max_length", Integer.toString(classifier.maxLength()),
                        "truncation", classifier.truncation().id())
                .register(registry);
        for (MeterBinder binder : List.of(new JvmInfoMetrics(), new JvmMemoryMetrics(), gcMetrics, new JvmThreadMetrics(),
                new ClassLoaderMetrics(), new ProcessorMetrics(), new UptimeMetrics()))
            binder.bindTo(registry);
    }

    /** Starts a server on {@code config.host():config.port()} (port 0: a free one, see {@link #port()}). */
    public static SentimentServer start(Classifier classifier, ServeConfig config) {
        return start(classifier, classifier::logitsOf, config);
    }

    /** {@link #start(Classifier, ServeConfig)} with the forward pass in {@code model}'s hands: a test's, to time it. */
    static SentimentServer start(Classifier classifier, Function<List<Encoding>, float[][]> model, ServeConfig config) {
        classifier.requireLabels();
        warmUp(classifier, model, config);
        SentimentServer s = new SentimentServer(classifier, model, config);
        try {
            s.app.start();
        } catch (RuntimeException e) {
            s.close();
            throw new IllegalStateException(cannotListen(config, e), e);
        }
        if (s.app.jettyServer().server().getDescendant(GracefulHandler.class) == null) {
            s.close();
            throw new IllegalStateException("Jetty's handler chain lost its GracefulHandler; shutdown would not be graceful");
        }
        return s;
    }

    /**
     * {@link ServeConfig#warmUpPasses()} forward passes of a full micro-batch of texts as long as the model reads: the
     * first batches of a fresh JVM run interpreted and compiling (seconds where a warm pass takes a tenth), and they
     * had better not be a client's.
     */
    private static void warmUp(Classifier classifier, Function<List<Encoding>, float[][]> model, ServeConfig config) {
        if (config.warmUpPasses() == 0) return;
        Encoding longest = classifier.encode("가 ".repeat(classifier.maxLength()));
        List<Encoding> batch = Collections.nCopies(config.maxBatch(), longest);
        for (int i = 0; i < config.warmUpPasses(); i++) model.apply(batch);
    }

    /** What went wrong at bind time, in words: Javalin calls every failure "Port already in use". */
    private static String cannotListen(ServeConfig config, RuntimeException e) {
        String where = "cannot listen on " + url(config.host(), config.port());
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException b) return where + ": " + b.getMessage();
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException)
                return where + ": unknown host " + config.host();
        }
        return where + ": " + e.getMessage();
    }

    /** {@code http://host:port/}, an IPv6 address in brackets. */
    public static String url(String host, int port) {
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/";
    }

    public int port() {
        return app.port();
    }

    /** The listen backlog the server asked the OS for. */
    int acceptQueueSize() {
        return ((ServerConnector) app.jettyServer().server().getConnectors()[0]).getAcceptQueueSize();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    private void sentiment(Context ctx) {
        MicroBatcher.QueueFull refused = batcher.refuseAnyNewRequest();
        if (refused != null) {
            // Refused before its body is parsed and tokenized: that work would only take CPU from the model.
            discardBody(ctx);
            busy(ctx, refused);
            return;
        }
        SentimentRequest request = SentimentRequest.parse(readBody(ctx), ctx.header("Content-Type"), ctx.header("Content-Encoding"), config);
        requestTexts.record(request.texts().size());
        CompletableFuture<byte[]> response = service.classify(request.texts(), request.explain()).thenApply(results -> {
            ObjectNode body;
            if (request.single()) {
                body = results.getFirst().toJson();
            } else {
                body = JSON.createObjectNode();
                ArrayNode arr = body.putArray("results");
                for (Answers.Answer r : results) arr.add(r.toJson());
            }
            return bytes(body);
        });
        ctx.future(() -> response.handle((bytes, failure) -> {
            if (failure == null) {
                ctx.contentType("application/json").result(bytes);
            } else {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                if (cause instanceof MicroBatcher.QueueFull full) {
                    busy(ctx, full);
                } else if (cause instanceof IllegalStateException && stopping) {
                    error(ctx, 503, "the server is shutting down");
                } else {
                    LOG.error("classification failed on {} {}", ctx.method(), ctx.path(), cause);
                    error(ctx, 500, "internal error; it has been logged");
                }
            }
            return null;
        }));
    }

    private static void busy(Context ctx, MicroBatcher.QueueFull full) {
        ctx.header("Retry-After", "1");
        error(ctx, 503, full.getMessage());
    }

    /** The body, read up to the limit; beyond it the request is refused with 413 ({@link #discardBody}). */
    private byte[] readBody(Context ctx) {
        if (ctx.req().getContentLengthLong() > config.maxBodyBytes()) {
            discardBody(ctx);
            throw tooLarge();
        }
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, config.maxBodyBytes() + 1));
            if (body.length > config.maxBodyBytes()) {
                drain(in);
                throw tooLarge();
            }
            return body;
        } catch (IOException e) {
            for (Throwable t = e; t != null; t = t.getCause())
                if (t instanceof TimeoutException)
                    throw new ApiError(408, "the request body did not arrive in time; the connection was idle too long");
            // Jetty reports a broken chunk header as it reports a connection that ended early: one message for both
            boolean chunked = String.valueOf(ctx.header("Transfer-Encoding")).toLowerCase(java.util.Locale.ROOT).contains("chunked");
            throw new ApiError(400, "could not read the request body: the connection ended before it was complete"
                    + (chunked ? ", or its chunked transfer encoding is broken" : ""));
        }
    }

    private static final long DRAIN_BYTES = 16L << 20;

    /**
     * Reads and drops the body of a request refused unread (up to {@link #DRAIN_BYTES} past the body limit): a server
     * that answers and closes while the client is still sending makes the client see a reset instead of the answer.
     * A client that asked to be told first (Expect: 100-continue) sends nothing more when refused: nothing to pull in.
     */
    private void discardBody(Context ctx) {
        if ("100-continue".equalsIgnoreCase(ctx.header("Expect"))
                || ctx.req().getContentLengthLong() > config.maxBodyBytes() + DRAIN_BYTES) return;
        try (InputStream in = ctx.req().getInputStream()) {
            drain(in);
        } catch (IOException e) {
            // the client went away or stalled; the refusal goes out (or not) all the same
        }
    }

    private static void drain(InputStream in) throws IOException {
        byte[] sink = new byte[64 * 1024];
        long left = DRAIN_BYTES;
        for (int n; left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0; ) left -= n;
    }

    private ApiError tooLarge() {
        return new ApiError(413, "the request body is larger than " + config.maxBodyBytes() + " bytes");
    }

    private void health(Context ctx) {
        ObjectNode o = JSON.createObjectNode();
        o.put("status", stopping ? "stopping" : "ok");
        o.put("model", modelName(classifier));
        ArrayNode labels = o.putArray("labels");
        classifier.labels().forEach(labels::add);
        o.put("device", classifier.device());
        o.put("precision", classifier.precision().label());
        o.put("maxLength", classifier.maxLength());
        o.put("truncation", classifier.truncation().id());
        o.putObject("limits").put("maxTexts", config.maxTexts()).put("maxChars", config.maxChars())
                .put("maxExplainTexts", config.maxExplainTexts()).put("maxBodyBytes", config.maxBodyBytes());
        ctx.status(stopping ? 503 : 200).contentType("application/json").result(bytes(o));
    }

    private void record(Context ctx, Float ms) {
        record(ctx.method().name(), ctx.path(), ctx.statusCode(), Duration.ofNanos((long) (ms * 1e6)));
    }

    /**
     * Two views of latency: a histogram by method, path and status (counts by status, and percentiles computed
     * by Prometheus across instances), and this instance's p50/p95/p99 by path, computed here. Prometheus cannot
     * expose one meter both ways, hence two. Unknown paths and methods are "other" and "OTHER" (so is the method
     * of a request line Jetty could not read), so fuzzing cannot grow the series.
     */
    private void record(String requestMethod, String requestPath, int status, Duration took) {
        String requested = requestPath == null ? "" : requestPath.length() > 1 && requestPath.endsWith("/")
                ? requestPath.substring(0, requestPath.length() - 1) : requestPath;
        String path = KNOWN_PATHS.contains(requested) ? requested : "other";
        String method = requestMethod != null && KNOWN_METHODS.contains(requestMethod) ? requestMethod : "OTHER";
        Timer.builder("http.server.requests").description("HTTP requests by method, path and status")
                .tags("method", method, "uri", path, "status", Integer.toString(status))
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry).record(took);
        Timer.builder("raccoon.request.latency").description("Latency percentiles of this instance by path")
                .tags("uri", path).publishPercentiles(0.5, 0.95, 0.99)
                .register(registry).record(took);
    }

    static void error(Context ctx, int status, String message) {
        ctx.status(status).contentType("application/json").result(errorBody(message));
    }

    static byte[] errorBody(String message) {
        return bytes(JSON.createObjectNode().put("error", wellFormed(message)));
    }

    /** Unpaired surrogates (possible in JSON escapes a client sent) as U+FFFD, so the answer is valid UTF-8. */
    static String wellFormed(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                b.append(c).append(s.charAt(++i));
            } else {
                b.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return b.toString();
    }

    static byte[] bytes(Object node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The OpenAPI document with this server's limits in the request schema, so it says what the server accepts. */
    private static byte[] openApi(ServeConfig config) {
        try {
            ObjectNode doc = (ObjectNode) JSON.readTree(resource("/dev/raccoon/serve/openapi.json"));
            ObjectNode properties = (ObjectNode) doc.at("/components/schemas/SentimentRequest/properties");
            ((ObjectNode) properties.get("text")).put("maxLength", config.maxChars());
            ObjectNode texts = (ObjectNode) properties.get("texts");
            texts.put("maxItems", config.maxTexts());
            ((ObjectNode) texts.get("items")).put("maxLength", config.maxChars());
            ((ObjectNode) doc.at("/paths/~1v1~1sentiment/post/requestBody/content/text~1plain/schema")).put("maxLength", config.maxChars());
            return bytes(doc);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = SentimentServer.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("resource " + name + " is missing from the jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Connections the OS holds for the server to accept (Linux caps it at net.core.somaxconn, 4096 by default). */
    private static final int ACCEPT_QUEUE = 1024;

    /** How long past the grace the forward pass then running may take before Jetty closes its connections. */
    private static final long LAST_PASS_MS = 10_000;

    /**
     * Graceful stop: Jetty stops accepting and waits for requests in flight. Those still queued for the model when
     * the grace ends are answered 503, so a long queue cannot hold the process past it; the pass then running gets
     * {@link #LAST_PASS_MS} more. Then the batcher ends.
     */
    @Override
    public void close() {
        stopping = true;
        Thread cutoff = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(config.shutdownGraceMs());
                batcher.refuseQueued();
            } catch (InterruptedException e) {
                // everything was answered within the grace
            }
        });
        try {
            app.stop();
        } catch (RuntimeException e) {
            LOG.warn("a request was still unanswered {} ms after the shutdown grace; its connection was closed ({})", LAST_PASS_MS, e.getMessage());
        } finally {
            cutoff.interrupt();
            batcher.close();
            gcMetrics.close();
            registry.close();
        }
    }

    /**
     * Errors Jetty answers itself (bad request lines, headers too large) as JSON, like the rest of the API, and
     * counted in the metrics as Javalin's answers are: they never reach Javalin's request logger. An HTTP
     * version it does not speak is the client's mistake, so 400 rather than Jetty's 505: no 5xx for client input.
     */
    private final class JsonErrorHandler extends ErrorHandler {
        /** Every method's error gets its JSON (and its count), not only GET's, POST's and HEAD's: OPTIONS * got neither. */
        @Override
        public boolean errorPageForMethod(String method) {
            return true;
        }

        @Override
        protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                        Callback callback) {
            if (code == 505) {
                code = 400;
                response.setStatus(400);
                message = "unsupported HTTP version; use HTTP/1.1";
            }
            // Jetty's own text for a failure of its own is an exception's message: not for clients.
            String text = code >= 500 || message == null || message.isBlank() ? HttpStatus.getMessage(code) : message;
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, ByteBuffer.wrap(errorBody(text)), callback);
            record(request.getMethod(), request.getHttpURI() == null ? null : request.getHttpURI().getPath(), code,
                    Duration.ofNanos(System.nanoTime() - request.getBeginNanoTime()));
        }
    }

}
