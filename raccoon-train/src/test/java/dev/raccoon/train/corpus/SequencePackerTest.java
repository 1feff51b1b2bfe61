package dev.raccoon.train.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class SequencePackerTest {
    private static final int CLS = 2;
    private static final int SEP = 3;
    private static final int PAD = 0;

    record Seq(int[] ids, int length, int segmentB) {
    }

    /** Every draw returns {@code value}: below 0.1 means one segment, 0.5 a coin, 0.05 a random target. */
    private static RandomGenerator constant(double value) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0;
            }

            @Override
            public double nextDouble() {
                return value;
            }
        };
    }

    private static List<Seq> pack(int maxLength, RandomGenerator random, int[]... lines) throws Exception {
        List<Seq> out = new ArrayList<>();
        SequencePacker packer = new SequencePacker(maxLength, CLS, SEP, PAD, random,
                (ids, length, segmentB) -> out.add(new Seq(ids.clone(), length, segmentB)));
        for (int[] line : lines) packer.add(line);
        packer.flush();
        return out;
    }

    private static int[] line(int first, int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = first + i;
        return t;
    }

    @Test
    void twoSegmentsSplitNearHalfAndCutToLength() throws Exception {
        // four lines of 4 reach the target of 16; A's target is (16 - 3) / 2 = 6, so A = line 1, B = the rest cut to 9
        List<Seq> seqs = pack(16, constant(0.99), line(10, 4), line(20, 4), line(30, 4), line(40, 4), line(50, 2));
        assertThat(seqs).hasSize(2);
        Seq s = seqs.get(0);
        assertThat(s.ids()).containsExactly(CLS, 10, 11, 12, 13, SEP, 20, 21, 22, 23, 30, 31, 32, 33, 40, SEP);
        assertThat(s.length()).isEqualTo(16);
        assertThat(s.segmentB()).isEqualTo(6);
        // the rest is flushed as a short single-segment sequence, padded
        Seq last = seqs.get(1);
        assertThat(last.ids()).containsExactly(CLS, 50, 51, SEP, PAD, PAD, PAD, PAD, PAD, PAD, PAD, PAD, PAD, PAD,
                PAD, PAD);
        assertThat(last.length()).isEqualTo(4);
        assertThat(last.segmentB()).isEqualTo(4);
    }

    @Test
    void sometimesOneSegmentOnly() throws Exception {
        // a draw under 0.1 puts every line into A, cut to 16 - 2
        List<Seq> seqs = pack(16, constant(0.05), line(10, 10), line(20, 10));
        assertThat(seqs.get(0).ids()).containsExactly(CLS, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
                SEP);
        assertThat(seqs.get(0).segmentB()).isEqualTo(16);
    }

    @Test
    void aLineLongerThanASequenceGoesOnIntoTheNextOnesWhole() throws Exception {
        // the 40-token line fills the first sequence's 9 free places, then whole sequences, then starts the last
        List<Seq> seqs = pack(16, constant(0.99), line(10, 4), line(100, 40), line(200, 2));
        List<Integer> content = new ArrayList<>();
        for (Seq s : seqs) {
            assertThat(s.length()).isLessThanOrEqualTo(16);
            for (int k = 1; k < s.length() - 1; k++) if (s.ids()[k] != SEP) content.add(s.ids()[k]);
        }
        List<Integer> expected = new ArrayList<>();
        for (int[] line : new int[][] {line(10, 4), line(100, 40), line(200, 2)}) for (int id : line) expected.add(id);
        assertThat(content).isEqualTo(expected);
        assertThat(seqs.getFirst().ids()).containsExactly(CLS, 10, 11, 12, 13, SEP, 100, 101, 102, 103, 104, 105, 106,
                107, 108, SEP);
        assertThat(seqs).hasSize(4);
    }

    @Test
    void randomStreamKeepsTheInvariants() throws Exception {
        SplittableRandom lengths = new SplittableRandom(7);
        int[][] lines = new int[2000][];
        long total = 0;
        for (int i = 0; i < lines.length; i++) {
            lines[i] = line(5 + i % 50, 1 + lengths.nextInt(lengths.nextInt(10) == 0 ? 126 : 30)); // each fits a sequence
            total += lines[i].length;
        }
        List<Seq> seqs = pack(128, new SplittableRandom(1), lines);
        long content = 0;
        int single = 0;
        int shortOnes = 0;
        for (Seq s : seqs) {
            int[] ids = s.ids();
            assertThat(ids).hasSize(128);
            assertThat(ids[0]).isEqualTo(CLS);
            assertThat(ids[s.length() - 1]).isEqualTo(SEP);
            for (int k = s.length(); k < 128; k++) assertThat(ids[k]).isEqualTo(PAD);
            if (s.segmentB() < s.length()) {
                assertThat(ids[s.segmentB() - 1]).isEqualTo(SEP);
                assertThat(s.segmentB()).isBetween(3, s.length() - 2);
                content += s.length() - 3;
            } else {
                single++;
                content += s.length() - 2;
            }
            if (s.length() < 100) shortOnes++;
        }
        assertThat(content).isLessThanOrEqualTo(total).isGreaterThan(total * 7 / 10);
        assertThat(single).isBetween(seqs.size() / 20, seqs.size() / 5);
        assertThat(shortOnes).isPositive();
    }

    @Test
    void randomStreamKeepsEveryTokenOfTheLongLines() throws Exception {
        SplittableRandom lengths = new SplittableRandom(7);
        int[][] lines = new int[2000][];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = line(10 + 1000 * i, 1 + lengths.nextInt(lengths.nextInt(5) == 0 ? 900 : 30)); // ids unique
        }
        Set<Integer> packed = new HashSet<>();
        for (Seq s : pack(128, new SplittableRandom(1), lines)) {
            assertThat(s.ids()[0]).isEqualTo(CLS);
            assertThat(s.ids()[s.length() - 1]).isEqualTo(SEP);
            for (int k = 1; k < s.length() - 1; k++) packed.add(s.ids()[k]);
        }
        int longLines = 0;
        List<Integer> lost = new ArrayList<>();
        for (int[] line : lines) {
            if (line.length > 126) {
                longLines++;
                for (int id : line) if (!packed.contains(id)) lost.add(id);
            }
        }
        assertThat(longLines).isGreaterThan(100);
        assertThat(lost).isEmpty();
    }
}
