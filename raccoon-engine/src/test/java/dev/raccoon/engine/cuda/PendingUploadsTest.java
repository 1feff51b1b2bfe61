package dev.raccoon.engine.cuda;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Host buffers of queued copies stay allocated until a synchronization that began after they were queued. */
class PendingUploadsTest {

    @Test
    void aSynchronizationFreesOnlyWhatWasQueuedBeforeItBegan() {
        PendingUploads uploads = new PendingUploads();
        Arena first = Arena.ofShared(), second = Arena.ofShared(), late = Arena.ofShared();
        assertThat(uploads.queued(first, 16)).isFalse();
        assertThat(uploads.queued(second, 16)).isFalse();
        long mark = uploads.mark();
        uploads.queued(late, 16); // queued by another thread while the stream was being synchronized
        uploads.readBefore(mark);
        assertThat(first.scope().isAlive()).isFalse();
        assertThat(second.scope().isAlive()).isFalse();
        assertThat(late.scope().isAlive()).as("queued after the synchronization began").isTrue();
        assertThat(uploads.size()).isEqualTo(1);
        uploads.readBefore(mark); // a slower synchronization that began at the same point frees nothing more
        assertThat(late.scope().isAlive()).isTrue();
        uploads.clear();
        assertThat(late.scope().isAlive()).isFalse();
        assertThat(uploads.size()).isZero();
    }

    @Test
    void asksForASynchronizationOnceTheBuffersWaitingPassTheirCap() {
        PendingUploads uploads = new PendingUploads();
        long half = PendingUploads.SYNCHRONIZE_ABOVE / 2;
        assertThat(uploads.queued(Arena.ofShared(), half)).isFalse();
        assertThat(uploads.queued(Arena.ofShared(), half)).as("exactly at the cap").isFalse();
        assertThat(uploads.queued(Arena.ofShared(), 1)).isTrue();
        uploads.readBefore(uploads.mark());
        assertThat(uploads.queued(Arena.ofShared(), half)).as("the freed bytes no longer count").isFalse();
    }

    @Test
    void threadsQueueingAndSynchronizingAtOnceNeverFreeABufferEarly() throws InterruptedException {
        PendingUploads uploads = new PendingUploads();
        // A "copy" is done once a synchronization that began after it was queued has returned; the model stream
        // counts queued copies and a synchronization waits until it has seen them all.
        AtomicLong queuedCopies = new AtomicLong(), doneCopies = new AtomicLong();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 2_000; i++) {
                        Arena arena = Arena.ofShared();
                        arena.allocate(16);
                        long copy = queuedCopies.incrementAndGet();
                        uploads.queued(arena, 16);
                        if (i % 7 == 0) {
                            long mark = uploads.mark();
                            long seen = queuedCopies.get();
                            doneCopies.accumulateAndGet(seen, Math::max);
                            uploads.readBefore(mark);
                        }
                        // Freed first, then the count: a thread that frees it has counted it done before, so read
                        // the other way round a synchronization could complete between the two reads (a false alarm).
                        boolean freed = !arena.scope().isAlive();
                        if (freed && copy > doneCopies.get())
                            throw new AssertionError("copy " + copy + " freed before a synchronization covered it");
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        start.countDown();
        for (Thread t : threads) t.join();
        assertThat(failures).isEmpty();
        uploads.clear();
        assertThat(uploads.size()).isZero();
    }
}
