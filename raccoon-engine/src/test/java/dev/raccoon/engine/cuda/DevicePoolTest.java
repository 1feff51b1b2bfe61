package dev.raccoon.engine.cuda;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The pool's policy against a fake device of fixed capacity: tensors that became garbage give their memory back
 * through the GC before the pool grows past its limit or fails, and a live set above the limit does not make every
 * allocation wait for a GC.
 */
class DevicePoolTest {
    private static final long MB = 1 << 20;

    /** A device with {@code capacity} bytes that hands out distinct addresses and counts the driver calls. */
    static final class FakeDevice implements DevicePool.DeviceMemory {
        final long capacity;
        final Set<Long> allocated = new HashSet<>();
        long used, next = 1 << 12, allocs, frees;
        int syncs;

        FakeDevice(long capacity) { this.capacity = capacity; }

        @Override
        public int tryAlloc(long bytes, long[] out) {
            if (used + bytes > capacity) return Driver.CUDA_ERROR_OUT_OF_MEMORY;
            used += bytes;
            allocs++;
            out[0] = next;
            allocated.add(next);
            next += bytes;
            return 0;
        }

        @Override
        public void free(long ptr) {
            assertThat(allocated.remove(ptr)).as("freeing a pointer the device handed out").isTrue();
            frees++;
        }

        @Override
        public void check(String call, int result) {
            if (result != 0) throw new CudaException(call + " failed: " + result, result, null);
        }
    }

    @Test
    void garbageTensorsAreReusedBeforeThePoolGrowsPastItsLimit() {
        FakeDevice device = new FakeDevice(1024 * MB);
        DevicePool pool = new DevicePool(device, () -> device.syncs++, 128 * MB);
        for (int step = 0; step < 50; step++) {
            List<DevicePool.Block> activations = new ArrayList<>();
            for (int i = 0; i < 4; i++) activations.add(pool.allocate(8 * MB));
            assertThat(activations).hasSize(4); // dropped here, as a training step drops its activations
        }
        long[] stats = pool.stats();
        // 1,600 MB allocated in all; a GC that hands nothing over in time lets the pool grow by 16 MB
        assertThat(stats[2]).as("bytes from the device").isLessThanOrEqualTo(256 * MB);
        // 32 MB of garbage a step and 96 MB of room above the live set: a GC every third step or so
        assertThat(stats[3]).as("GCs asked for").isBetween(1L, 20L);
        assertThat(device.frees).as("nothing given back to the driver").isZero();
    }

    @Test
    void aLiveSetAboveTheLimitAsksForAGcOnlyEveryEighthOfTheLimit() {
        FakeDevice device = new FakeDevice(1024 * MB);
        DevicePool pool = new DevicePool(device, () -> device.syncs++, 16 * MB);
        List<DevicePool.Block> weights = new ArrayList<>();
        for (int i = 0; i < 64; i++) weights.add(pool.allocate(MB));
        long[] stats = pool.stats();
        assertThat(stats[0]).isEqualTo(64 * MB);
        // 48 allocations past the limit; a GC at most every 2 MB of growth after the first
        assertThat(stats[3]).as("GCs asked for").isBetween(1L, 1 + 48L / 2);
        assertThat(weights).hasSize(64);
    }

    @Test
    void runningOutOfMemoryReusesCollectedBlocksOfTheSizeWithoutGivingTheCacheBack() {
        FakeDevice device = new FakeDevice(32 * MB);
        DevicePool pool = new DevicePool(device, () -> device.syncs++, Long.MAX_VALUE);
        List<DevicePool.Block> kept = new ArrayList<>();
        kept.add(pool.allocate(8 * MB));
        pool.release(pool.allocateTemporary(4 * MB), 4 * MB); // a cached block of another size
        for (int i = 0; i < 2; i++) pool.allocate(8 * MB); // garbage at once
        DevicePool.Block again = pool.allocate(8 * MB);
        assertThat(again.ptr).as("a collected block's address").isNotEqualTo(kept.getFirst().ptr);
        assertThat(device.frees).as("the 4 MB block stays cached").isZero();
        assertThat(pool.stats()[1]).as("bytes cached").isGreaterThanOrEqualTo(4 * MB);
    }

    @Test
    void runningOutOfMemoryWithEverythingLiveNamesTheSizes() {
        FakeDevice device = new FakeDevice(16 * MB);
        DevicePool pool = new DevicePool(device, () -> device.syncs++, Long.MAX_VALUE);
        DevicePool.Block a = pool.allocate(8 * MB), b = pool.allocate(4 * MB);
        pool.release(pool.allocateTemporary(2 * MB), 2 * MB);
        assertThatThrownBy(() -> pool.allocate(8 * MB))
                .isInstanceOf(CudaException.class)
                .hasMessageStartingWith("cuMemAlloc_v2(8388608 bytes; 12582912 in tensors, 0 cached) failed");
        assertThat(device.frees).as("the cached 2 MB went back to the driver to make room").isEqualTo(1);
        assertThat(device.syncs).as("after waiting for the stream").isPositive();
        assertThat(a.ptr + b.ptr).isPositive();
    }

    @Test
    void closeFreesEveryBlockTheDeviceHandedOut() {
        FakeDevice device = new FakeDevice(64 * MB);
        DevicePool pool = new DevicePool(device, () -> device.syncs++, 32 * MB);
        DevicePool.Block live = pool.allocate(3 * MB);
        pool.release(pool.allocateTemporary(MB), MB);
        pool.close();
        assertThat(device.allocated).isEmpty();
        assertThat(live.ptr).isPositive();
        assertThatThrownBy(() -> pool.allocate(1)).isInstanceOf(IllegalStateException.class);
    }
}
