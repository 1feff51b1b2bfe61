package dev.raccoon.serve;

import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Browser pages of other origins: allowed ones get CORS headers and preflight answers, others none. */
class CorsTest {
    private static final String APP = "http://localhost:3000";
    private static final String BODY = "{\"text\": \"영화 정말 재밌어요\"}";

    private static HttpResponse<String> post(SentimentServer server, String origin, String body) {
        return Oracle.send(HttpRequest.newBuilder(Oracle.uri(server, "/v1/sentiment")).header("Origin", origin)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build());
    }

    private static HttpResponse<String> preflight(SentimentServer server, String origin) {
        return Oracle.send(HttpRequest.newBuilder(Oracle.uri(server, "/v1/sentiment")).header("Origin", origin)
                .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "content-type")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
    }

    private static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    @Test
    void anAllowedOriginGetsPreflightAndAllowHeadersOthersDoNot() {
        try (SentimentServer server = SentimentServer.start(Oracle.classifier(), Oracle.config().withCorsOrigins(List.of(APP)))) {
            HttpResponse<String> ok = preflight(server, APP);
            assertThat(ok.statusCode()).isEqualTo(204);
            assertThat(header(ok, "Access-Control-Allow-Origin")).isEqualTo(APP);
            assertThat(header(ok, "Access-Control-Allow-Methods")).isEqualTo("POST");
            assertThat(header(ok, "Access-Control-Allow-Headers")).isEqualTo("content-type");

            HttpResponse<String> scored = post(server, APP, BODY);
            assertThat(scored.statusCode()).isEqualTo(200);
            assertThat(header(scored, "Access-Control-Allow-Origin")).isEqualTo(APP);
            assertThat(header(scored, "Vary")).isEqualTo("Origin");
            assertThat(scored.body()).contains("\"label\"");
            // An error must reach the page too, or the browser shows a CORS failure instead of the message.
            HttpResponse<String> bad = post(server, APP, "{\"txt\": 1}");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(header(bad, "Access-Control-Allow-Origin")).isEqualTo(APP);

            String other = "https://elsewhere.example";
            HttpResponse<String> refused = preflight(server, other);
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(refused.body()).contains("--cors-origin " + other);
            assertThat(header(refused, "Access-Control-Allow-Origin")).isNull();
            // A client that is no browser still gets its answer; a browser keeps it from the page (no allow header).
            HttpResponse<String> notBrowser = post(server, other, BODY);
            assertThat(notBrowser.statusCode()).isEqualTo(200);
            assertThat(notBrowser.body()).isEqualTo(scored.body());
            assertThat(header(notBrowser, "Access-Control-Allow-Origin")).isNull();
            assertThat(header(notBrowser, "Vary")).isEqualTo("Origin");
        }
    }

    @Test
    void starAllowsEveryOriginAndNoneAllowsNone() {
        try (SentimentServer any = SentimentServer.start(Oracle.classifier(), Oracle.config().withCorsOrigins(List.of("*")))) {
            assertThat(header(preflight(any, "https://a.example"), "Access-Control-Allow-Origin")).isEqualTo("*");
            assertThat(header(post(any, "https://b.example", BODY), "Access-Control-Allow-Origin")).isEqualTo("*");
        }
        try (SentimentServer none = SentimentServer.start(Oracle.classifier(), Oracle.config())) {
            assertThat(preflight(none, APP).statusCode()).isEqualTo(403);
            HttpResponse<String> r = post(none, APP, BODY);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(header(r, "Access-Control-Allow-Origin")).isNull();
            HttpResponse<String> plain = Oracle.send(HttpRequest.newBuilder(Oracle.uri(none, "/v1/sentiment"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
            assertThat(plain.statusCode()).isEqualTo(204);
            assertThat(header(plain, "Allow")).isEqualTo("POST, OPTIONS");
        }
    }

    @Test
    void originsThatNoBrowserSendsAreRefused() {
        ServeConfig c = ServeConfig.defaults();
        for (String bad : List.of("https://app.example.com/", "app.example.com", "ftp://app.example.com", "https://a.example/x", "http://"))
            assertThatThrownBy(() -> c.withCorsOrigins(List.of(bad))).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + bad + "' is not a web origin");
        assertThatThrownBy(() -> c.withCorsOrigins(List.of("*", APP))).hasMessageContaining("give it alone");
        assertThat(c.withCorsOrigins(List.of(APP, "https://app.example.com:8443")).corsOrigins()).hasSize(2);
    }
}
