package dev.raccoon.serve;

import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 1,000 seeded bad requests of many kinds (random bytes, truncated JSON, wrong types, huge numbers, deep nesting,
 * broken UTF-8, wrong content types, methods and paths, raw protocol garbage): every one gets a 4xx, and the
 * server still answers /health afterwards.
 */
class FuzzRequestsTest {
    private static final int REQUESTS = 1000;
    private static SentimentServer server;

    @BeforeAll
    static void start() {
        server = SentimentServer.start(Oracle.classifier(), Oracle.config().withLimits(16 * 1024, 8, 200));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void badRequestsGetClientErrorsOnly() throws Exception {
        Random random = new Random(20240611);
        Map<String, Integer> statuses = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        String previous = "";
        for (int i = 0; i < REQUESTS; i++) {
            int kind = random.nextInt(12);
            Bad bad = kind == 11 ? null : request(kind, random);
            int status;
            String what;
            if (bad == null) {
                byte[] raw = garbage(random);
                what = "raw " + printable(raw);
                status = Oracle.rawStatus(server, raw);
            } else {
                what = bad.method + " " + bad.path + " " + bad.contentType + " " + printable(bad.body);
                HttpRequest.Builder b = HttpRequest.newBuilder(Oracle.uri(server, bad.path)).timeout(Duration.ofSeconds(10))
                        .method(bad.method, HttpRequest.BodyPublishers.ofByteArray(bad.body));
                if (bad.contentType != null) b.header("Content-Type", bad.contentType);
                try {
                    status = Oracle.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
                } catch (java.io.IOException e) {
                    // HTTP/1.1 lets a server close a kept-alive connection just as the client reuses it, and the
                    // JDK client does not retry a POST: once more on a new connection, and that one must answer.
                    statuses.merge("retried", 1, Integer::sum);
                    try (java.net.http.HttpClient fresh = java.net.http.HttpClient.newHttpClient()) {
                        status = fresh.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
                    } catch (java.io.IOException again) {
                        failures.add("no answer (" + again.getMessage() + ") for " + what + " after " + previous);
                        previous = what;
                        continue;
                    }
                }
            }
            statuses.merge(kind + ":" + status, 1, Integer::sum);
            previous = status + " for " + what;
            // Raw garbage may also be dropped without an answer (status 0): that is not a server error either.
            if (status >= 500 || (status < 400 && !(bad == null && status == 0))) failures.add(status + " for " + what);
        }
        assertThat(failures).as("kind:status counts %s", statuses).isEmpty();
        assertThat(Oracle.get(server, "/health").statusCode()).isEqualTo(200);
        assertThat(Oracle.post(server, "/v1/sentiment", "{\"text\": \"여전히 잘 됩니다\"}").statusCode()).isEqualTo(200);
        for (Timer t : server.registry().find("http.server.requests").timers())
            assertThat(t.getId().getTag("status")).doesNotStartWith("5");
    }

    private record Bad(String method, String path, String contentType, byte[] body) {
        Bad(String json) {
            this("POST", "/v1/sentiment", "application/json", json.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static final String[] VALID = {"{\"text\": \"영화 정말 재밌어요\"}", "{\"texts\": [\"좋다\", \"별로\"], \"explain\": true}",
            "{\"text\": \"시간 아깝다\", \"explain\": false}"};

    private static Bad request(int kind, Random r) {
        return switch (kind) {
            case 0 -> { // random bytes
                byte[] b = new byte[r.nextInt(200)];
                r.nextBytes(b);
                yield new Bad("POST", "/v1/sentiment", "application/json", b);
            }
            case 1 -> { // truncated JSON: every proper prefix of an object is incomplete
                String v = VALID[r.nextInt(VALID.length)];
                yield new Bad(v.substring(0, r.nextInt(v.length() - 1)));
            }
            case 2 -> new Bad(pick(r, "{\"text\": 5}", "{\"text\": [\"a\"]}", "{\"text\": {\"a\": 1}}", "{\"text\": true}",
                    "{\"text\": null}", "{\"texts\": \"a\"}", "{\"texts\": [1, 2]}", "{\"texts\": {\"0\": \"a\"}}",
                    "{\"texts\": [[\"a\"]]}", "{\"texts\": [\"a\", null]}", "{\"text\": \"a\", \"explain\": \"yes\"}",
                    "{\"text\": \"a\", \"explain\": 1}", "[\"a\"]", "\"a\"", "42", "null", "true", "{}",
                    "{\"texts\": []}", "{\"text\": \"\"}", "{\"text\": \"   \"}", "{\"text\": \"a\", \"texts\": [\"b\"]}",
                    "{\"txt\": \"a\"}", "{\"text\": \"a\", \"text\": \"b\"}", "{\"text\": \"a\"} {\"text\": \"b\"}",
                    "{\"text\": \"a\",}", "{'text': 'a'}", "{\"text\": \"\\ud800\"}", "{\"text\": \"a\\udc00b\"}"));
            case 3 -> { // huge numbers
                String digits = "9".repeat(1 + r.nextInt(5000));
                yield new Bad(pick(r, "{\"text\": " + digits + "}", "{\"texts\": [" + digits + "]}",
                        "{\"text\": \"a\", \"explain\": -" + digits + ".5e99999}", "{\"text\": 1e999999999}",
                        "{\"explain\": 0." + digits + "}"));
            }
            case 4 -> { // deep nesting
                int depth = 20 + r.nextInt(20_000);
                String open = r.nextBoolean() ? "[" : "{\"a\":", close = open.equals("[") ? "]" : "}";
                yield new Bad("{\"text\": " + open.repeat(depth) + "1" + close.repeat(depth) + "}");
            }
            case 5 -> { // broken UTF-8 inside an otherwise valid body
                byte[][] broken = {{(byte) 0xC3}, {(byte) 0xFF}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                        {(byte) 0xE4, (byte) 0xB8}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}};
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                b.writeBytes("{\"text\": \"영화".getBytes(StandardCharsets.UTF_8));
                b.writeBytes(broken[r.nextInt(broken.length)]);
                b.writeBytes("재밌어요\"}".getBytes(StandardCharsets.UTF_8));
                yield new Bad("POST", "/v1/sentiment", "application/json", b.toByteArray());
            }
            case 6 -> new Bad("POST", "/v1/sentiment", pick(r, "text/csv", "application/xml", "multipart/form-data; boundary=x",
                    "application/json; charset=latin1", "application/json; charset=utf-16", ";", " ; ;",
                    "image/png", "*/*", "application/jsonx"), VALID[r.nextInt(VALID.length)].getBytes(StandardCharsets.UTF_8));
            case 7 -> { // over the limits
                int n = r.nextInt(3);
                String body = n == 0 ? "{\"texts\": [" + "\"a\",".repeat(8 + r.nextInt(100)) + "\"a\"]}"
                        : n == 1 ? "{\"text\": \"" + "가".repeat(201 + r.nextInt(1000)) + "\"}"
                        : "{\"text\": \"" + "a".repeat(16 * 1024 + r.nextInt(100_000)) + "\"}";
                yield new Bad(body);
            }
            case 8 -> new Bad(pick(r, "PUT", "DELETE", "PATCH", "OPTIONSX", "FOO", "TRACE"),
                    pick(r, "/v1/sentiment", "/health", "/metrics", "/openapi.json"), "application/json", new byte[0]);
            case 9 -> new Bad(pick(r, "GET", "POST"), pick(r, "/v1", "/v2/sentiment", "/admin", "/v1/sentiment/x",
                    "/v1/sentiment/../../etc/passwd", "/%2e%2e/%2e%2e", "/index.html", "/static/app.js", "/health/x",
                    "/metrics/x?x=" + r.nextInt(), "/" + Long.toHexString(r.nextLong()), "/%ff%fe"),
                    "application/json", VALID[0].getBytes(StandardCharsets.UTF_8));
            default -> { // explain over its limit, empty and blank bodies
                yield new Bad(pick(r, "{\"texts\": [" + "\"a\",".repeat(16) + "\"a\"], \"explain\": true}", "", " \n ", "\uFEFF{}"));
            }
        };
    }

    @SafeVarargs
    private static <T> T pick(Random r, T... options) {
        return options[r.nextInt(options.length)];
    }

    /** Malformed HTTP straight onto a socket: bad request lines, headers and lengths. */
    private static byte[] garbage(Random r) {
        byte[] noise = new byte[1 + r.nextInt(64)];
        r.nextBytes(noise);
        String s = switch (r.nextInt(7)) {
            case 0 -> new String(noise, StandardCharsets.ISO_8859_1) + "\r\n\r\n";
            case 1 -> "POST /v1/sentiment HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n";
            case 2 -> "POST /v1/sentiment HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n";
            case 3 -> "GET / HTTP/9.9\r\nHost: x\r\n\r\n";
            case 4 -> "GET /" + "a".repeat(100_000) + " HTTP/1.1\r\nHost: x\r\n\r\n";
            case 5 -> "POST /v1/sentiment HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n";
            default -> "GET /health HTTP/1.1\r\nHost: x\r\nX-Bad Header: 1\r\n\r\n";
        };
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String printable(byte[] b) {
        String s = new String(b, 0, Math.min(b.length, 80), StandardCharsets.UTF_8);
        return s.replaceAll("\\p{Cntrl}", "?");
    }
}
