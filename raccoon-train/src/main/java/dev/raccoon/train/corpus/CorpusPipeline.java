package dev.raccoon.train.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.raccoon.text.TextFiles;
import dev.raccoon.text.Vocabulary;
import dev.raccoon.text.WordPieceTokenizer;
import dev.raccoon.train.run.AtomicDirectory;
import dev.raccoon.train.run.Fingerprint;
import dev.raccoon.train.run.InterruptNotice;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Turns corpus files into a {@link SequenceShard} of pretraining sequences: lines are normalised
 * ({@link CorpusFiles#normalize}), lines under {@code minChars} code points and exact duplicates (by a 64-bit hash)
 * dropped, then shuffled, tokenised and packed as ELECTRA packs them ({@link SequencePacker}).
 *
 * <p>The shuffle streams: pass one deals each kept line to one of B temporary bucket files at random (B chosen so
 * a bucket holds about {@value #BUCKET_BYTES} bytes); pass two loads one bucket at a time and shuffles it in
 * memory. A uniformly random bucket followed by a uniform shuffle within it is a uniform shuffle of the whole, and
 * memory holds one bucket's lines plus 16 bytes per distinct line for the duplicate hashes. The result depends
 * only on the files, the options and the seed.
 */
public final class CorpusPipeline {

    static final long BUCKET_BYTES = 32L << 20;
    /** gzip'd text is about this many times smaller, for sizing buckets before reading. */
    private static final int GZIP_RATIO = 4;
    /** snake_case keys, as vocab's summary and every other JSON Raccoon writes. */
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    /**
     * @param seqLength sequence length, [CLS] and [SEP]s included
     * @param seed      seed of the shuffle and of the packing's random choices
     * @param maxLines  the most corpus lines read, over all files
     * @param minChars  lines shorter than this (in code points, after normalisation) are dropped
     */
    public record Options(int seqLength, long seed, long maxLines, int minChars) {
        public static final int DEFAULT_SEQ_LENGTH = 128;
        public static final int DEFAULT_MIN_CHARS = 3;

        public Options {
            if (seqLength < 5 || seqLength > 65535) {
                throw new IllegalArgumentException("sequence length " + seqLength + " is outside [5, 65535]");
            }
            if (maxLines < 1 || minChars < 1) {
                throw new IllegalArgumentException("the lines to read and the shortest line's characters must be at least 1; got "
                        + maxLines + " and " + minChars);
            }
        }
    }

    /**
     * What a run read, dropped and wrote; saved as JSON beside the shard.
     *
     * @param tokens           the tokens the sequences hold ([CLS] and [SEP] left out)
     * @param tokensCut        the tokens of kept lines that are in no sequence: as ELECTRA does, a line that fits a
     *                         sequence but overflows the one it lands in is cut where that sequence ends
     * @param vocabFingerprint {@link #vocabularyFingerprint} of the tokenizer's vocabulary: the shard's ids mean its
     *                         tokens, and another vocabulary of the same size would read them as others
     */
    public record Summary(List<String> files, long linesRead, long shortDropped, long duplicatesDropped,
                          long linesKept, long linesWithoutTokens, long tokens, long tokensCut, long unkTokens,
                          long sequences, long twoSegmentSequences, int seqLength, int vocabSize, String vocabFingerprint, int idBytes,
                          int buckets, long seed, double seconds) {
    }

    /** A digest of a vocabulary's tokens in id order. */
    public static String vocabularyFingerprint(Vocabulary vocab) {
        Fingerprint f = new Fingerprint();
        for (int id = 0; id < vocab.size(); id++) {
            String token = vocab.token(id);
            f.add(token.length());
            for (int i = 0; i < token.length(); i++) f.add(token.charAt(i));
        }
        return f.hex();
    }

    /**
     * The vocabulary fingerprint in a shard's summary file, or null where there is none (a shard written before they
     * were, or one whose summary file is missing).
     *
     * @param sequences the shard's own count, which the summary must give too: the shard and its summary are renamed
     *                  into place one after the other, so a run stopped between the two leaves one beside another's
     */
    public static String vocabularyFingerprint(Path shard, long sequences) throws IOException {
        Path file = summaryFile(shard);
        if (!Files.isRegularFile(file)) return null;
        JsonNode summary;
        try {
            summary = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not readable as JSON: " + e.getMessage(), e);
        }
        JsonNode described = summary.path("sequences");
        if (described.isNumber() && described.asLong() != sequences)
            throw new IOException(file + " describes " + described.asLong() + " sequences where " + shard.getFileName()
                    + " holds " + sequences + ": it is another run's (a corpus run stopped between writing the two?); run"
                    + " 'raccoon corpus' again, or delete " + file.getFileName() + " to use the shard with its vocabulary unchecked");
        // shards written before the keys were snake_case say vocabFingerprint
        return summary.path("vocab_fingerprint").asText(summary.path("vocabFingerprint").asText(null));
    }

    private CorpusPipeline() {
    }

    /** The summary file of a shard: {@code FILE.json} beside it. */
    public static Path summaryFile(Path shard) {
        return shard.resolveSibling(shard.getFileName() + ".json");
    }

    /**
     * Refuses to start where a run would replace or delete files it did not make: the summary file beside {@code out}
     * and the temporary files of the shard and of the summary must be absent or an earlier run's.
     *
     * @throws IllegalArgumentException naming the first file that is not
     */
    public static void requireOwnSiblings(Path out) throws IOException {
        Path summary = summaryFile(out);
        for (Path file : List.of(summary, summaryTemporary(out), SequenceShard.temporaryFile(out))) {
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !isOwn(file, out))
                throw new IllegalArgumentException(file + " is in the way: it is not what raccoon corpus writes beside --out " + out
                        + " (" + (file.equals(summary) ? "its summary" : "a temporary file") + "), so it is not replaced;"
                        + " move it away or choose another --out");
        }
    }

    private static boolean isOwn(Path file, Path out) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) return false;
        if (file.equals(summaryFile(out))) return isSummary(file);
        if (Files.size(file) == 0) return true; // a temporary file of a run killed before it wrote to it
        return file.equals(SequenceShard.temporaryFile(out)) ? SequenceShard.looksLikeShard(file) : isSummary(file);
    }

    /** Whether a file holds a summary as {@link #run} writes it (with the camelCase keys of older versions too). */
    private static boolean isSummary(Path file) {
        try {
            JsonNode json = JSON.readTree(file.toFile());
            return json != null && json.isObject() && json.has("sequences") && (json.has("seq_length") || json.has("seqLength"));
        } catch (IOException e) {
            return false;
        }
    }

    /** Where {@link #writeSummary} writes the summary before it renames it into place. */
    private static Path summaryTemporary(Path out) {
        Path summary = summaryFile(out);
        return summary.resolveSibling(summary.getFileName() + ".tmp");
    }

    /**
     * Runs the pipeline and writes {@code out} and its {@link #summaryFile}.
     *
     * @param progressOrNull where progress bars go (stderr), or null for none
     */
    public static Summary run(CorpusFiles corpus, WordPieceTokenizer tokenizer, Path out, Options options,
                              PrintStream progressOrNull) throws IOException {
        long started = System.nanoTime();
        long estimate = 0;
        for (Path f : corpus.files()) {
            // a pipe, which could be read only once, has no size to go by anyway
            estimate += Files.size(f) * (Files.isRegularFile(f) && TextFiles.isGzip(f) ? GZIP_RATIO : 1);
        }
        int buckets = (int) Math.clamp((estimate + BUCKET_BYTES - 1) / BUCKET_BYTES, 1, 1024);
        SplittableRandom root = new SplittableRandom(options.seed());
        SplittableRandom dealing = root.split();
        SplittableRandom shuffling = root.split();
        SplittableRandom packing = root.split();

        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        String bucketsPrefix = out.getFileName() + ".buckets-";
        // A killed run (kill -9, a crash) leaves its buckets behind: the next run for the same file clears them.
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(parent,
                p -> p.getFileName().toString().startsWith(bucketsPrefix) && Files.isDirectory(p))) {
            for (Path p : stale) if (holdsOnlyBuckets(p)) AtomicDirectory.deleteTree(p);
        }
        Path tmp = Files.createTempDirectory(parent, bucketsPrefix);
        Object removing = new Object();
        try (InterruptNotice onInterrupt = InterruptNotice.install("corpus-interrupted",
                () -> removeOnInterrupt(tmp, SequenceShard.temporaryFile(out), removing))) {
            try {
                Counts counts = new Counts();
                deal(corpus, options, tmp, buckets, dealing, counts, progressOrNull);
                Vocabulary vocab = tokenizer.vocab();
                try (SequenceShard.Writer writer = new SequenceShard.Writer(out, options.seqLength(), vocab.size())) {
                    SequencePacker packer = new SequencePacker(options.seqLength(), vocab.clsId(), vocab.sepId(),
                            vocab.padId(), packing, (ids, length, segmentB) -> {
                                writer.write(ids, length, segmentB);
                                counts.tokens += length - (segmentB < length ? 3 : 2);
                                if (segmentB < length) {
                                    counts.twoSegments++;
                                }
                            });
                    try (ProgressBar bar = bar(progressOrNull, "pack", counts.kept, "")) {
                        for (int b = 0; b < buckets; b++) {
                            List<String> lines = readBucket(tmp, b);
                            Collections.shuffle(lines, shuffling);
                            for (String line : lines) {
                                pack(line, tokenizer, packer, counts);
                                step(bar, 1);
                            }
                        }
                    }
                    packer.flush();
                    if (writer.count() == 0)
                        throw new IOException("no pretraining sequence came out of " + corpus + ": " + counts.read + " lines read, "
                                + counts.tooShort + " shorter than " + options.minChars() + " characters, " + counts.duplicates
                                + " repeated, " + counts.withoutTokens + " without tokens; nothing was written");
                    Summary summary = new Summary(corpus.files().stream().map(Path::toString).toList(), counts.read,
                            counts.tooShort, counts.duplicates, counts.kept, counts.withoutTokens, counts.tokens,
                            counts.lineTokens - counts.tokens, counts.unk, writer.count(), counts.twoSegments,
                            options.seqLength(), vocab.size(), vocabularyFingerprint(vocab), writer.idBytes(), buckets,
                            options.seed(), (System.nanoTime() - started) / 1e9);
                    writer.finish();
                    writeSummary(out, summary);
                    return summary;
                }
            } finally {
                synchronized (removing) {
                    AtomicDirectory.deleteTree(tmp);
                }
            }
        }
    }

    /** Whether {@code dir} holds nothing but bucket files, as a run leaves it: anything else is not ours to delete. */
    private static boolean holdsOnlyBuckets(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.allMatch(p -> Files.isRegularFile(p) && p.getFileName().toString().matches("bucket-\\d+\\.txt"));
        }
    }

    /**
     * Ctrl-C or SIGTERM stops a run without unwinding it: the buckets (a whole copy of the text) and the shard begun
     * would stay on disk. Held with the run's own removal, so that the two never walk the same tree at once.
     */
    private static void removeOnInterrupt(Path buckets, Path shardTmp, Object removing) {
        synchronized (removing) {
            List<String> left = new ArrayList<>();
            try {
                AtomicDirectory.deleteTree(buckets);
            } catch (IOException e) {
                left.add(buckets.toString());
            }
            try {
                Files.deleteIfExists(shardTmp);
            } catch (IOException e) {
                left.add(shardTmp.toString());
            }
            System.err.println("corpus: interrupted; " + (left.isEmpty() ? "its temporary files are removed"
                    : "could not remove " + String.join(" and ", left) + ": delete them by hand"));
        }
    }

    private static final class Counts {
        long read;
        long tooShort;
        long duplicates;
        long kept;
        long withoutTokens;
        long tokens;
        long lineTokens;
        long unk;
        long twoSegments;
    }

    /** Pass one: normalise, filter, deduplicate and deal the lines to bucket files. */
    private static void deal(CorpusFiles corpus, Options options, Path dir, int buckets, SplittableRandom random,
                             Counts counts, PrintStream progressOrNull) throws IOException {
        LongHashSet seen = new LongHashSet();
        BufferedWriter[] writers = new BufferedWriter[buckets];
        try (ProgressBar bar = bar(progressOrNull, "read", corpus.size(), "MiB")) {
            for (int b = 0; b < buckets; b++) {
                writers[b] = Files.newBufferedWriter(bucket(dir, b), StandardCharsets.UTF_8);
            }
            counts.read = corpus.read(options.maxLines(), bytes -> {
                if (bar != null) {
                    bar.stepTo(bytes);
                }
            }, raw -> {
                String line = CorpusFiles.normalize(raw);
                if (line.codePointCount(0, line.length()) < options.minChars()) {
                    counts.tooShort++;
                } else if (!seen.add(LongHashSet.hash(line))) {
                    counts.duplicates++;
                } else {
                    counts.kept++;
                    BufferedWriter w = writers[random.nextInt(buckets)];
                    w.write(line);
                    w.write('\n');
                }
            });
        } finally {
            for (BufferedWriter w : writers) {
                if (w != null) {
                    w.close();
                }
            }
        }
    }

    private static Path bucket(Path dir, int b) {
        return dir.resolve("bucket-" + b + ".txt");
    }

    private static List<String> readBucket(Path dir, int b) throws IOException {
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(bucket(dir, b), StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** Tokenises a line, all of it: the packer continues a line longer than a sequence into the next ones. */
    private static void pack(String line, WordPieceTokenizer tokenizer, SequencePacker packer, Counts counts)
            throws IOException {
        int[] encoded = tokenizer.encode(line, Integer.MAX_VALUE).inputIds();
        if (encoded.length == 2) {
            counts.withoutTokens++;
            return;
        }
        int[] tokens = Arrays.copyOfRange(encoded, 1, encoded.length - 1);
        counts.lineTokens += tokens.length;
        int unk = tokenizer.vocab().unkId();
        for (int id : tokens) {
            if (id == unk) {
                counts.unk++;
            }
        }
        packer.add(tokens);
    }

    private static ProgressBar bar(PrintStream err, String task, long max, String unit) {
        if (err == null) {
            return null;
        }
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName("corpus " + task).setInitialMax(max)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).startsFrom(0, Duration.ZERO)
                .setConsumer(new ConsoleProgressBarConsumer(err));
        if (!unit.isEmpty()) {
            b.setUnit(" " + unit, 1 << 20);
        }
        return b.build();
    }

    private static void step(ProgressBar bar, long n) {
        if (bar != null) {
            bar.stepBy(n);
        }
    }

    private static void writeSummary(Path out, Summary summary) throws IOException {
        Path tmp = summaryTemporary(out);
        Files.writeString(tmp, JSON.writeValueAsString(summary) + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, summaryFile(out), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
