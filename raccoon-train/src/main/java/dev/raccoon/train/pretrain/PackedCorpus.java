package dev.raccoon.train.pretrain;

import dev.raccoon.text.Vocabulary;
import dev.raccoon.text.WordPieceTokenizer;
import dev.raccoon.train.corpus.CorpusFiles;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Pretraining sequences packed in memory from text files (one segment per line, .gz read as gzip): each sequence
 * is [CLS] line [SEP] line [SEP] … filled greedily up to the sequence length and padded; a line longer than a
 * sequence is cut into pieces. All token types are 0. A stand-in for the corpus pipeline's binary shards at the
 * scale of a CPU experiment (ten million tokens take 40 MB).
 */
public final class PackedCorpus implements PretrainingData {
    private final int seqLength;
    private final int padId;
    private int[] data = new int[1 << 16];
    private int count;
    private long realTokens;

    private PackedCorpus(int seqLength, int padId) {
        this.seqLength = seqLength;
        this.padId = padId;
    }

    /** Packs every non-blank line of the files, in order. */
    public static PackedCorpus pack(CorpusFiles files, WordPieceTokenizer tokenizer, int seqLength) throws IOException {
        if (seqLength < 3) throw new IllegalArgumentException("sequence length must be at least 3, got " + seqLength);
        files.requireDecodable();
        Vocabulary vocab = tokenizer.vocab();
        PackedCorpus corpus = new PackedCorpus(seqLength, vocab.padId());
        int cls = vocab.clsId(), sep = vocab.sepId();
        int[] current = new int[seqLength];
        int length = 0;
        for (Path file : files.files()) {
            try (BufferedReader in = files.open(file)) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.isBlank()) continue;
                    int[] ids = tokenizer.encode(line, Integer.MAX_VALUE).inputIds(); // [CLS] tokens [SEP]
                    int from = 1, to = ids.length - 1;
                    while (from < to) {
                        if (length == 0) current[length++] = cls;
                        int room = seqLength - length - 1;
                        if (to - from > room && length > 1) { // does not fit: close this sequence, start the next
                            length = corpus.add(current, length);
                            continue;
                        }
                        int take = Math.min(room, to - from);
                        System.arraycopy(ids, from, current, length, take);
                        length += take;
                        current[length++] = sep;
                        from += take;
                        if (length >= seqLength - 1) length = corpus.add(current, length);
                    }
                }
            }
        }
        if (length > 1) corpus.add(current, length);
        if (corpus.count == 0) throw new IOException("the corpus " + files + " holds no text");
        return corpus;
    }

    /** Appends the first {@code length} ids of {@code seq} padded to the sequence length; returns 0. */
    private int add(int[] seq, int length) {
        if ((long) (count + 1) * seqLength > Integer.MAX_VALUE - 8)
            throw new IllegalStateException("the corpus exceeds " + count + " sequences; use fewer files");
        if ((count + 1) * seqLength > data.length) data = Arrays.copyOf(data, Math.max(data.length * 2, (count + 1) * seqLength));
        System.arraycopy(seq, 0, data, count * seqLength, length);
        Arrays.fill(data, count * seqLength + length, (count + 1) * seqLength, padId);
        count++;
        realTokens += length;
        return 0;
    }

    @Override
    public long size() { return count; }

    @Override
    public int seqLength() { return seqLength; }

    public long realTokens() { return realTokens; }

    @Override
    public void read(long index, int[] ids, int[] tokenTypes, int offset) {
        System.arraycopy(data, Math.toIntExact(index * seqLength), ids, offset, seqLength);
        Arrays.fill(tokenTypes, offset, offset + seqLength, 0);
    }
}
