package dev.raccoon.model;

import dev.raccoon.text.Encoding;

import java.util.Arrays;
import java.util.List;

/**
 * Token ids of several sequences padded to the longest, with token types and the attention mask
 * (1 real, 0 padding), flattened row-major as [size, seq].
 */
public record Batch(int size, int seq, int[] inputIds, int[] tokenTypeIds, int[] attentionMask) {
    public Batch {
        int n = size * seq;
        if (inputIds.length != n || tokenTypeIds.length != n || attentionMask.length != n)
            throw new IllegalArgumentException("batch arrays must hold " + size + "×" + seq + " values");
    }

    public static Batch of(List<Encoding> encodings, int padId) {
        if (encodings.isEmpty()) throw new IllegalArgumentException("empty batch");
        int seq = 0;
        for (Encoding e : encodings) seq = Math.max(seq, e.inputIds().length);
        int n = encodings.size();
        int[] ids = new int[n * seq];
        int[] types = new int[n * seq];
        int[] mask = new int[n * seq];
        Arrays.fill(ids, padId);
        for (int b = 0; b < n; b++) {
            Encoding e = encodings.get(b);
            int len = e.inputIds().length;
            System.arraycopy(e.inputIds(), 0, ids, b * seq, len);
            System.arraycopy(e.tokenTypeIds(), 0, types, b * seq, len);
            Arrays.fill(mask, b * seq, b * seq + len, 1);
        }
        return new Batch(n, seq, ids, types, mask);
    }

    /** Number of real (unpadded) tokens of sequence b. */
    public int length(int b) {
        int len = 0;
        for (int t = 0; t < seq; t++) len += attentionMask[b * seq + t];
        return len;
    }

    public int tokens() { return size * seq; }
}
