package dev.raccoon.engine.cpu;

import dev.raccoon.engine.Backend;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * A fixed team of {@code threads − 1} daemon workers plus the calling thread. Kernels hand it numbered chunks;
 * idle workers spin briefly (kernels come in quick succession) and then park. A call made while another
 * thread's job is running runs inline, so concurrent callers never wait on each other or deadlock.
 */
final class Parallel implements AutoCloseable {
    private static final long SPIN_NANOS = 50_000;

    private final int threads;
    private final Thread[] workers;
    private final ReentrantLock busy = new ReentrantLock();
    private volatile Job job;
    private volatile boolean closed;

    Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        if (threads > Backend.MAX_THREADS)
            throw new IllegalArgumentException("threads must be at most " + Backend.MAX_THREADS + ", got " + threads + " (this machine has "
                    + Runtime.getRuntime().availableProcessors() + " cores)");
        this.threads = threads;
        workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Thread(this::workLoop, "raccoon-cpu-" + (i + 1));
            workers[i].setDaemon(true);
            workers[i].start();
        }
    }

    int threads() { return threads; }

    /** Runs {@code body} for chunks 0 … chunks−1, spread over the team; returns when all are done. */
    void forEach(int chunks, IntConsumer body) {
        if (chunks <= 1 || workers.length == 0 || !busy.tryLock()) {
            for (int i = 0; i < chunks; i++) body.accept(i);
            return;
        }
        try {
            Job j = new Job(chunks, body);
            job = j;
            for (Thread w : workers) LockSupport.unpark(w);
            j.work();
            // A worker still busy was likely descheduled by other load if this takes long: stop spinning then.
            long start = System.nanoTime();
            while (j.done.get() < chunks) {
                if (System.nanoTime() - start < SPIN_NANOS) Thread.onSpinWait();
                else Thread.yield();
            }
            job = null;
            Throwable t = j.failure.get();
            if (t instanceof RuntimeException e) throw e;
            if (t instanceof Error e) throw e;
        } finally {
            busy.unlock();
        }
    }

    private void workLoop() {
        Job last = null;
        while (!closed) {
            Job j = job;
            if (j == null || j == last) {
                long start = System.nanoTime();
                while ((j = job) == null || j == last) {
                    if (closed) return;
                    if (System.nanoTime() - start < SPIN_NANOS) Thread.onSpinWait();
                    else LockSupport.park(this);
                }
            }
            last = j;
            j.work();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }

    private static final class Job {
        final int chunks;
        final IntConsumer body;
        final AtomicInteger next = new AtomicInteger(), done = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(int chunks, IntConsumer body) {
            this.chunks = chunks;
            this.body = body;
        }

        void work() {
            for (int i; (i = next.getAndIncrement()) < chunks; ) {
                try {
                    body.accept(i);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.incrementAndGet();
                }
            }
        }
    }
}
