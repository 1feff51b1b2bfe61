package dev.raccoon.train.pretrain;

import dev.raccoon.text.WordPieceTokenizer;
import dev.raccoon.train.corpus.CorpusFiles;
import dev.raccoon.train.corpus.CorpusPipeline;
import dev.raccoon.train.corpus.SequenceShard;
import dev.raccoon.train.run.Fingerprint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Pretraining sequences by index, all of one length and padded. */
public interface PretrainingData extends AutoCloseable {
    long size();

    int seqLength();

    /** Copies sequence {@code index}'s ids and token types into the arrays at {@code offset}. */
    void read(long index, int[] ids, int[] tokenTypes, int offset) throws IOException;

    @Override
    default void close() throws IOException {}

    /**
     * A 64-bit digest of up to 1,024 sequences spread evenly over the data (all of a smaller corpus), for a resumed
     * run to check it reads the same corpus: the size alone matches a corpus with other words in it.
     */
    default String fingerprint() throws IOException {
        long n = size();
        int seq = seqLength();
        int[] ids = new int[seq], types = new int[seq];
        long samples = Math.min(n, 1024);
        Fingerprint digest = new Fingerprint();
        for (long k = 0; k < samples; k++) {
            read(k * n / samples, ids, types, 0);
            for (int i = 0; i < seq; i++) digest.add(ids[i] * 31L + types[i]);
        }
        return digest.hex();
    }

    /**
     * Shards with no vocabulary fingerprint (written before shards had one, or copied without their summary file):
     * unchecked.
     */
    default List<Path> vocabularyUnchecked() {
        return List.of();
    }

    /**
     * The corpus pipeline's sequence shards when every file is one (their own sequence length then), else text
     * files packed in memory to {@code seqLength} ({@link PackedCorpus}).
     */
    static PretrainingData open(CorpusFiles corpus, WordPieceTokenizer tokenizer, int seqLength) throws IOException {
        return isShards(corpus) ? Shards.open(corpus.files(), tokenizer) : PackedCorpus.pack(corpus, tokenizer, seqLength);
    }

    /**
     * Whether the files are the corpus pipeline's sequence shards, all of them, rather than text; reads only their
     * first bytes, so that a command can check what depends on it before a text corpus is packed.
     *
     * @throws IOException for a missing file, or shards mixed with text files
     */
    static boolean isShards(CorpusFiles corpus) throws IOException {
        corpus.requireFiles();
        List<Path> files = corpus.files();
        int shards = 0;
        for (Path f : files) if (isShard(f)) shards++;
        if (shards != 0 && shards != files.size())
            throw new IOException("--corpus mixes sequence shards and text files; give one kind");
        return shards != 0;
    }

    private static boolean isShard(Path file) throws IOException {
        if (!Files.isRegularFile(file)) return false; // a pipe is read once, as text; a shard is read at random
        byte[] magic = "RACCSEQS".getBytes(StandardCharsets.US_ASCII);
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(magic.length), magic);
        }
    }

    /** Several shards read as one. */
    record Shards(List<SequenceShard> shards, int seqLength, long size, List<Path> vocabularyUnchecked) implements PretrainingData {
        static Shards open(List<Path> files, WordPieceTokenizer tokenizer) throws IOException {
            List<SequenceShard> list = new ArrayList<>();
            List<Path> unchecked = new ArrayList<>();
            String vocabulary = CorpusPipeline.vocabularyFingerprint(tokenizer.vocab());
            long size = 0;
            try {
                for (Path f : files) {
                    SequenceShard s = SequenceShard.open(f);
                    list.add(s);
                    if (s.seqLength() != list.getFirst().seqLength())
                        throw new IOException(f + ": sequences of " + s.seqLength() + " tokens where " + files.getFirst()
                                + " has " + list.getFirst().seqLength());
                    if (s.vocabSize() != tokenizer.vocab().size())
                        throw new IOException(f + ": made with a vocabulary of " + s.vocabSize() + " tokens, --vocab has "
                                + tokenizer.vocab().size());
                    String made = CorpusPipeline.vocabularyFingerprint(f, s.size());
                    if (made == null) unchecked.add(f);
                    else if (!made.equals(vocabulary))
                        throw new IOException(f + ": made with another vocabulary of " + s.vocabSize() + " tokens (other"
                                + " tokens, or the same in another order, per " + CorpusPipeline.summaryFile(f).getFileName()
                                + "); its ids would be read as the wrong tokens. Pass the --vocab it was made with, or run"
                                + " 'raccoon corpus' again with this one");
                    size += s.size();
                }
            } catch (IOException | RuntimeException e) {
                for (SequenceShard s : list) s.close();
                throw e;
            }
            return new Shards(List.copyOf(list), list.getFirst().seqLength(), size, List.copyOf(unchecked));
        }

        @Override
        public void read(long index, int[] ids, int[] tokenTypes, int offset) throws IOException {
            int[] i = new int[seqLength], t = new int[seqLength];
            for (SequenceShard s : shards) {
                if (index < s.size()) {
                    s.read(index, i, t);
                    System.arraycopy(i, 0, ids, offset, seqLength);
                    System.arraycopy(t, 0, tokenTypes, offset, seqLength);
                    return;
                }
                index -= s.size();
            }
            throw new IndexOutOfBoundsException("sequence " + index + " past the end of the shards");
        }

        @Override
        public void close() throws IOException {
            for (SequenceShard s : shards) s.close();
        }
    }
}
