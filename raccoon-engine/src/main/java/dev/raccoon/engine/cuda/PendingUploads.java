package dev.raccoon.engine.cuda;

import java.lang.foreign.Arena;
import java.util.ArrayDeque;

/**
 * The host buffers of queued host-to-device copies, each kept until a stream synchronization that began after
 * its copy was queued. The driver documents copies from pageable memory only as "might be synchronous with
 * respect to host", so freeing a buffer as soon as cuMemcpyHtoDAsync returns would rely on staging it does not
 * promise. Tickets order the buffers against synchronizations, which several threads may run at once.
 */
final class PendingUploads {
    /** Host bytes past which the caller should synchronize: loading a model queues a copy per parameter. */
    static final long SYNCHRONIZE_ABOVE = 256L << 20;

    private record Pending(long ticket, Arena arena, long bytes) {}

    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private long nextTicket, pendingBytes;

    /**
     * Takes ownership of the arena of a buffer of {@code bytes} whose copy has been queued; true when the buffers
     * waiting add up to more than {@link #SYNCHRONIZE_ABOVE}, so that the caller synchronizes and frees them.
     */
    synchronized boolean queued(Arena arena, long bytes) {
        pending.addLast(new Pending(nextTicket++, arena, bytes));
        pendingBytes += bytes;
        return pendingBytes > SYNCHRONIZE_ABOVE;
    }

    /** Taken just before a synchronization; give it to {@link #readBefore} once the synchronization returns. */
    synchronized long mark() {
        return nextTicket;
    }

    /** Frees the buffers queued before {@code mark}: the synchronization that followed it has seen them read. */
    synchronized void readBefore(long mark) {
        while (!pending.isEmpty() && pending.peekFirst().ticket() < mark) {
            Pending done = pending.removeFirst();
            pendingBytes -= done.bytes();
            done.arena().close();
        }
    }

    /** Frees every buffer; the caller has synchronized the stream, or given up on it. */
    synchronized void clear() {
        readBefore(nextTicket);
    }

    synchronized int size() {
        return pending.size();
    }
}
