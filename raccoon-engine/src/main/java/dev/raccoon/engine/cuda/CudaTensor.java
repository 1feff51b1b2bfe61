package dev.raccoon.engine.cuda;

import dev.raccoon.engine.Tensor;

/** A tensor in device memory: a pooled {@link DevicePool.Block} and an element offset; views share the block. */
public final class CudaTensor extends Tensor {
    final DevicePool.Block block;
    private final long offset;

    CudaTensor(DevicePool.Block block, long offset, int... shape) {
        super(shape);
        if (offset < 0 || (offset + size()) * Float.BYTES > block.bytes)
            throw new IllegalArgumentException("tensor of " + size() + " elements at offset " + offset
                    + " does not fit a block of " + block.bytes + " bytes");
        this.block = block;
        this.offset = offset;
    }

    /** The device address of element 0. */
    public long address() {
        if (block.pool.isClosed()) throw new IllegalStateException("the CUDA backend of " + this + " is closed");
        return block.ptr + offset * Float.BYTES;
    }

    @Override
    public CudaTensor view(int offset, int... shape) {
        checkView(offset, shape);
        return new CudaTensor(block, this.offset + offset, shape);
    }
}
