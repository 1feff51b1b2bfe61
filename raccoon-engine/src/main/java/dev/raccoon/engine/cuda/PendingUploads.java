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
    private record Pending(long ticket, Arena arena) {}

    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private long nextTicket;

    /** Takes ownership of the arena of a buffer whose copy has been queued. */
    synchronized void queued(Arena arena) {
        pending.addLast(new Pending(nextTicket++, arena));
    }

    /** Taken just before a synchronization; give it to {@link #readBefore} once the synchronization returns. */
    synchronized long mark() {
        return nextTicket;
    }

    /** Frees the buffers queued before {@code mark}: the synchronization that followed it has seen them read. */
    synchronized void readBefore(long mark) {
        while (!pending.isEmpty() && pending.peekFirst().ticket() < mark) pending.removeFirst().arena().close();
    }

    /** Frees every buffer; the caller has synchronized the stream, or given up on it. */
    synchronized void clear() {
        readBefore(nextTicket);
    }

    synchronized int size() {
        return pending.size();
    }
}
