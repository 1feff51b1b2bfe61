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
 * after it was handed out again.
 *
 * <p>A tensor is a few dozen bytes of heap, so heap pressure alone would run the GC far too seldom for the device
 * memory behind it: past {@code collectAbove} bytes taken from the device, the pool asks for a GC before it takes
 * more, and the blocks of unreachable tensors come back to the free lists instead. When the device still runs out
 * of memory, the pool returns its cached blocks, asks for a GC again and waits briefly before giving up.
 */
final class DevicePool {
    private static final long MIN_BLOCK = 512;
    /** How long a GC the pool asks for may take to hand over the first unreachable block. */
    private static final long COLLECTION_WAIT_MILLIS = 20;

    /** The driver calls the pool makes, behind an interface so that its policy is tested without a GPU. */
    interface DeviceMemory {
        /** CUDA_SUCCESS with the pointer in {@code out[0]}, or the driver's error code (out of memory among them). */
        int tryAlloc(long bytes, long[] out);

        void free(long ptr);

        /** Throws a {@link CudaException} naming {@code call} for any result but CUDA_SUCCESS. */
        void check(String call, int result);
    }

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

    private final DeviceMemory driver;
    /** Waits for the stream: a cached block may still be in use by queued work when it goes back to the driver. */
    private final Runnable synchronize;
    private final Map<Long, ArrayDeque<Long>> free = new HashMap<>();
    private final Set<BlockRef> live = new HashSet<>();
    private final ReferenceQueue<Block> collected = new ReferenceQueue<>();
    private long cachedBytes, liveBytes, deviceBytes, collections;
    /**
     * Device bytes past which a growth of the pool asks for a GC first. It starts at the limit given and moves up
     * by an eighth of it, or of the bytes held if more, whenever a GC left too little to reuse, so a live set above
     * the limit does not make every allocation wait for a GC.
     */
    private long collectAbove;
    private final long collectStep;
    private volatile boolean closed;

    DevicePool(DeviceMemory driver, Runnable synchronize, long collectAbove) {
        this.driver = driver;
        this.synchronize = synchronize;
        this.collectAbove = collectAbove;
        this.collectStep = Math.max(MIN_BLOCK, collectAbove / 8);
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
        long cached = takeCached(size);
        if (cached != 0) return cached;
        if (deviceBytes + size > collectAbove) {
            awaitCollection(COLLECTION_WAIT_MILLIS);
            cached = takeCached(size);
            if (cached != 0) return cached;
            collectAbove = Math.max(collectAbove, deviceBytes + size + Math.max(collectStep, deviceBytes / 8));
        }
        long[] out = new long[1];
        int r = driver.tryAlloc(size, out);
        // Tensors that are garbage but not yet collected, and cached blocks of other sizes, may make room.
        for (int attempt = 1; attempt <= 3 && r == Driver.CUDA_ERROR_OUT_OF_MEMORY; attempt++) {
            awaitCollection(attempt == 1 ? COLLECTION_WAIT_MILLIS : 200L * attempt);
            cached = takeCached(size);
            if (cached != 0) return cached;
            trim();
            r = driver.tryAlloc(size, out);
        }
        driver.check("cuMemAlloc_v2(" + size + " bytes; " + liveBytes + " in tensors, " + cachedBytes
                + " cached)", r);
        deviceBytes += size;
        return out[0];
    }

    /** A cached block of {@code size}, or 0 when the free list of that class is empty. */
    private long takeCached(long size) {
        ArrayDeque<Long> list = free.get(size);
        if (list == null || list.isEmpty()) return 0;
        cachedBytes -= size;
        return list.pop();
    }

    /** Asks for a GC, waits up to {@code millis} for the first unreachable block, then takes every one found. */
    private void awaitCollection(long millis) {
        collections++;
        System.gc();
        try {
            Reference<? extends Block> r = collected.remove(millis);
            if (r != null) free((BlockRef) r);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drainCollected();
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
        if (cachedBytes == 0) return;
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

    /** {bytes held by live tensors, bytes cached for reuse, bytes allocated from the device, GCs asked for}. */
    synchronized long[] stats() {
        drainCollected();
        return new long[] {liveBytes, cachedBytes, deviceBytes, collections};
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
