package dev.raccoon.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raccoon.api.Classifier;
import dev.raccoon.api.Prediction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The endpoints through HTTP on loopback, against the oracle's tiny classifier. */
class SentimentServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static SentimentServer server;

    @BeforeAll
    static void start() {
        server = SentimentServer.start(Oracle.classifier(), CONFIG);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static final ServeConfig CONFIG = Oracle.config().withLimits(4096, 8, 50);

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
        return JSON.readTree(r.body());
    }

    @Test
    void aBurstOfConnectionsWaitsToBeAcceptedInsteadOfBeingReset() {
        // The JDK's default backlog of 50 reset about 30 of 200 clients connecting at once to a busy server.
        assertThat(server.acceptQueueSize()).isEqualTo(1024);
        assertThat(Oracle.get(server, "/health").statusCode()).as("the connector built here is the one listening").isEqualTo(200);
    }

    @Test
    void singleTextGetsTheClassifiersAnswer() throws Exception {
        HttpResponse<String> r = Oracle.post(server, "/v1/sentiment", "{\"text\": \"영화 정말 재밌어요\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        Prediction expected = Oracle.classifier().classify("영화 정말 재밌어요");
        assertThat(body.get("label").asText()).isEqualTo(expected.label());
        assertThat(body.get("probability").floatValue()).isCloseTo(expected.probability(), within(1e-5f));
        assertThat(body.get("probabilities").get("LABEL_0").floatValue() + body.get("probabilities").get("LABEL_1").floatValue())
                .isCloseTo(1f, within(1e-5f));
        assertThat(body.has("tokens")).isFalse();
    }

    @Test
    void aPlainTextBodyIsOneReviewAnsweredAsJsonWouldBe() throws Exception {
        String review = "{\"text\": \"영화\"} 정말 재밌어요\n";
        HttpResponse<String> plain = post("text/plain; charset=UTF-8", null, review);
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
        HttpResponse<String> asJson = Oracle.post(server, "/v1/sentiment", JSON.writeValueAsString(java.util.Map.of("text", review)));
        assertThat(plain.body()).isEqualTo(asJson.body());
        assertThat(json(plain).get("probability").floatValue())
                .isCloseTo(Oracle.classifier().classify(review).probability(), within(1e-5f));
    }

    @Test
    void textsAreAnsweredInOrder() throws Exception {
        List<String> texts = List.of("영화 정말 재밌어요", "시간 아깝다", "배우들 연기가 좋았어요 근데 스토리는 별로", "ㅋㅋㅋ");
        HttpResponse<String> r = Oracle.post(server, "/v1/sentiment", JSON.writeValueAsString(java.util.Map.of("texts", texts)));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode results = json(r).get("results");
        assertThat(results).hasSize(texts.size());
        List<Prediction> expected = Oracle.classifier().classify(texts);
        for (int i = 0; i < texts.size(); i++) {
            assertThat(results.get(i).get("label").asText()).isEqualTo(expected.get(i).label());
            assertThat(results.get(i).get("probability").floatValue()).isCloseTo(expected.get(i).probability(), within(1e-5f));
        }
    }

    @Test
    void explainScoresEveryTokenByOcclusion() throws Exception {
        String text = "배우들 연기가 정말 좋았어요 최고";
        HttpResponse<String> r = Oracle.post(server, "/v1/sentiment", "{\"text\": \"" + text + "\", \"explain\": true}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        List<String> tokens = Oracle.classifier().tokenizer().tokenize(text);
        JsonNode scored = body.get("tokens");
        assertThat(scored).extracting(t -> t.get("token").asText()).containsExactlyElementsOf(tokens);
        int label = Oracle.classifier().labels().indexOf(body.get("label").asText());
        float p = body.get("probability").floatValue();
        // A word that is a single token: masking it is the same as writing [MASK] in its place.
        String[] words = text.split(" ");
        int word = -1, checked = 0;
        for (int i = 0; i < tokens.size(); i++) {
            if (!tokens.get(i).startsWith("##")) word++;
            boolean whole = !tokens.get(i).startsWith("##") && (i + 1 == tokens.size() || !tokens.get(i + 1).startsWith("##"));
            if (!whole) continue;
            String[] variant = words.clone();
            variant[word] = "[MASK]";
            float pMasked = Oracle.classifier().classify(String.join(" ", variant)).probabilities()[label];
            assertThat(scored.get(i).get("score").floatValue()).as("token %d", i).isCloseTo(p - pMasked, within(1e-4f));
            checked++;
        }
        assertThat(checked).isPositive();
        assertThat(scored).allSatisfy(t -> assertThat(t.get("score").floatValue()).isBetween(-1f, 1f));
        assertThat(body.has("omitted_after")).as("nothing left out").isFalse();
    }

    @Test
    void healthNamesModelLabelsAndDevice() throws Exception {
        HttpResponse<String> r = Oracle.get(server, "/health");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.get("status").asText()).isEqualTo("ok");
        assertThat(body.get("model").asText()).as("the directory's name, not where it lies").isEqualTo("electra-classifier");
        assertThat(body.get("labels")).extracting(JsonNode::asText).containsExactly("LABEL_0", "LABEL_1");
        assertThat(body.get("device").asText()).isNotBlank();
        assertThat(body.get("precision").asText()).isEqualTo("fp32");
        // The page sizes its requests by these.
        assertThat(body.get("limits").get("maxTexts").asInt()).isEqualTo(8);
        assertThat(body.get("limits").get("maxChars").asInt()).isEqualTo(50);
        assertThat(body.get("limits").get("maxExplainTexts").asInt()).isEqualTo(CONFIG.maxExplainTexts());

        // Every field is always there, so the schema requires each: a generated client must not make them optional.
        JsonNode schema = json(Oracle.get(server, "/openapi.json")).at("/components/schemas/Health");
        assertThat(schema.get("required")).extracting(JsonNode::asText).containsExactlyInAnyOrderElementsOf(() -> body.fieldNames());
        assertThat(schema.at("/properties/limits/required")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrderElementsOf(() -> body.get("limits").fieldNames());

        HttpResponse<String> head = Oracle.send(HttpRequest.newBuilder(Oracle.uri(server, "/health"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        assertThat(head.body()).isEmpty();
    }

    @Test
    void metricsExposeRequestsLatencyAndBatchSizes() throws InterruptedException {
        // Counted past what the server held before, not past 0: other tests' requests on this server may have made
        // these series already, and this test's own counts, still to come, would then land in the next test's reads.
        Map<String, Double> before = new LinkedHashMap<>();
        for (String series : List.of("http_server_requests_seconds_count{method=\"POST\",status=\"200\",uri=\"/v1/sentiment\"}",
                "http_server_requests_seconds_count{method=\"GET\",status=\"404\",uri=\"other\"}"))
            before.put(series, metric(server, series));
        Oracle.post(server, "/v1/sentiment", "{\"text\": \"좋다\"}");
        Oracle.get(server, "/nope");
        for (var counted : before.entrySet())
            assertThat(metricOnceCounted(server, counted.getKey(), counted.getValue())).as(counted.getKey()).isGreaterThan(counted.getValue());
        HttpResponse<String> r = Oracle.get(server, "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body())
                .contains("http_server_requests_seconds_bucket{method=\"POST\",status=\"200\",uri=\"/v1/sentiment\",le=")
                .contains("raccoon_request_latency_seconds{uri=\"/v1/sentiment\",quantile=\"0.99\"}")
                .contains("raccoon_batch_inputs_count")
                .contains("raccoon_batch_pieces_count")
                .contains("raccoon_request_texts_count");
    }

    @Test
    void metricsNameTheModelAndCoverTheJvm() {
        List<String> scrape = Oracle.get(server, "/metrics").body().lines().toList();
        Classifier classifier = Oracle.classifier();
        // By the directory's name only: its absolute path is the server's business.
        assertThat(scrape).contains("raccoon_model_info{device=\"" + classifier.device() + "\",max_length=\"" + classifier.maxLength()
                + "\",model=\"electra-classifier\",precision=\"fp32\",truncation=\"" + classifier.truncation().id() + "\"} 1");
        assertThat(scrape).anySatisfy(line -> assertThat(line).startsWith("raccoon_batch_queued_inputs "));
        for (String family : List.of("jvm_info{", "jvm_memory_used_bytes{", "jvm_gc_", "jvm_threads_live_threads ",
                "jvm_classes_loaded_classes ", "process_cpu_usage ", "system_cpu_count ", "process_uptime_seconds "))
            assertThat(scrape).as(family).anySatisfy(line -> assertThat(line).startsWith(family));
    }

    @Test
    void requestsJettyRefusesItselfAreCountedToo() throws Exception {
        // Answered by Jetty before Javalin sees them: a bad escape, a request line or a header over Jetty's limits, no Host.
        // A request line Jetty could not read has no method to tell.
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put("GET /%zz HTTP/1.1\r\nHost: x\r\n", "http_server_requests_seconds_count{method=\"OTHER\",status=\"400\",uri=\"other\"}");
        refused.put("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n", "http_server_requests_seconds_count{method=\"OTHER\",status=\"414\",uri=\"other\"}");
        refused.put("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n",
                "http_server_requests_seconds_count{method=\"GET\",status=\"431\",uri=\"/health\"}");
        refused.put("POST /v1/sentiment HTTP/1.1\r\n", "http_server_requests_seconds_count{method=\"POST\",status=\"400\",uri=\"/v1/sentiment\"}");
        // methods Jetty would answer with no body and no count: the server-wide OPTIONS, and HTTP/2's preface
        refused.put("OPTIONS * HTTP/1.1\r\nHost: x\r\n", "http_server_requests_seconds_count{method=\"OPTIONS\",status=\"404\",uri=\"other\"}");
        refused.put("PRI * HTTP/2.0\r\n\r\nSM\r\n", "http_server_requests_seconds_count{method=\"OTHER\",status=\"426\",uri=\"other\"}");
        // A server of its own: the shared one may still count another test's last request while this one reads.
        try (SentimentServer own = SentimentServer.start(Oracle.classifier(), CONFIG)) {
            for (var request : refused.entrySet()) {
                double before = metric(own, request.getValue());
                int status = Oracle.rawStatus(own, (request.getKey() + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                assertThat(request.getValue()).contains("status=\"" + status + "\"");
                assertThat(metricOnceCounted(own, request.getValue(), before) - before).as(request.getValue()).isEqualTo(1.0);
            }
            // Javalin's own answers are still counted once.
            String notFoundSeries = "http_server_requests_seconds_count{method=\"GET\",status=\"404\",uri=\"other\"}";
            double notFound = metric(own, notFoundSeries);
            Oracle.get(own, "/nope");
            assertThat(metricOnceCounted(own, notFoundSeries, notFound) - notFound).isEqualTo(1.0);
        }
    }

    /**
     * The series' value once it has moved past {@code before}, or after 10 s: a request is counted when its answer has
     * gone out, so a client that has read the status may scrape before the count is made.
     */
    private static double metricOnceCounted(SentimentServer server, String series, double before) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        double now;
        while ((now = metric(server, series)) == before && System.nanoTime() < until) Thread.sleep(10);
        return now;
    }

    /** A series' value in the server's /metrics, 0 when it is not there yet. */
    private static double metric(SentimentServer server, String series) {
        return Oracle.get(server, "/metrics").body().lines().filter(line -> line.startsWith(series + " ")).findFirst()
                .map(line -> Double.parseDouble(line.substring(series.length() + 1))).orElse(0.0);
    }

    @Test
    void openApiDescribesTheEndpoints() throws Exception {
        JsonNode doc = json(Oracle.get(server, "/openapi.json"));
        assertThat(doc.get("openapi").asText()).startsWith("3.");
        assertThat(doc.get("paths").has("/v1/sentiment")).isTrue();
        assertThat(doc.get("paths").has("/health")).isTrue();
        assertThat(doc.get("paths").has("/metrics")).isTrue();
        // The request schema carries this server's limits, not the defaults.
        JsonNode request = doc.at("/components/schemas/SentimentRequest/properties");
        assertThat(request.at("/text/maxLength").asInt()).isEqualTo(50);
        assertThat(request.at("/texts/maxItems").asInt()).isEqualTo(8);
        assertThat(request.at("/texts/items/maxLength").asInt()).isEqualTo(50);
        assertThat(doc.at("/paths/~1v1~1sentiment/post/requestBody/content/text~1plain/schema/maxLength").asInt()).isEqualTo(50);
        // Every path served is described, and the description says what else answers: HEAD and a trailing slash.
        assertThat(doc.get("paths").fieldNames()).toIterable().containsExactlyInAnyOrderElementsOf(SentimentServer.KNOWN_PATHS);
        assertThat(doc.at("/info/description").asText()).contains("HEAD answers as GET does").contains("a trailing slash is ignored")
                .contains("any other path is 404");
        // A 503 (busy or stopping) is the client's cue to retry, so the description must not call every 5xx a bug.
        assertThat(doc.at("/paths/~1v1~1sentiment/post/responses").has("503")).isTrue();
        assertThat(doc.at("/info/description").asText()).contains("503 means busy").doesNotContain("a 5xx is a bug");
        doc.get("paths").properties().stream().filter(path -> path.getValue().has("get")).forEach(path -> {
            HttpResponse<String> head = Oracle.send(HttpRequest.newBuilder(Oracle.uri(server, path.getKey()))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
            assertThat(head.statusCode()).as("HEAD " + path.getKey()).isEqualTo(200);
            assertThat(Oracle.get(server, path.getKey() + (path.getKey().equals("/") ? "" : "/")).statusCode())
                    .as("GET " + path.getKey() + "/").isEqualTo(200);
        });
        // Every path says what a wrong method gets, and does get it.
        doc.get("paths").properties().forEach(path -> {
            assertThat(path.getValue().elements().next().get("responses").has("405")).as(path.getKey()).isTrue();
            String wrong = path.getKey().equals("/v1/sentiment") ? "PUT" : "POST";
            HttpResponse<String> r = Oracle.send(HttpRequest.newBuilder(Oracle.uri(server, path.getKey()))
                    .method(wrong, HttpRequest.BodyPublishers.ofString("{}")).build());
            assertThat(r.statusCode()).as(wrong + " " + path.getKey()).isEqualTo(405);
        });
    }

    @Test
    void servesThePageAndItsAssets() {
        HttpResponse<String> page = Oracle.get(server, "/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(page.body()).contains("<textarea").contains("app.js").doesNotContain("http://").doesNotContain("https://");
        assertThat(Oracle.get(server, "/app.js").body()).contains("v1/sentiment");
        assertThat(Oracle.get(server, "/style.css").statusCode()).isEqualTo(200);
    }

    @Test
    void limitsAndMistakesAreClientErrorsInJson() throws Exception {
        assertError(Oracle.post(server, "/v1/sentiment", "{\"text\": \"" + "가".repeat(3000) + "\"}"), 413, "larger than 4096 bytes");
        assertError(Oracle.post(server, "/v1/sentiment", "{\"text\": \"" + "가".repeat(51) + "\"}"), 400, "at most 50");
        assertError(Oracle.post(server, "/v1/sentiment", "{\"texts\": [" + "\"a\",".repeat(8) + "\"a\"]}"), 400, "at most 8");
        assertError(Oracle.post(server, "/v1/sentiment", "{\"texts\": []}"), 400, "empty");
        assertError(Oracle.post(server, "/v1/sentiment", "{\"text\": 5}"), 400, "must be a string");
        assertError(Oracle.post(server, "/v1/sentiment", "{\"texts\": [\"a\", null]}"), 400, "texts[1]");
        assertError(Oracle.post(server, "/v1/sentiment", "{\"text\": \"a\""), 400, "not valid JSON");
        HttpResponse<String> cut = Oracle.post(server, "/v1/sentiment", "{\"texts\": [\"a\"");
        assertThat(json(cut).get("error").asText()).as("where and why, nothing of the parser's own settings")
                .startsWith("the request body is not valid JSON at line 1, column ").doesNotContain("Source").doesNotContain("REDACTED");
        assertError(Oracle.post(server, "/v1/sentiment", "{\"text\": \"a\", \"explain\": \"yes\"}"), 400, "explain");
        for (String body : new String[] {"{\"text\": \"a\"} {\"text\": \"b\"}", "{\"x\": " + "[".repeat(40) + "]".repeat(40) + "}",
                "{\"x\": 1" + "0".repeat(120) + "}"}) {
            HttpResponse<String> r = Oracle.post(server, "/v1/sentiment", body);
            assertThat(json(r).get("error").asText()).as("in words, nothing of the parser's settings")
                    .startsWith("the request body is not valid JSON").doesNotContain("`").doesNotContain("Jackson")
                    .containsAnyOf("more follows the JSON value", "exceeds the maximum allowed (32)", "exceeds the maximum allowed (100)");
        }
        assertError(Oracle.post(server, "/v1/sentiment", "{\"text\": \"\\ud800\"}"), 400, "surrogate");
        assertError(Oracle.send(HttpRequest.newBuilder(Oracle.uri(server, "/v1/sentiment"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[]{'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xC3, '"', '}'}))
                .build()), 400, "UTF-8");
        assertError(post("text/csv", null, "a"), 415, "application/json or text/plain");
        assertError(post("text/plain", null, " \u200b"), 400, "the text/plain body is empty");
        assertError(post("text/plain; charset=euc-kr", null, "a"), 415, "must be UTF-8");
        assertError(Oracle.get(server, "/v2/sentiment"), 404, "no such endpoint");
        assertError(Oracle.post(server, "/v1/sentiment", "{\"text\": \"\\u200b \\u00a0\\u0000\"}"), 400, "\"text\" is empty");
        assertError(post(";", null, "{\"text\": \"a\"}"), 415, "Content-Type must be application/json or text/plain, got ;");
        assertError(post("application/json; charset=latin1", null, "{\"text\": \"a\"}"), 415, "must be UTF-8");
        assertError(post("application/json", "gzip", "{\"text\": \"a\"}"), 415, "Content-Encoding gzip is not supported");
        HttpResponse<String> get = Oracle.get(server, "/v1/sentiment");
        assertError(get, 405, "not allowed");
        assertThat(get.headers().firstValue("Allow")).hasValue("POST, OPTIONS");
        HttpResponse<String> delete = Oracle.send(HttpRequest.newBuilder(Oracle.uri(server, "/health")).DELETE().build());
        assertError(delete, 405, "not allowed");
        assertThat(delete.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }

    @Test
    void aBodyTooLargeIsRefusedBeforeItIsSentWhenTheClientAsksFirst() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /v1/sentiment HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 10000000\r\nExpect: 100-continue\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String status = new String(socket.getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(status).as("413 at once, not 100 Continue and then the 10 MB").isEqualTo("HTTP/1.1 413");
        }
    }

    @Test
    void aBrokenChunkedBodyIsNotBlamedOnTheConnectionAlone() throws Exception {
        for (String size : new String[] {"zz", "ffffffffffffffffff"}) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(("POST /v1/sentiment HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n" + size + "\r\n{}\r\n0\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                String answer = new String(socket.getInputStream().readNBytes(4096), StandardCharsets.UTF_8);
                assertThat(answer).as(size).startsWith("HTTP/1.1 400").contains("or its chunked transfer encoding is broken");
            }
        }
        // a body cut short without chunks: the connection alone is to blame
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /v1/sentiment HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{\"text\"").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            String answer = new String(socket.getInputStream().readNBytes(4096), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 400").contains("the connection ended before it was complete\"").doesNotContain("chunked");
        }
    }

    @Test
    void jsonSentWithoutItsContentTypeOrWithAByteOrderMarkIsStillRead() throws Exception {
        // curl -d sends application/x-www-form-urlencoded unless told otherwise; "utf8" is what many clients write.
        for (String type : new String[] {"application/x-www-form-urlencoded", "application/json; charset=utf8", "application/json; charset=\"UTF-8\""}) {
            HttpResponse<String> r = post(type, null, "{\"text\": \"최고의 영화\"}");
            assertThat(r.statusCode()).as(type + ": " + r.body()).isEqualTo(200);
        }
        assertThat(post("application/json", "identity", "\uFEFF{\"text\": \"최고의 영화\"}").statusCode()).isEqualTo(200);
        // ASCII is UTF-8 too: Hangul as JSON escapes needs nothing more.
        HttpResponse<String> ascii = post("application/json; charset=us-ascii", null, "{\"text\": \"\\ucd5c\\uace0\"}");
        assertThat(ascii.statusCode()).as(ascii.body()).isEqualTo(200);
        assertThat(json(ascii).get("probability").floatValue()).isCloseTo(Oracle.classifier().classify("최고").probability(), within(1e-5f));
        // curl -d "최고의 영화": the review itself, under curl's form type
        HttpResponse<String> review = post("application/x-www-form-urlencoded", null, "최고의 영화");
        assertThat(review.statusCode()).isEqualTo(400);
        assertThat(review.body()).contains("not valid JSON").contains("send it with Content-Type: text/plain");
    }

    @Test
    void aRegressionModelIsRefusedAtStartNotOnEveryRequest(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        for (java.nio.file.Path f : java.nio.file.Files.list(Oracle.dir()).toList()) java.nio.file.Files.copy(f, tmp.resolve(f.getFileName()));
        var config = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(tmp.resolve("config.json").toFile());
        java.nio.file.Files.writeString(tmp.resolve("config.json"), config.put("problem_type", "regression").toString());
        try (Classifier regression = Classifier.load(tmp)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> SentimentServer.start(regression, Oracle.config()))
                    .hasMessageContaining("is a regression model");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new BatchScorer(regression))
                    .hasMessageContaining("is a regression model");
        }
    }

    @Test
    void aTextLongerThanTheModelReadsIsMarkedTruncated() throws Exception {
        JsonNode shortText = json(Oracle.post(server, "/v1/sentiment", "{\"text\": \"최고의 영화\"}"));
        assertThat(shortText.get("truncated").asBoolean()).isFalse();
        // A model that reads 8 tokens: six one-syllable words fit beside [CLS] and [SEP], a seventh does not.
        try (Classifier eight = Classifier.load(Oracle.dir(), Classifier.Options.defaults().withMaxLength(8));
             SentimentServer short8 = SentimentServer.start(eight, Oracle.config())) {
            String fits = "가 나 다 라 마 바", over = fits + " 사";
            for (boolean explain : new boolean[] {false, true}) {
                JsonNode both = json(Oracle.post(short8, "/v1/sentiment", "{\"texts\": [\"" + fits + "\", \"" + over + "\"], \"explain\": " + explain + "}"));
                assertThat(both.get("results").get(0).get("truncated").asBoolean()).isFalse();
                assertThat(both.get("results").get(1).get("truncated").asBoolean()).isTrue();
                if (explain) {
                    // six tokens read: the first one and the last five, the middle ("나") left out after the first
                    JsonNode cut = both.get("results").get(1);
                    assertThat(cut.get("tokens")).extracting(t -> t.get("token").asText())
                            .containsExactly("가", "다", "라", "마", "바", "사");
                    assertThat(cut.get("omitted_after").asInt()).isEqualTo(1);
                    assertThat(both.get("results").get(0).has("omitted_after")).isFalse();
                }
            }
        }
    }

    private HttpResponse<String> post(String contentType, String contentEncoding, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(Oracle.uri(server, "/v1/sentiment"))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentEncoding != null) b.header("Content-Encoding", contentEncoding);
        return Oracle.send(b.build());
    }

    private static void assertError(HttpResponse<String> r, int status, String message) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(json(r).get("error").asText()).contains(message);
    }
}
