package dev.raccoon.train.data;

import dev.raccoon.model.Batch;
import dev.raccoon.text.Encoding;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class LengthBucketBatcherTest {
    private static int[] randomLengths(int n) {
        SplittableRandom random = new SplittableRandom(1);
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) lengths[i] = 3 + random.nextInt(126);
        return lengths;
    }

    /** Padded tokens over real tokens of a plan. */
    private static double waste(List<int[]> plan, int[] lengths) {
        long padded = 0, real = 0;
        for (int[] batch : plan) {
            int max = 0;
            for (int i : batch) {
                max = Math.max(max, lengths[i]);
                real += lengths[i];
            }
            padded += (long) max * batch.length;
        }
        return (double) (padded - real) / real;
    }

    @Test
    void everyExampleOnceInBatchesOfSimilarLength() {
        int[] lengths = randomLengths(1000);
        List<int[]> plan = new LengthBucketBatcher(32, 10, 42).plan(lengths, 0);
        int[] seen = new int[lengths.length];
        for (int[] batch : plan) {
            assertThat(batch.length).isBetween(1, 32);
            for (int i : batch) seen[i]++;
        }
        assertThat(seen).containsOnly(1);
        assertThat(plan).hasSize(32); // 31 full batches and one of 8: only the last window is short

        List<int[]> unsorted = new LengthBucketBatcher(32, 1, 42).plan(lengths, 0);
        List<Integer> shuffled = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) shuffled.add(i);
        Collections.shuffle(shuffled, new java.util.Random(3));
        List<int[]> random = new ArrayList<>();
        for (int s = 0; s < shuffled.size(); s += 32)
            random.add(shuffled.subList(s, Math.min(s + 32, shuffled.size())).stream().mapToInt(Integer::intValue).toArray());
        assertThat(waste(plan, lengths)).isLessThan(0.15).isLessThan(waste(unsorted, lengths)).isLessThan(waste(random, lengths) / 5);
    }

    @Test
    void sameSeedAndEpochSamePlanOtherEpochOtherPlan() {
        int[] lengths = randomLengths(500);
        LengthBucketBatcher batcher = new LengthBucketBatcher(16, 8, 7);
        List<int[]> a = batcher.plan(lengths, 0), b = new LengthBucketBatcher(16, 8, 7).plan(lengths, 0);
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) assertThat(a.get(i)).containsExactly(b.get(i));
        List<int[]> c = batcher.plan(lengths, 1);
        assertThat(c.stream().map(Arrays::toString).toList()).isNotEqualTo(a.stream().map(Arrays::toString).toList());
    }

    @Test
    void batchIsPaddedToItsOwnLongest() {
        List<Encoding> encodings = List.of(
                new Encoding(new int[] {2, 10, 3}, new int[3], List.of("[CLS]", "a", "[SEP]")),
                new Encoding(new int[] {2, 11, 12, 13, 3}, new int[5], List.of("[CLS]", "b", "c", "d", "[SEP]")),
                new Encoding(new int[] {2, 14, 15, 3}, new int[4], List.of("[CLS]", "e", "f", "[SEP]")));
        assertThat(LengthBucketBatcher.lengths(encodings)).containsExactly(3, 5, 4);
        Batch batch = LengthBucketBatcher.batch(encodings, new int[] {2, 0}, 0);
        assertThat(batch.size()).isEqualTo(2);
        assertThat(batch.seq()).isEqualTo(4);
        assertThat(batch.inputIds()).containsExactly(2, 14, 15, 3, 2, 10, 3, 0);
        assertThat(batch.attentionMask()).containsExactly(1, 1, 1, 1, 1, 1, 1, 0);
    }
}
