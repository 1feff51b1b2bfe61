package dev.raccoon.serve;

import dev.raccoon.api.Classifier;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * On demand only ({@code -Draccoon.loadtest=true}): an open-loop load of {@code raccoon.loadtest.rps} (200)
 * single-review requests per second for {@code raccoon.loadtest.seconds} (60) on loopback, at most
 * {@code raccoon.loadtest.inflight} (256) in flight (a request that finds no slot counts as an error), latency
 * measured from each request's scheduled time so a stalled server cannot hide its queueing. Model:
 * {@code raccoon.loadtest.model} (default: the oracle's tiny classifier) on {@code raccoon.loadtest.device} (cpu).
 *
 * <pre>./mvn25 -B -ntp -pl raccoon-serve test -Dtest=LoadTest -Draccoon.loadtest=true</pre>
 */
class LoadTest {
    private static final List<String> REVIEWS = List.of("영화 정말 재밌어요", "시간 아깝다", "배우들 연기가 좋았어요 근데 스토리는 별로",
            "ㅋㅋㅋ 최고의 영화", "다시 보고 싶다 강력 추천", "지루해서 중간에 나왔어요", "음악이 너무 좋네요",
            "감독의 전작보다 못하다", "그냥 그랬다 평범함", "올해 본 영화 중 최고! 배우, 연출, 음악 모두 훌륭합니다");

    @Test
    void sustainedLoad() throws Exception {
        assumeTrue(Boolean.getBoolean("raccoon.loadtest"), "run with -Draccoon.loadtest=true");
        int rps = Integer.getInteger("raccoon.loadtest.rps", 200);
        int seconds = Integer.getInteger("raccoon.loadtest.seconds", 60);
        int maxInFlight = Integer.getInteger("raccoon.loadtest.inflight", 256);
        String device = System.getProperty("raccoon.loadtest.device", "cpu");
        String modelDir = System.getProperty("raccoon.loadtest.model", Oracle.dir().toString());
        try (Classifier classifier = Classifier.load(java.nio.file.Path.of(modelDir), Classifier.Options.defaults().withDevice(device));
             SentimentServer server = SentimentServer.start(classifier, Oracle.config())) {
            // Warm-up: JIT and connections.
            for (int i = 0; i < 200; i++) Oracle.post(server, "/v1/sentiment", "{\"text\": \"" + REVIEWS.get(i % REVIEWS.size()) + "\"}");

            int total = rps * seconds;
            AtomicLongArray latencyNanos = new AtomicLongArray(total);
            AtomicInteger errors = new AtomicInteger(), rejected = new AtomicInteger(), non200 = new AtomicInteger();
            Semaphore slots = new Semaphore(maxInFlight);
            List<CompletableFuture<?>> pending = new ArrayList<>(total);
            long start = System.nanoTime(), interval = TimeUnit.SECONDS.toNanos(1) / rps;
            for (int i = 0; i < total; i++) {
                long scheduled = start + i * interval;
                long wait = scheduled - System.nanoTime();
                if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
                if (!slots.tryAcquire()) {
                    rejected.incrementAndGet();
                    latencyNanos.set(i, -1);
                    continue;
                }
                int n = i;
                HttpRequest request = HttpRequest.newBuilder(Oracle.uri(server, "/v1/sentiment")).timeout(java.time.Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"text\": \"" + REVIEWS.get(i % REVIEWS.size()) + "\"}")).build();
                pending.add(Oracle.HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
                    latencyNanos.set(n, System.nanoTime() - scheduled);
                    if (e != null) errors.incrementAndGet();
                    else if (r.statusCode() != 200) non200.incrementAndGet();
                    slots.release();
                }));
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).handle((v, e) -> null).get(60, TimeUnit.SECONDS);
            double elapsed = (System.nanoTime() - start) / 1e9;

            long[] ok = new long[total];
            int m = 0;
            for (int i = 0; i < total; i++) if (latencyNanos.get(i) > 0) ok[m++] = latencyNanos.get(i);
            ok = Arrays.copyOf(ok, m);
            Arrays.sort(ok);
            var batch = server.registry().find("raccoon.batch.inputs").summary();
            String report = String.format(Locale.ROOT,
                    "load test: %d requests in %.1f s (%.1f/s offered %d/s), errors %d (transport %d, non-200 %d, no slot %d); "
                            + "latency ms p50 %.2f p95 %.2f p99 %.2f max %.2f; batches %d, mean %.2f texts, max %.0f; "
                            + "model %s, device %s, %d cores, JDK %s",
                    total, elapsed, total / elapsed, rps, errors.get() + non200.get() + rejected.get(), errors.get(), non200.get(),
                    rejected.get(), pct(ok, 50), pct(ok, 95), pct(ok, 99), ok.length == 0 ? 0 : ok[ok.length - 1] / 1e6,
                    batch.count(), batch.mean(), batch.max(), modelDir, classifier.device(),
                    Runtime.getRuntime().availableProcessors(), Runtime.version());
            System.out.println(report);
            assertThat(errors.get() + non200.get()).as(report).isZero();
        }
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) return Double.NaN;
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)] / 1e6;
    }
}
