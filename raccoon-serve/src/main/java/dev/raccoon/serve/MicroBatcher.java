package dev.raccoon.serve;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Merges concurrent requests into one forward pass. Requests wait in a queue; a single batching thread takes the
 * first, keeps taking more until {@code maxBatch} texts are gathered or {@code maxWaitMs} has passed since the first
 * arrived, runs the model once over all of them and hands each request its rows. A request is never split, so one
 * larger than {@code maxBatch} runs on its own (the classifier chunks it by its own batch size); the server sends
 * none larger ({@link SentimentService}). Once {@code maxQueued} inputs wait, a new request is refused at once
 * ({@link #offer}) rather than queued behind all of them; an admitted request's later pieces always join.
 * One forward pass at a time also keeps the CPU backend's threads from competing with each other. {@code T} is what
 * the model takes per text: an encoding for the server, whatever a test likes.
 */
final class MicroBatcher<T> implements AutoCloseable {
    private record Job<T>(List<T> texts, CompletableFuture<float[][]> result) {}

    private final Function<List<T>, float[][]> model;
    private final int maxBatch;
    private final int maxQueued;
    private final long maxWaitNanos;
    private final LinkedBlockingQueue<Job<T>> queue = new LinkedBlockingQueue<>();
    private final DistributionSummary batchInputs, batchPieces;
    private final Counter refused;
    /** Inputs submitted and not yet run or refused: those in the queue, the batch being gathered and the carried job. */
    private final AtomicInteger queuedInputs = new AtomicInteger();
    private final Thread thread;
    private volatile boolean accepting = true;
    /** A job taken from the queue that did not fit the batch being gathered; it opens the next one. */
    private Job<T> carried;

    MicroBatcher(Function<List<T>, float[][]> model, int maxBatch, int maxWaitMs, int maxQueued, MeterRegistry registry) {
        this.model = model;
        this.maxBatch = maxBatch;
        this.maxQueued = maxQueued;
        this.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(maxWaitMs);
        // A request reaches the batcher in pieces (SentimentService), and with explain most inputs are variants of its
        // texts: these count what the batcher merges, raccoon_request_texts what clients sent.
        this.batchInputs = DistributionSummary.builder("raccoon.batch.inputs")
                .description("Model inputs per micro-batch (texts and, with explain, their [MASK] variants): up to --max-batch,"
                        + " run in forward passes of up to --batch-size")
                .publishPercentileHistogram()
                .minimumExpectedValue(1.0).maximumExpectedValue((double) Math.max(2, maxBatch))
                .register(registry);
        this.batchPieces = DistributionSummary.builder("raccoon.batch.pieces")
                .description("Request pieces merged into one micro-batch; a request goes to the batcher in pieces of up to"
                        + " --max-batch inputs")
                .publishPercentileHistogram()
                .minimumExpectedValue(1.0).maximumExpectedValue((double) Math.max(2, maxBatch))
                .register(registry);
        Gauge.builder("raccoon.batch.queued.inputs", queuedInputs, AtomicInteger::get)
                .description("Model inputs waiting for a forward pass in the micro-batcher; an explained request's later"
                        + " pieces join once its earlier ones are answered")
                .register(registry);
        this.refused = Counter.builder("raccoon.batch.refused.requests")
                .description("Requests refused with 503 because --max-queued model inputs were already waiting")
                .register(registry);
        this.thread = Thread.ofPlatform().name("raccoon-batcher").daemon().start(this::loop);
    }

    /**
     * Logits per text, in order, for a piece of a request already admitted by {@link #offer}; fails with
     * {@link IllegalStateException} once the batcher is closing.
     */
    CompletableFuture<float[][]> submit(List<T> texts) {
        return enqueue(texts, false);
    }

    /**
     * {@link #submit} for the first piece of a new request, which fails with {@link QueueFull} instead of joining
     * when other inputs wait and with it more than {@code maxQueued} would (alone in the queue it always joins).
     */
    CompletableFuture<float[][]> offer(List<T> texts) {
        return enqueue(texts, true);
    }

    /**
     * The refusal {@link #offer} would give any new request now, however small, or null when one could join: lets
     * the server refuse before reading and tokenizing a body that could not join anyway. Counted as a refusal.
     */
    QueueFull refuseAnyNewRequest() {
        int waiting = queuedInputs.get();
        if (waiting < maxQueued) return null;
        refused.increment();
        return new QueueFull(waiting, maxQueued);
    }

    private CompletableFuture<float[][]> enqueue(List<T> texts, boolean refuseWhenFull) {
        CompletableFuture<float[][]> result = new CompletableFuture<>();
        synchronized (this) { // so that no job slips in after close() has seen the queue for the last time
            if (accepting) {
                int waiting = queuedInputs.get();
                if (refuseWhenFull && waiting > 0 && waiting + texts.size() > maxQueued) {
                    refused.increment();
                    result.completeExceptionally(new QueueFull(waiting, texts.size(), maxQueued));
                    return result;
                }
                queuedInputs.addAndGet(texts.size()); // before the batcher can take it, so the gauge never goes negative
                queue.add(new Job<>(List.copyOf(texts), result));
                return result;
            }
        }
        result.completeExceptionally(new IllegalStateException("the server is shutting down"));
        return result;
    }

    /** A request refused because its inputs would take those waiting for the model past {@code --max-queued}. */
    static final class QueueFull extends RuntimeException {
        QueueFull(int waiting, int adding, int maxQueued) {
            // both counts, since "1 waiting (--max-queued 1)" alone reads as room left
            super(busy(waiting, ", and this request's " + adding + " would make more than --max-queued " + maxQueued), null, false, false);
        }

        /** Refused before its size was known: those waiting already fill the queue. */
        QueueFull(int waiting, int maxQueued) {
            super(busy(waiting, ", " + (waiting == maxQueued ? "as many as" : "more than") + " --max-queued " + maxQueued + " allows"),
                    null, false, false);
        }

        private static String busy(int waiting, String why) {
            return "the server is busy: " + waiting + (waiting == 1 ? " model input is" : " model inputs are") + " waiting"
                    + why + "; try again shortly";
        }
    }

    private void loop() {
        try {
            while (accepting || !queue.isEmpty() || carried != null) {
                Job<T> first = carried != null ? carried : queue.poll(50, TimeUnit.MILLISECONDS);
                carried = null;
                if (first == null) continue;
                List<Job<T>> batch = new ArrayList<>();
                batch.add(first);
                int texts = first.texts.size();
                long deadline = System.nanoTime() + maxWaitNanos;
                while (texts < maxBatch) {
                    long left = deadline - System.nanoTime();
                    Job<T> next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) break;
                    if (texts + next.texts.size() > maxBatch) {
                        carried = next;
                        break;
                    }
                    batch.add(next);
                    texts += next.texts.size();
                }
                run(batch, texts);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Reached only when interrupted: nobody will answer what is left.
        failRemaining(new IllegalStateException("the server is shutting down"));
    }

    private void run(List<Job<T>> batch, int texts) {
        List<T> all = new ArrayList<>(texts);
        for (Job<T> j : batch) all.addAll(j.texts);
        queuedInputs.addAndGet(-texts);
        batchInputs.record(texts);
        batchPieces.record(batch.size());
        try {
            float[][] logits = model.apply(all);
            int at = 0;
            for (Job<T> j : batch) {
                float[][] mine = new float[j.texts.size()][];
                System.arraycopy(logits, at, mine, 0, mine.length);
                at += mine.length;
                j.result.complete(mine);
            }
        } catch (RuntimeException | Error e) {
            for (Job<T> j : batch) j.result.completeExceptionally(e);
        }
    }

    private void failRemaining(RuntimeException e) {
        if (carried != null) fail(carried, e);
        carried = null;
        for (Job<T> j; (j = queue.poll()) != null; ) fail(j, e);
    }

    private void fail(Job<T> job, RuntimeException e) {
        queuedInputs.addAndGet(-job.texts.size());
        job.result.completeExceptionally(e);
    }

    /** Stops taking requests and fails those still waiting; a batch already gathered still runs. */
    void refuseQueued() {
        synchronized (this) {
            accepting = false;
        }
        IllegalStateException stopping = new IllegalStateException("the server is shutting down");
        for (Job<T> j; (j = queue.poll()) != null; ) fail(j, stopping);
    }

    /** Stops taking requests, answers every queued one, then ends the batching thread. */
    @Override
    public void close() {
        synchronized (this) {
            accepting = false;
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            thread.interrupt();
            Thread.currentThread().interrupt();
        }
    }
}
