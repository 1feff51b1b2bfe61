package dev.raccoon.train.data;

import dev.raccoon.model.Batch;
import dev.raccoon.text.Encoding;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Groups examples of similar length into batches so that dynamic padding (each batch padded to its own longest)
 * wastes little compute, while keeping the order random: shuffle everything, sort by length inside windows of
 * {@code windowBatches} batches, cut each window into batches, and shuffle the batches. A fixed seed and epoch
 * give the same plan.
 */
public final class LengthBucketBatcher {
    private final int batchSize;
    private final int windowBatches;
    private final long seed;

    public LengthBucketBatcher(int batchSize, int windowBatches, long seed) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        if (windowBatches < 1) throw new IllegalArgumentException("window must hold at least 1 batch, got " + windowBatches);
        this.batchSize = batchSize;
        this.windowBatches = windowBatches;
        this.seed = seed;
    }

    /** Batches of indices into {@code lengths} (token counts per example) for one epoch; each index once. */
    public List<int[]> plan(int[] lengths, int epoch) {
        int n = lengths.length;
        SplittableRandom random = new SplittableRandom(seed + 0x9E3779B97F4A7C15L * epoch);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        List<int[]> batches = new ArrayList<>((n + batchSize - 1) / batchSize);
        int window = batchSize * windowBatches;
        long[] keys = new long[Math.min(window, n)];
        for (int start = 0; start < n; start += window) {
            int end = Math.min(n, start + window);
            // Length in the high bits, index in the low bits: one primitive sort, no boxing.
            for (int i = start; i < end; i++) keys[i - start] = (long) lengths[order[i]] << 32 | order[i];
            Arrays.sort(keys, 0, end - start);
            for (int b = 0; b < end - start; b += batchSize) {
                int[] batch = new int[Math.min(batchSize, end - start - b)];
                for (int k = 0; k < batch.length; k++) batch[k] = (int) keys[b + k];
                batches.add(batch);
            }
        }
        Collections.shuffle(batches, new Random(random.nextLong()));
        return batches;
    }

    /** Token counts of encodings, the input of {@link #plan}. */
    public static int[] lengths(List<Encoding> encodings) {
        int[] lengths = new int[encodings.size()];
        for (int i = 0; i < lengths.length; i++) lengths[i] = encodings.get(i).inputIds().length;
        return lengths;
    }

    /** The encodings at {@code indices}, padded to the longest of them. */
    public static Batch batch(List<Encoding> encodings, int[] indices, int padId) {
        List<Encoding> chosen = new ArrayList<>(indices.length);
        for (int i : indices) chosen.add(encodings.get(i));
        return Batch.of(chosen, padId);
    }
}
