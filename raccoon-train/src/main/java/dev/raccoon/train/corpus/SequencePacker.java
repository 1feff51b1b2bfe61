package dev.raccoon.train.corpus;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Packs tokenized lines into fixed-length pretraining sequences as ELECTRA's build_pretraining_dataset.py
 * (ExampleBuilder) does: lines are gathered until they reach the target length, then split into
 * {@code [CLS] A [SEP] B [SEP]}: A takes lines up to about half the length (a line that would overflow it goes
 * there half the time while B is empty), B the rest; 10% of sequences have A only; both are cut to fit. After
 * each sequence the next target is the full length, or 5% of the time a random length in [5, length]. Unlike
 * ELECTRA, whose lines are sentences, a line longer than a sequence (a paragraph or a document) is not cut to its
 * first sequence's worth but continued into the next sequences.
 * Not thread-safe.
 */
final class SequencePacker {

    /** Receives each sequence: ids padded to the full length, its real length, and where segment B starts. */
    @FunctionalInterface
    interface Sink {
        void sequence(int[] ids, int length, int segmentB) throws IOException;
    }

    private final int maxLength;
    private final int clsId;
    private final int sepId;
    private final int padId;
    private final RandomGenerator random;
    private final Sink sink;
    private final List<int[]> lines = new ArrayList<>();
    private int length;
    private int targetLength;
    private final int[] ids;
    private final int[] first;
    private final int[] second;

    SequencePacker(int maxLength, int clsId, int sepId, int padId, RandomGenerator random, Sink sink) {
        if (maxLength < 5) {
            throw new IllegalArgumentException("sequence length " + maxLength + " is below the minimum of 5");
        }
        this.maxLength = maxLength;
        this.clsId = clsId;
        this.sepId = sepId;
        this.padId = padId;
        this.random = random;
        this.sink = sink;
        this.targetLength = maxLength;
        ids = new int[maxLength];
        first = new int[maxLength];
        second = new int[maxLength];
    }

    /**
     * Adds the token ids of one line. A line that fits a sequence is packed as ELECTRA packs it (whole, or cut where
     * its sequence ends); a longer one, which ELECTRA would cut to its first sequence's worth, fills the sequence in
     * progress to its target and goes on into the next ones, so none of its tokens is lost.
     */
    void add(int[] tokens) throws IOException {
        int from = 0;
        if (tokens.length > maxLength - 2) {
            while (tokens.length - from > room()) {
                int room = room();
                if (room > 0) {
                    addLine(Arrays.copyOfRange(tokens, from, from + room));
                    from += room;
                }
                emit();
            }
        }
        if (from < tokens.length) {
            addLine(from == 0 ? tokens : Arrays.copyOfRange(tokens, from, tokens.length));
            if (length >= targetLength) {
                emit();
            }
        }
    }

    /** Tokens the sequence in progress still takes whole: its target less [CLS], two [SEP]s and what it holds. */
    private int room() {
        return targetLength - 3 - length;
    }

    private void addLine(int[] tokens) {
        lines.add(tokens);
        length += tokens.length;
    }

    /** Packs what is left into a last, shorter sequence. */
    void flush() throws IOException {
        if (length > 0) {
            emit();
        }
    }

    private void emit() throws IOException {
        int firstTarget = random.nextDouble() < 0.1 ? Integer.MAX_VALUE : (targetLength - 3) / 2;
        int n1 = 0; // lengths before cutting, counted only as far as they can be kept
        int n2 = 0;
        int kept1 = 0;
        int kept2 = 0;
        for (int[] line : lines) {
            if (n1 == 0 || n1 + line.length < firstTarget
                    || (n2 == 0 && n1 < firstTarget && random.nextDouble() < 0.5)) {
                kept1 = append(first, kept1, line);
                n1 += line.length;
            } else {
                kept2 = append(second, kept2, line);
                n2 += line.length;
            }
        }
        int len1 = Math.min(kept1, maxLength - 2);
        int len2 = Math.min(kept2, Math.max(0, maxLength - len1 - 3));
        lines.clear();
        length = 0;
        targetLength = random.nextDouble() < 0.05 ? 5 + random.nextInt(maxLength - 4) : maxLength;

        int k = 0;
        ids[k++] = clsId;
        System.arraycopy(first, 0, ids, k, len1);
        k += len1;
        ids[k++] = sepId;
        int segmentB = k;
        if (len2 > 0) {
            System.arraycopy(second, 0, ids, k, len2);
            k += len2;
            ids[k++] = sepId;
        }
        Arrays.fill(ids, k, maxLength, padId);
        sink.sequence(ids, k, len2 > 0 ? segmentB : k);
    }

    private int append(int[] to, int size, int[] line) {
        int n = Math.min(line.length, to.length - size);
        System.arraycopy(line, 0, to, size, n);
        return size + n;
    }
}
