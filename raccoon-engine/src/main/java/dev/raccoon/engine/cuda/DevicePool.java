package dev.raccoon.engine.cuda;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A caching allocator for device memory, so that the activations a training step allocates come from free lists
 * instead of cuMemAlloc (which synchronizes the device). Sizes are rounded up to one of four classes per power of
 * two (at most 25% waste) and freed blocks wait in a free list per class.
 *
 * <p>Tensors have no explicit free in the Backend API, so a tensor's {@link Block} goes back to the pool when the
 * garbage collector finds it unreachable (a phantom reference, drained on the allocating thread). Reuse is safe
 * without events because all work runs on one stream: anything enqueued with a block precedes what is enqueued
 * after it was handed out again. When the device runs out of memory the pool returns its cached blocks, asks
 * for a GC and waits briefly for unreachable blocks before giving up.
 */
final class DevicePool {
    private static final long MIN_BLOCK = 512;

    /** Device memory owned by tensors: every view of a tensor holds the same Block. */
    static final class Block {
        final long ptr, bytes;
        final DevicePool pool;

        private Block(long ptr, long bytes, DevicePool pool) {
            this.ptr = ptr;
            this.bytes = bytes;
            this.pool = pool;
        }
    }

    private static final class BlockRef extends PhantomReference<Block> {
        final long ptr, bytes;

        BlockRef(Block b, ReferenceQueue<Block> q) {
            super(b, q);
            ptr = b.ptr;
            bytes = b.bytes;
        }
    }

    private final Driver driver;
    /** Waits for the stream: a cached block may still be in use by queued work when it goes back to the driver. */
    private final Runnable synchronize;
    private final Map<Long, ArrayDeque<Long>> free = new HashMap<>();
    private final Set<BlockRef> live = new HashSet<>();
    private final ReferenceQueue<Block> collected = new ReferenceQueue<>();
    private long cachedBytes, liveBytes, deviceBytes;
    private volatile boolean closed;

    DevicePool(Driver driver, Runnable synchronize) {
        this.driver = driver;
        this.synchronize = synchronize;
    }

    /** Bytes rounded up to the allocation class: 512, then 4 classes per doubling (640, 768, 896, 1024, 1280 …). */
    static long sizeClass(long bytes) {
        if (bytes <= MIN_BLOCK) return MIN_BLOCK;
        long step = Long.highestOneBit(bytes - 1) >> 2;
        return (bytes + step - 1) / step * step;
    }

    /** A block for a tensor, freed when the last view of it is unreachable. Size 0 gets a null pointer. */
    synchronized Block allocate(long bytes) {
        checkOpen();
        if (bytes == 0) return new Block(0, 0, this);
        long size = sizeClass(bytes);
        Block b = new Block(take(size), size, this);
        live.add(new BlockRef(b, collected));
        liveBytes += size;
        return b;
    }

    /** Device memory for the duration of one call; give it back with {@link #release}. */
    synchronized long allocateTemporary(long bytes) {
        checkOpen();
        return bytes == 0 ? 0 : take(sizeClass(bytes));
    }

    synchronized void release(long ptr, long bytes) {
        if (ptr == 0 || closed) return;
        long size = sizeClass(bytes);
        free.computeIfAbsent(size, s -> new ArrayDeque<>()).push(ptr);
        cachedBytes += size;
    }

    private long take(long size) {
        drainCollected();
        ArrayDeque<Long> list = free.get(size);
        if (list != null && !list.isEmpty()) {
            cachedBytes -= size;
            return list.pop();
        }
        long[] out = new long[1];
        int r = driver.tryAlloc(size, out);
        if (r == Driver.CUDA_ERROR_OUT_OF_MEMORY) {
            // Cached blocks of other sizes and tensors that are garbage but not yet collected may make room.
            for (int attempt = 0; attempt < 3 && r == Driver.CUDA_ERROR_OUT_OF_MEMORY; attempt++) {
                if (attempt > 0) awaitCollection(200L * attempt);
                drainCollected();
                trim();
                r = driver.tryAlloc(size, out);
            }
        }
        driver.check("cuMemAlloc_v2(" + size + " bytes; " + liveBytes + " in tensors, " + cachedBytes
                + " cached)", r);
        deviceBytes += size;
        return out[0];
    }

    private void awaitCollection(long millis) {
        System.gc();
        try {
            Reference<? extends Block> r = collected.remove(millis);
            if (r != null) free((BlockRef) r);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void drainCollected() {
        Reference<? extends Block> r;
        while ((r = collected.poll()) != null) free((BlockRef) r);
    }

    private void free(BlockRef r) {
        if (!live.remove(r)) return;
        liveBytes -= r.bytes;
        free.computeIfAbsent(r.bytes, s -> new ArrayDeque<>()).push(r.ptr);
        cachedBytes += r.bytes;
    }

    /** Returns every cached block to the driver. */
    synchronized void trim() {
        if (free.isEmpty()) return;
        synchronize.run();
        freeCached();
    }

    private void freeCached() {
        for (var e : free.entrySet())
            for (long p : e.getValue()) {
                driver.free(p);
                deviceBytes -= e.getKey();
            }
        free.clear();
        cachedBytes = 0;
    }

    /** {bytes held by live tensors, bytes cached for reuse, bytes allocated from the device}. */
    synchronized long[] stats() {
        drainCollected();
        return new long[] {liveBytes, cachedBytes, deviceBytes};
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("the CUDA backend is closed");
    }

    boolean isClosed() { return closed; }

    /** Frees everything, tensors still referenced included; the caller has synchronized the stream. */
    synchronized void close() {
        if (closed) return;
        freeCached();
        for (BlockRef r : live) driver.free(r.ptr);
        live.clear();
        liveBytes = deviceBytes = 0;
        closed = true;
    }
}
