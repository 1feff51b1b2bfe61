package dev.raccoon.serve;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Micro-batching merges concurrent requests; a graceful stop answers requests in flight. */
class BatchingAndShutdownTest {

    @Test
    void concurrentRequestsShareAForwardPass() throws Exception {
        try (SentimentServer server = SentimentServer.start(Oracle.classifier(), Oracle.config().withBatching(32, 300))) {
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 12; i++)
                answers.add(Oracle.HTTP.sendAsync(post(server, "{\"text\": \"리뷰 " + i + "번 좋아요\"}"), HttpResponse.BodyHandlers.ofString()));
            for (var a : answers) assertThat(a.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            DistributionSummary pieces = server.registry().find("raccoon.batch.pieces").summary();
            assertThat(pieces.max()).isGreaterThan(1);
            assertThat(pieces.count()).isLessThan(12);
            var max = java.util.regex.Pattern.compile("raccoon_batch_pieces_max ([0-9.]+)").matcher(Oracle.get(server, "/metrics").body());
            assertThat(max.find()).isTrue();
            assertThat(Double.parseDouble(max.group(1))).isGreaterThan(1);
        }
    }

    @Test
    void metricsTellTextsPerRequestApartFromWhatTheBatcherMerges() throws Exception {
        // 20 texts with --max-batch 4 reach the batcher in 5 pieces; with explain, most inputs are [MASK] variants.
        try (SentimentServer server = SentimentServer.start(Oracle.classifier(), Oracle.config().withBatching(4, 0))) {
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < 20; i++) texts.add("영화 " + i + " 재밌다");
            assertThat(Oracle.post(server, "/v1/sentiment", SentimentServer.JSON.writeValueAsString(Map.of("texts", texts))).statusCode()).isEqualTo(200);
            DistributionSummary requestTexts = server.registry().find("raccoon.request.texts").summary();
            DistributionSummary pieces = server.registry().find("raccoon.batch.pieces").summary();
            DistributionSummary inputs = server.registry().find("raccoon.batch.inputs").summary();
            assertThat(requestTexts.count()).isEqualTo(1);
            assertThat(requestTexts.totalAmount()).isEqualTo(20);
            assertThat(pieces.totalAmount()).isEqualTo(5);
            assertThat(inputs.totalAmount()).isEqualTo(20);
            assertThat(inputs.max()).isEqualTo(4);

            String explained = "배우들 연기가 정말 좋았어요";
            assertThat(Oracle.post(server, "/v1/sentiment", "{\"text\": \"" + explained + "\", \"explain\": true}").statusCode()).isEqualTo(200);
            assertThat(requestTexts.count()).isEqualTo(2);
            assertThat(requestTexts.totalAmount()).isEqualTo(21);
            int variants = Oracle.classifier().tokenizer().tokenize(explained).size();
            assertThat(inputs.totalAmount()).isEqualTo(20 + 1 + variants);

            String scrape = Oracle.get(server, "/metrics").body();
            assertThat(scrape).contains("# HELP raccoon_request_texts Texts per POST /v1/sentiment request")
                    .contains("raccoon_request_texts_count 2").contains("raccoon_request_texts_sum 21.0")
                    .contains("# HELP raccoon_batch_pieces Request pieces merged into one micro-batch")
                    .contains("# HELP raccoon_batch_inputs Model inputs per micro-batch");
        }
    }

    @Test
    void theQueueGaugeCountsInputsWaitingForAForwardPass() throws Exception {
        HeldPass pass = new HeldPass();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (MicroBatcher<String> batcher = new MicroBatcher<>(pass.around(texts -> new float[texts.size()][]), 4, 0, 1000, registry)) {
            var queued = registry.find("raccoon.batch.queued.inputs").gauge();
            var first = batcher.submit(List.of("a"));
            assertThat(pass.running.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(queued.value()).as("the pass running is not waiting").isEqualTo(0);
            var second = batcher.submit(List.of("b", "c"));
            var third = batcher.submit(List.of("d", "e", "f"));
            assertThat(queued.value()).isEqualTo(5);
            pass.release.countDown();
            CompletableFuture.allOf(first, second, third).get(10, TimeUnit.SECONDS);
            assertThat(queued.value()).isEqualTo(0);
        }
    }

    @Test
    void aFullQueueRefusesNewRequestsButNeverTheLaterPiecesOfOnesLetIn() throws Exception {
        HeldPass pass = new HeldPass();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (MicroBatcher<String> batcher = new MicroBatcher<>(pass.around(texts -> new float[texts.size()][]), 2, 0, 2, registry)) {
            var first = batcher.offer(List.of("a"));
            assertThat(pass.running.await(10, TimeUnit.SECONDS)).isTrue();
            var alone = batcher.offer(List.of("b", "c", "d"));
            assertThat(alone).as("nothing waited: in, though larger than the limit").isNotDone();
            var refused = batcher.offer(List.of("e"));
            assertThat(refused).isCompletedExceptionally();
            assertThatThrownBy(refused::join).hasCauseInstanceOf(MicroBatcher.QueueFull.class)
                    .hasMessageContaining("3 model inputs are waiting, and this request's 1 would make more than --max-queued 2");
            var laterPiece = batcher.submit(List.of("f", "g"));
            assertThat(laterPiece).isNotDone();
            assertThat(registry.find("raccoon.batch.refused.requests").counter().count()).isEqualTo(1);
            pass.release.countDown();
            CompletableFuture.allOf(first, alone, laterPiece).get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anOverloadedServerAnswers503WithRetryAfterAtOnceAndWhenFullBeforeReadingTheBody() throws Exception {
        HeldPass pass = new HeldPass();
        // pieces of up to 2 inputs, so that the 2 texts below reach the batcher together
        SentimentServer server = SentimentServer.start(Oracle.classifier(), pass.around(Oracle.classifier()::logitsOf),
                Oracle.config().withBatching(2, 0).withMaxQueued(2));
        try (server) {
            var inPass = Oracle.HTTP.sendAsync(post(server, "{\"text\": \"첫 리뷰\"}"), HttpResponse.BodyHandlers.ofString());
            assertThat(pass.running.await(30, TimeUnit.SECONDS)).isTrue();
            var waiting = Oracle.HTTP.sendAsync(post(server, "{\"text\": \"둘째 리뷰\"}"), HttpResponse.BodyHandlers.ofString());
            assertThat(queuedInputsOnceAtLeast(server, 1)).isEqualTo(1);

            HttpResponse<String> busy = Oracle.HTTP.send(post(server, "{\"texts\": [\"셋째 리뷰\", \"넷째 리뷰\"]}"), HttpResponse.BodyHandlers.ofString());
            assertThat(busy.statusCode()).isEqualTo(503);
            assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(busy.body()).isEqualTo("{\"error\":\"the server is busy: 1 model input is waiting, and this request's 2 would make more than --max-queued 2; try again shortly\"}");

            // Once the queue is full, any request would be refused: it is, before its body is parsed (a body that is
            // not even JSON gets the 503, not a 400) or, from a client that waits for 100 Continue, even sent.
            var alsoWaiting = Oracle.HTTP.sendAsync(post(server, "{\"text\": \"셋째 리뷰\"}"), HttpResponse.BodyHandlers.ofString());
            assertThat(queuedInputsOnceAtLeast(server, 2)).isEqualTo(2);
            HttpResponse<String> unread = Oracle.HTTP.send(post(server, "{not json"), HttpResponse.BodyHandlers.ofString());
            assertThat(unread.statusCode()).isEqualTo(503);
            assertThat(unread.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(unread.body()).isEqualTo("{\"error\":\"the server is busy: 2 model inputs are waiting, as many as --max-queued 2 allows; try again shortly\"}");
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(("POST /v1/sentiment HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 100\r\nExpect: 100-continue\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                String status = new String(socket.getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII);
                assertThat(status).as("503 at once, not 100 Continue").isEqualTo("HTTP/1.1 503");
            }

            pass.release.countDown();
            for (var admitted : List.of(inPass, waiting, alsoWaiting)) assertThat(admitted.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(Oracle.get(server, "/metrics").body()).contains("raccoon_batch_refused_requests_total 3.0");
        }
    }

    @Test
    void warmUpRunsFullBatchesOfTheLongestTextsBeforeTheServerListens() throws Exception {
        List<List<dev.raccoon.text.Encoding>> passes = java.util.Collections.synchronizedList(new ArrayList<>());
        Function<List<dev.raccoon.text.Encoding>, float[][]> model = inputs -> {
            passes.add(List.copyOf(inputs));
            return Oracle.classifier().logitsOf(inputs);
        };
        try (SentimentServer server = SentimentServer.start(Oracle.classifier(), model,
                Oracle.config().withBatching(4, 0).withWarmUpPasses(3))) {
            assertThat(passes).as("all run before start returned, so before it listened").hasSize(3);
            for (List<dev.raccoon.text.Encoding> pass : passes) {
                assertThat(pass).hasSize(4);
                for (var input : pass) assertThat(input.length()).isEqualTo(Oracle.classifier().maxLength());
            }
            assertThat(Oracle.post(server, "/v1/sentiment", "{\"text\": \"좋아요\"}").statusCode()).isEqualTo(200);
            assertThat(passes).hasSize(4);
        }
    }

    @Test
    void batcherRespectsMaxBatchAndKeepsRequestsWhole() throws Exception {
        List<Integer> sizes = java.util.Collections.synchronizedList(new ArrayList<>());
        try (MicroBatcher<String> batcher = new MicroBatcher<String>(texts -> {
            sizes.add(texts.size());
            float[][] out = new float[texts.size()][];
            for (int i = 0; i < out.length; i++) out[i] = new float[]{Float.parseFloat(texts.get(i))};
            return out;
        }, 4, 1000, 1000, new SimpleMeterRegistry())) {
            List<CompletableFuture<float[][]>> all = new ArrayList<>();
            all.add(batcher.submit(List.of("0")));
            for (int i = 1; i <= 6; i++) all.add(batcher.submit(List.of(i + "", (i * 10) + "")));
            assertThat(all.getFirst().get(10, TimeUnit.SECONDS)[0][0]).isEqualTo(0f);
            for (int i = 1; i <= 6; i++) {
                float[][] got = all.get(i).get(10, TimeUnit.SECONDS);
                assertThat(got[0][0]).isEqualTo(i);
                assertThat(got[1][0]).isEqualTo(i * 10);
            }
            // At most 4 texts a pass and no request split: 1+2, then 2+2, 2+2, and the last 2 after the wait.
            assertThat(sizes).containsExactly(3, 4, 4, 2);
        }
    }

    @Test
    void gracefulStopFinishesTheRequestInFlight() throws Exception {
        // The batcher holds a lone request for 1.5 s waiting for company: it is in flight when the stop begins.
        SentimentServer server = SentimentServer.start(Oracle.classifier(), Oracle.config().withBatching(32, 1500));
        CompletableFuture<HttpResponse<String>> inFlight =
                Oracle.HTTP.sendAsync(post(server, "{\"text\": \"끝까지 답해 주세요\"}"), HttpResponse.BodyHandlers.ofString());
        assertThat(queuedInputsOnceAtLeast(server, 1)).as("the request reached the batcher").isEqualTo(1);
        int port = server.port();
        long start = System.nanoTime();
        server.close();
        HttpResponse<String> answer = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("\"label\"");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("close waited for it").isGreaterThan(500);
        HttpRequest late = HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/health")).build();
        assertThatThrownBy(() -> Oracle.HTTP.send(late, HttpResponse.BodyHandlers.ofString())).isInstanceOf(ConnectException.class);
    }

    @Test
    void requestsStillQueuedWhenTheGraceEndsAre503AndTheStopDoesNotWaitForThem() throws Exception {
        // a forward pass of 3 s, one request a pass: the first runs, the next three wait their turn
        java.util.concurrent.CountDownLatch firstPass = new java.util.concurrent.CountDownLatch(1);
        SentimentServer server = SentimentServer.start(Oracle.classifier(), encodings -> {
            firstPass.countDown();
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return Oracle.classifier().logitsOf(encodings);
        }, Oracle.config().withBatching(1, 0).withShutdownGraceMs(300));
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        answers.add(Oracle.HTTP.sendAsync(post(server, "{\"text\": \"첫 리뷰\"}"), HttpResponse.BodyHandlers.ofString()));
        assertThat(firstPass.await(30, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 3; i++)
            answers.add(Oracle.HTTP.sendAsync(post(server, "{\"text\": \"리뷰 " + i + "\"}"), HttpResponse.BodyHandlers.ofString()));
        assertThat(queuedInputsOnceAtLeast(server, 3)).as("they wait while the first pass runs").isEqualTo(3);
        long start = System.nanoTime();
        server.close();
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        List<Integer> statuses = new ArrayList<>();
        for (var a : answers) {
            HttpResponse<String> r = a.get(30, TimeUnit.SECONDS);
            statuses.add(r.statusCode());
            if (r.statusCode() == 503) assertThat(r.body()).isEqualTo("{\"error\":\"the server is shutting down\"}");
        }
        assertThat(statuses).containsExactly(200, 503, 503, 503);
        // Correct, the stop takes what is left of the pass running (under 3 s); waiting for the three queued would take
        // 9 s more, at least (their passes sleep): 8 s tells the two apart with room for a loaded machine.
        assertThat(took).as("the pass running, not three more of 3 s").isLessThan(8000);
    }

    @Test
    void anExplanationTakesTurnsWithOtherRequestsInPiecesOfTheMaximumBatch() throws Exception {
        List<Integer> passes = java.util.Collections.synchronizedList(new ArrayList<>());
        SentimentServer server = SentimentServer.start(Oracle.classifier(), encodings -> {
            passes.add(encodings.size());
            try {
                // The explanation (35 inputs) takes five passes: after its first, four more, against the single request's
                // one and its round trip, which on a loaded machine needs that room.
                Thread.sleep(300);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return Oracle.classifier().logitsOf(encodings);
        }, Oracle.config().withBatching(8, 0));
        try (server) {
            List<String> reviews = List.of("배우들 연기가 정말 좋았고 스토리도 탄탄했어요", "시간이 아까운 영화 다시는 안 봅니다",
                    "음악이 좋아서 끝까지 봤는데 결말이 아쉬웠다", "그냥 그랬어요 기대 이하");
            String body = SentimentServer.JSON.writeValueAsString(java.util.Map.of("texts", reviews, "explain", true));
            CompletableFuture<HttpResponse<String>> explained = Oracle.HTTP.sendAsync(post(server, body), HttpResponse.BodyHandlers.ofString());
            // Sent once the explanation is in the model, so that it has to take turns with it.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (passes.isEmpty() && System.nanoTime() < until) Thread.sleep(5);
            assertThat(passes).as("the explanation's first pass has begun").isNotEmpty();
            HttpResponse<String> single = Oracle.HTTP.send(post(server, "{\"text\": \"최고\"}"), HttpResponse.BodyHandlers.ofString());
            assertThat(single.statusCode()).isEqualTo(200);
            assertThat(explained).as("the single request did not wait for the whole explanation").isNotDone();
            HttpResponse<String> answer = explained.get(30, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(passes).allMatch(n -> n <= 8);
            // the same answers as one pass over everything
            var whole = dev.raccoon.api.Answers.of(Oracle.classifier(), reviews, true).run();
            var results = SentimentServer.JSON.readTree(answer.body()).get("results");
            for (int i = 0; i < reviews.size(); i++) assertThat(results.get(i).toString()).isEqualTo(whole.get(i).toJson().toString());
        }
    }

    @Test
    void closedBatcherRefusesNewWork() {
        MicroBatcher<String> batcher = new MicroBatcher<String>(texts -> new float[texts.size()][1], 8, 0, 1000, new SimpleMeterRegistry());
        batcher.close();
        assertThatThrownBy(() -> batcher.submit(List.of("a")).get()).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
    }

    /** A forward pass that says when it has begun and then waits to be let through. */
    private static final class HeldPass {
        final CountDownLatch running = new CountDownLatch(1), release = new CountDownLatch(1);

        <T> Function<List<T>, float[][]> around(Function<List<T>, float[][]> model) {
            return inputs -> {
                running.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return model.apply(inputs);
            };
        }
    }

    /**
     * The model inputs waiting in the server's batcher once there are at least {@code inputs}, or after 30 s: a request
     * sent asynchronously reaches the batcher when the client's and the server's threads get to it, which on a
     * loaded machine can take longer than any fixed sleep.
     */
    private static double queuedInputsOnceAtLeast(SentimentServer server, int inputs) throws InterruptedException {
        var queued = server.registry().find("raccoon.batch.queued.inputs").gauge();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (queued.value() < inputs && System.nanoTime() < until) Thread.sleep(5);
        return queued.value();
    }

    /** A POST that fails after a minute: a request the test wrongly expects to be answered must not hang the build. */
    private static HttpRequest post(SentimentServer server, String json) {
        return HttpRequest.newBuilder(Oracle.uri(server, "/v1/sentiment")).header("Content-Type", "application/json")
                .timeout(java.time.Duration.ofMinutes(1))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
    }
}
