package dev.raccoon.train.corpus;

/** A set of 64-bit hashes, open addressing, 16 bytes a member at most; for dropping duplicate lines. */
final class LongHashSet {
    private static final long EMPTY = 0;
    private long[] slots = new long[1 << 12];
    private boolean hasZero;
    private int size;

    /** Adds {@code value}; false if it was there already. */
    boolean add(long value) {
        if (value == EMPTY) {
            boolean added = !hasZero;
            hasZero = true;
            return added;
        }
        int mask = slots.length - 1;
        for (int i = mix(value) & mask; ; i = (i + 1) & mask) {
            if (slots[i] == value) {
                return false;
            }
            if (slots[i] == EMPTY) {
                slots[i] = value;
                if (++size * 2 > slots.length) {
                    grow();
                }
                return true;
            }
        }
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        int mask = slots.length - 1;
        for (long v : old) {
            if (v != EMPTY) {
                int i = mix(v) & mask;
                while (slots[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                slots[i] = v;
            }
        }
    }

    private static int mix(long v) {
        return (int) (v ^ (v >>> 32));
    }

    /** A 64-bit hash of a string: FNV-1a over its chars, then MurmurHash3's finaliser. */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    int size() {
        return size + (hasZero ? 1 : 0);
    }
}
