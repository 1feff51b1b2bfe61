package dev.raccoon.model.io;

import dev.raccoon.engine.Precision;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Floating-point element types a checkpoint may store; all are widened to (or rounded from) float on the heap. */
public enum DType {
    F64(8),
    F32(4),
    F16(2),
    /** bfloat16: the upper half of a float; written with round-to-nearest-even. */
    BF16(2);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** PyTorch's name of this type, as config.json's "dtype" (transformers 5) or "torch_dtype" (4) writes it. */
    public String torchName() {
        return switch (this) {
            case F64 -> "float64";
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
        };
    }

    /** The type a torch name (float32, float16, bfloat16, float64) stands for, or null for another name. */
    public static DType ofTorchName(String name) {
        for (DType t : values()) if (t.torchName().equals(name)) return t;
        return null;
    }

    /** Converts {@code count} elements starting at {@code offset} (bytes) of {@code src} into {@code dst[dstIndex..]}. */
    void decode(MemorySegment src, long offset, ByteOrder order, float[] dst, int dstIndex, int count) {
        switch (this) {
            case F32 -> MemorySegment.copy(src, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order), offset, dst, dstIndex, count);
            case F64 -> {
                ValueLayout.OfDouble layout = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order);
                for (int i = 0; i < count; i++) dst[dstIndex + i] = (float) src.get(layout, offset + 8L * i);
            }
            case F16 -> {
                ValueLayout.OfShort layout = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
                for (int i = 0; i < count; i++) dst[dstIndex + i] = Float.float16ToFloat(src.get(layout, offset + 2L * i));
            }
            case BF16 -> {
                ValueLayout.OfShort layout = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
                for (int i = 0; i < count; i++) dst[dstIndex + i] = Float.intBitsToFloat(src.get(layout, offset + 2L * i) << 16);
            }
        }
    }

    /** Converts {@code src[srcIndex..srcIndex+count)} into little-endian elements at {@code offset} (bytes) of {@code dst}. */
    void encodeLittleEndian(float[] src, int srcIndex, int count, MemorySegment dst, long offset) {
        switch (this) {
            case F32 -> MemorySegment.copy(src, srcIndex, dst, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), offset, count);
            case F64 -> {
                ValueLayout.OfDouble layout = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < count; i++) dst.set(layout, offset + 8L * i, src[srcIndex + i]);
            }
            case F16 -> {
                ValueLayout.OfShort layout = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < count; i++) dst.set(layout, offset + 2L * i, Float.floatToFloat16(src[srcIndex + i]));
            }
            case BF16 -> {
                ValueLayout.OfShort layout = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < count; i++) dst.set(layout, offset + 2L * i, toBFloat16(src[srcIndex + i]));
            }
        }
    }

    /** Rounds to the nearest bfloat16, ties to even, as torch does; NaN stays a (quiet) NaN instead of rounding to infinity. */
    static short toBFloat16(float f) {
        return (short) (Float.floatToRawIntBits(Precision.roundToBf16(f)) >>> 16);
    }

    /** x as this type stores it, widened back to float. */
    public float stored(float x) {
        return switch (this) {
            case F64, F32 -> x;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(x));
            case BF16 -> Precision.roundToBf16(x);
        };
    }
}
