package dev.raccoon.engine;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What the operands of {@link Backend#matmul} may be rounded to. Everything else stays fp32 whatever the
 * precision: tensors, weights (the fp32 master copy the optimizer updates), activations, attention's own products,
 * and the reductions of LayerNorm, softmax and the losses.
 */
public enum Precision {
    /** fp32 products. */
    FP32("fp32"),
    /**
     * TF32 tensor cores where the device has them (CUDA, Ampere and later: operands rounded to a 10-bit mantissa,
     * about 1e-3 relative error per product, attention's products included); exact fp32 on a CPU.
     */
    TF32("tf32"),
    /**
     * bf16 operands (an 8-bit mantissa) with fp32 accumulation, as tensor cores take them. A CPU rounds the operands
     * the same way and multiplies in fp32, exactly as a tensor core would up to the order of the sums, so a run shows
     * on a CPU what bf16 does to a model; there it is slower than fp32, not faster.
     */
    BF16("bf16");

    private final String label;

    Precision(String label) { this.label = label; }

    /** "fp32", "tf32" or "bf16", as options spell it. */
    public String label() { return label; }

    /** The names {@link #named} takes. */
    public static final List<String> NAMES = Arrays.stream(values()).map(Precision::label).toList();

    /** The precision of a name, in any case; IllegalArgumentException naming the known ones for any other. */
    public static Precision named(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (Precision p : values()) if (p.label.equals(lower)) return p;
        throw new IllegalArgumentException("unknown precision '" + name + "' (known: " + String.join(", ", NAMES) + ")");
    }

    /**
     * x rounded to the nearest bf16 (ties to even), as {@code __float2bfloat16_rn} and torch round: the upper
     * 16 bits of an fp32. NaN stays NaN; a value past bf16's largest rounds to infinity, as in fp32 itself.
     */
    public static float roundToBf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        if (Float.isNaN(x)) return Float.intBitsToFloat((bits | 0x0040_0000) & 0xFFFF_0000); // quiet: NaN in 16 bits
        bits += 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xFFFF_0000);
    }
}
