package dev.raccoon.text;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Learns a WordPiece vocabulary as Hugging Face's BertWordPieceTokenizer trainer does (WordPieceTrainer of the
 * tokenizers crate, which runs its BpeTrainer with the "##" continuing-subword prefix): the text goes through
 * {@link BertNormalizer} (clean text, CJK ideographs spaced out, no lowercasing, no accent stripping) and
 * {@link BertPreTokenizer}; words are counted; the vocabulary starts with [PAD] [UNK] [CLS] [SEP] [MASK], then the
 * {@code limitAlphabet} most frequent characters (in code point order), then their "##" forms, then one token per
 * merge of the most frequent adjacent pair (ties: the pair of smaller ids), until it holds {@code vocabSize} tokens
 * or no pair occurs {@code minFrequency} times.
 *
 * <p>Where the crate leaves the result to hash-map order, this class fixes it: alphabet ties keep the smaller code
 * point, and the "##" forms of the alphabet come in code point order. Words over
 * {@value WordPieceTokenizer#MAX_INPUT_CHARS_PER_WORD} code points are not counted, since WordPiece maps them to
 * [UNK] whole. A merge applies to every word holding the pair (the crate applies it to the words recorded with the
 * queue entry it popped, which differ only when a merge re-creates an existing token).
 *
 * <p>Only word counts are kept, so a corpus streams through {@link #addText}. When more than {@code maxWords}
 * distinct words are held, all words seen at most {@code floor} times are dropped and {@code floor} grows by one
 * (word2vec's rule): a word that recurs after a pruning is counted again from zero, so the counts of rare words
 * are lower bounds. Not thread-safe; {@link #train} runs once.
 *
 * <p>With a {@link MorphemeSplitter} each word is cut at morpheme starts and the pieces are counted separately,
 * the later pieces as "##" continuations, so merges never cross a morpheme boundary while the vocabulary still
 * tokenizes the plain words (KoELECTRA v3's Mecab-split vocabulary, without a morpheme analyser at inference).
 */
public final class WordPieceTrainer {

    /** The special tokens at ids 0 to 4. */
    public static final List<String> SPECIAL_TOKENS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

    static final String PREFIX = "##";

    /**
     * @param vocabSize     the vocabulary size to reach, special tokens included
     * @param minFrequency  the fewest occurrences a pair needs to be merged
     * @param limitAlphabet the most initial characters kept (the most frequent ones)
     * @param maxWords      the most distinct words held before rare ones are pruned
     */
    public record Options(int vocabSize, int minFrequency, int limitAlphabet, int maxWords) {
        public static final int DEFAULT_MIN_FREQUENCY = 2;
        public static final int DEFAULT_LIMIT_ALPHABET = 1000;
        public static final int DEFAULT_MAX_WORDS = 8_000_000;

        public Options {
            if (vocabSize < SPECIAL_TOKENS.size()) {
                throw new IllegalArgumentException("vocabulary size " + vocabSize + " cannot hold the "
                        + SPECIAL_TOKENS.size() + " special tokens");
            }
            if (minFrequency < 0 || limitAlphabet < 1 || maxWords < 1) {
                throw new IllegalArgumentException("the minimum frequency must not be negative, and the alphabet limit and"
                        + " the words held at least 1; got " + minFrequency + ", " + limitAlphabet + " and " + maxWords);
            }
        }

        public static Options of(int vocabSize) {
            return new Options(vocabSize, DEFAULT_MIN_FREQUENCY, DEFAULT_LIMIT_ALPHABET, DEFAULT_MAX_WORDS);
        }
    }

    /** Finds morpheme boundaries in normalized text, for learning a vocabulary along them. */
    @FunctionalInterface
    public interface MorphemeSplitter {
        /** The char offsets in {@code text} where a morpheme starts, ascending. */
        int[] morphemeStarts(String text);
    }

    /**
     * What was counted and learned.
     *
     * @param words       word occurrences counted (morpheme pieces in morpheme mode)
     * @param distinct    distinct words held when training started
     * @param pruned      distinct words dropped by pruning
     * @param longSkipped occurrences of words too long for WordPiece
     * @param alphabet    initial characters kept
     * @param merges      merges performed
     */
    public record Summary(long words, int distinct, long pruned, long longSkipped, int alphabet, int merges) {
    }

    private final Options options;
    private final MorphemeSplitter splitter;
    private final BertNormalizer normalizer = new BertNormalizer(false, false, true);
    private final TextBuffer normalized = new TextBuffer(256);
    private final BertPreTokenizer.WordSink counter = this::countWord;
    private HashMap<String, long[]> counts = new HashMap<>();
    private long words;
    private long pruned;
    private long longSkipped;
    private int pruneFloor;
    private int[] starts;
    private int startCursor;
    private Summary summary;

    public WordPieceTrainer(Options options, MorphemeSplitter splitterOrNull) {
        this.options = Objects.requireNonNull(options, "options");
        this.splitter = splitterOrNull;
    }

    /** Counts the words of one piece of text (a line of a corpus). */
    public void addText(String text) {
        if (summary != null) {
            throw new IllegalStateException("train() has run already");
        }
        normalized.setLength(0);
        text = WordPieceTokenizer.composed(text);
        normalizer.normalize(text, 0, text.length(), normalized);
        starts = splitter == null ? null : splitter.morphemeStarts(normalized.toString());
        startCursor = 0;
        BertPreTokenizer.split(normalized.array(), 0, normalized.length(), counter);
        if (counts.size() > options.maxWords()) {
            prune();
        }
    }

    /**
     * Adds the counts of {@code other} (which is left as it was), so that several trainers can count parts of a
     * corpus in parallel and one of them train.
     */
    public void addCounts(WordPieceTrainer other) {
        if (summary != null || other.summary != null) {
            throw new IllegalStateException("train() has run already");
        }
        other.counts.forEach((w, c) -> counts.computeIfAbsent(w, k -> new long[1])[0] += c[0]);
        words += other.words;
        pruned += other.pruned;
        longSkipped += other.longSkipped;
        if (counts.size() > options.maxWords()) {
            prune();
        }
    }

    private void countWord(char[] text, int from, int to) {
        if (to - from > WordPieceTokenizer.MAX_INPUT_CHARS_PER_WORD
                && Character.codePointCount(text, from, to - from) > WordPieceTokenizer.MAX_INPUT_CHARS_PER_WORD) {
            longSkipped++;
            return;
        }
        if (starts == null) {
            count(new String(text, from, to - from));
            return;
        }
        while (startCursor < starts.length && starts[startCursor] <= from) {
            startCursor++;
        }
        int pieceStart = from;
        for (; startCursor < starts.length && starts[startCursor] < to; startCursor++) {
            int s = starts[startCursor];
            if (s > pieceStart && !Character.isLowSurrogate(text[s])) {
                count(piece(text, from, pieceStart, s));
                pieceStart = s;
            }
        }
        count(piece(text, from, pieceStart, to));
    }

    private static String piece(char[] text, int wordStart, int from, int to) {
        String s = new String(text, from, to - from);
        return from == wordStart ? s : PREFIX + s;
    }

    private void count(String word) {
        counts.computeIfAbsent(word, w -> new long[1])[0]++;
        words++;
    }

    private void prune() {
        while (counts.size() > options.maxWords()) {
            int floor = ++pruneFloor;
            int before = counts.size();
            counts.values().removeIf(c -> c[0] <= floor);
            pruned += before - counts.size();
        }
    }

    /** The counts so far, for tests. */
    Map<String, Long> wordCounts() {
        Map<String, Long> copy = new HashMap<>();
        counts.forEach((w, c) -> copy.put(w, c[0]));
        return copy;
    }

    public Summary summary() {
        return summary;
    }

    /**
     * Learns the vocabulary from the words counted, releasing the counts.
     *
     * @param progress told the vocabulary size after each merge
     * @return the tokens in id order
     */
    public List<String> train(IntConsumer progress) {
        if (summary != null) {
            throw new IllegalStateException("train() has run already");
        }
        List<String> vocab = new ArrayList<>(SPECIAL_TOKENS);
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < vocab.size(); i++) {
            ids.put(vocab.get(i), i);
        }
        int[] alphabet = alphabet();
        int[] initialId = new int[Character.MAX_CODE_POINT + 1];
        int[] continuingId = new int[Character.MAX_CODE_POINT + 1];
        Arrays.fill(initialId, -1);
        Arrays.fill(continuingId, -1);
        for (int cp : alphabet) {
            initialId[cp] = addToken(Character.toString(cp), vocab, ids);
        }
        boolean[] continues = continuingChars(initialId);
        for (int cp : alphabet) {
            if (continues[cp]) {
                continuingId[cp] = addToken(PREFIX + Character.toString(cp), vocab, ids);
            }
        }
        Merger merger = new Merger(counts.size(), vocab, ids);
        counts.forEach((word, c) -> merger.addWord(symbols(word, initialId, continuingId), c[0]));
        int distinct = counts.size();
        counts = null;
        int merges = merger.run(options.vocabSize(), options.minFrequency(), progress);
        summary = new Summary(words, distinct, pruned, longSkipped, alphabet.length, merges);
        return List.copyOf(vocab);
    }

    private static int addToken(String token, List<String> vocab, Map<String, Integer> ids) {
        return ids.computeIfAbsent(token, t -> {
            vocab.add(t);
            return vocab.size() - 1;
        });
    }

    /** The {@code limitAlphabet} most frequent characters (ties: smaller code point), in code point order. */
    private int[] alphabet() {
        long[] chars = new long[Character.MAX_CODE_POINT + 1];
        counts.forEach((word, c) -> {
            for (int i = start(word); i < word.length(); ) {
                int cp = word.codePointAt(i);
                i += Character.charCount(cp);
                chars[cp] += c[0];
            }
        });
        return IntStream.range(0, chars.length)
                .filter(cp -> chars[cp] > 0)
                .boxed()
                .sorted((x, y) -> chars[x] != chars[y] ? Long.compare(chars[y], chars[x]) : Integer.compare(x, y))
                .limit(options.limitAlphabet())
                .mapToInt(Integer::intValue)
                .sorted()
                .toArray();
    }

    /** Which kept characters occur after the first character of a word, and so need a "##" form. */
    private boolean[] continuingChars(int[] initialId) {
        boolean[] continues = new boolean[Character.MAX_CODE_POINT + 1];
        counts.forEach((word, c) -> {
            boolean first = start(word) == 0;
            for (int i = start(word); i < word.length(); ) {
                int cp = word.codePointAt(i);
                i += Character.charCount(cp);
                if (!first && initialId[cp] >= 0) {
                    continues[cp] = true;
                }
                first = false;
            }
        });
        return continues;
    }

    /**
     * A word as symbol ids. As in the crate, characters outside the alphabet are left out, and a character is a
     * continuation exactly when it is not the word's first one.
     */
    private static int[] symbols(String word, int[] initialId, int[] continuingId) {
        int start = start(word);
        int[] out = new int[word.length() - start];
        int n = 0;
        for (int i = start; i < word.length(); ) {
            int cp = word.codePointAt(i);
            int id = i == 0 ? initialId[cp] : continuingId[cp];
            i += Character.charCount(cp);
            if (id >= 0) {
                out[n++] = id;
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /** Continuation pieces of morpheme mode carry the prefix in their key. */
    private static int start(String word) {
        return word.startsWith(PREFIX) ? PREFIX.length() : 0;
    }

    /**
     * Writes {@code vocab} as vocab.txt with a tokenizer_config.json (no lowercasing, no accent stripping) that
     * Raccoon's {@link WordPieceTokenizer} and transformers' AutoTokenizer load. Creates {@code dir} if needed.
     */
    public static void save(List<String> vocab, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(WordPieceTokenizer.VOCAB_FILE_NAME);
        Files.writeString(file, String.join("\n", vocab) + "\n", StandardCharsets.UTF_8);
        WordPieceTokenizer.fromVocab(file, false).save(dir);
    }

    /**
     * The merge loop: words as symbol arrays, pair counts with the words each pair occurred in, and a max-heap of
     * (count, pair) entries updated lazily: an entry is pushed when a pair's count grows, and a popped entry whose
     * count is out of date is pushed back with the current count, so no merge needs a full recount.
     */
    private static final class Merger {
        private final List<String> vocab;
        private final Map<String, Integer> ids;
        private int[][] words;
        private int[] lengths;
        private long[] wordCounts;
        private int wordCount;
        private final PairTable pairs = new PairTable();
        private final MergeQueue queue = new MergeQueue(pairs);
        private int[] touched = new int[64];
        private int touchedCount;
        private int step;

        Merger(int capacity, List<String> vocab, Map<String, Integer> ids) {
            this.vocab = vocab;
            this.ids = ids;
            words = new int[Math.max(16, capacity)][];
            lengths = new int[words.length];
            wordCounts = new long[words.length];
        }

        void addWord(int[] symbols, long count) {
            if (symbols.length < 2) {
                return; // nothing to merge
            }
            int w = wordCount++;
            words[w] = symbols;
            lengths[w] = symbols.length;
            wordCounts[w] = count;
            for (int i = 0; i + 1 < symbols.length; i++) {
                change(symbols[i], symbols[i + 1], count, w);
            }
        }

        int run(int vocabSize, int minFrequency, IntConsumer progress) {
            for (int i = 0; i < touchedCount; i++) {
                queue.push(touched[i], pairs.count[touched[i]]);
            }
            touchedCount = 0;
            int[] stamp = new int[wordCount];
            int merges = 0;
            while (vocab.size() < vocabSize && !queue.isEmpty()) {
                int p = queue.topPair();
                long c = queue.topCount();
                queue.pop();
                long current = pairs.count[p];
                if (c != current) {
                    if (current > 0) {
                        queue.push(p, current);
                    }
                    continue;
                }
                if (c < Math.max(1, minFrequency)) {
                    break;
                }
                int a = (int) (pairs.key[p] >>> 32);
                int b = (int) pairs.key[p];
                String right = vocab.get(b);
                String token = vocab.get(a) + (right.startsWith(PREFIX) ? right.substring(PREFIX.length()) : right);
                int id = addToken(token, vocab, ids);
                merges++;
                step++;
                int[] positions = pairs.positions[p];
                int n = pairs.positionCount[p];
                for (int k = 0; k < n; k++) {
                    int w = positions[k];
                    if (stamp[w] != step) {
                        stamp[w] = step;
                        merge(w, a, b, id);
                    }
                }
                pairs.count[p] = 0;
                pairs.positions[p] = null;
                pairs.positionCount[p] = 0;
                for (int i = 0; i < touchedCount; i++) {
                    int q = touched[i];
                    if (pairs.count[q] > 0) {
                        queue.push(q, pairs.count[q]);
                    }
                }
                touchedCount = 0;
                progress.accept(vocab.size());
            }
            return merges;
        }

        /** Replaces each (a, b) in word {@code w}, left to right, by {@code id}, updating the neighbours' pairs. */
        private void merge(int w, int a, int b, int id) {
            int[] s = words[w];
            int n = lengths[w];
            long count = wordCounts[w];
            int out = 0;
            for (int r = 0; r < n; ) {
                if (s[r] == a && r + 1 < n && s[r + 1] == b) {
                    if (out > 0) {
                        change(s[out - 1], a, -count, w);
                        change(s[out - 1], id, count, w);
                    }
                    s[out++] = id;
                    r += 2;
                    if (r < n) {
                        change(b, s[r], -count, w);
                        change(id, s[r], count, w);
                    }
                } else {
                    s[out++] = s[r++];
                }
            }
            lengths[w] = out;
        }

        private void change(int a, int b, long delta, int w) {
            int p = pairs.index(((long) a << 32) | (b & 0xFFFFFFFFL));
            pairs.count[p] += delta;
            if (delta > 0) {
                pairs.addPosition(p, w);
                if (pairs.touchedStep[p] != step + 1) {
                    pairs.touchedStep[p] = step + 1;
                    if (touchedCount == touched.length) {
                        touched = Arrays.copyOf(touched, touchedCount * 2);
                    }
                    touched[touchedCount++] = p;
                }
            }
        }
    }

    /** Pairs by their key {@code a << 32 | b}: open addressing onto dense indices with per-pair arrays. */
    private static final class PairTable {
        private long[] slots = new long[1 << 16];
        private int[] slotIndex = new int[slots.length];
        long[] key = new long[1 << 12];
        long[] count = new long[key.length];
        int[][] positions = new int[key.length][];
        int[] positionCount = new int[key.length];
        int[] touchedStep = new int[key.length];
        private int size;

        PairTable() {
            Arrays.fill(slots, -1);
        }

        int index(long k) {
            int mask = slots.length - 1;
            for (int i = hash(k) & mask; ; i = (i + 1) & mask) {
                if (slots[i] == k) {
                    return slotIndex[i];
                }
                if (slots[i] == -1) {
                    return insert(k, i);
                }
            }
        }

        private int insert(long k, int slot) {
            if (size == key.length) {
                int n = size * 2;
                key = Arrays.copyOf(key, n);
                count = Arrays.copyOf(count, n);
                positions = Arrays.copyOf(positions, n);
                positionCount = Arrays.copyOf(positionCount, n);
                touchedStep = Arrays.copyOf(touchedStep, n);
            }
            int p = size++;
            key[p] = k;
            slots[slot] = k;
            slotIndex[slot] = p;
            if (size * 2 > slots.length) {
                rehash();
            }
            return p;
        }

        private void rehash() {
            long[] newSlots = new long[slots.length * 2];
            int[] newIndex = new int[newSlots.length];
            Arrays.fill(newSlots, -1);
            int mask = newSlots.length - 1;
            for (int p = 0; p < size; p++) {
                int i = hash(key[p]) & mask;
                while (newSlots[i] != -1) {
                    i = (i + 1) & mask;
                }
                newSlots[i] = key[p];
                newIndex[i] = p;
            }
            slots = newSlots;
            slotIndex = newIndex;
        }

        private static int hash(long k) {
            long h = k * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 29));
        }

        /** Records that word {@code w} holds pair {@code p}; stale and repeated entries are skipped when merging. */
        void addPosition(int p, int w) {
            int[] list = positions[p];
            int n = positionCount[p];
            if (list == null) {
                list = positions[p] = new int[2];
            } else if (list[n - 1] == w) {
                return;
            } else if (n == list.length) {
                list = positions[p] = Arrays.copyOf(list, n + (n >> 1) + 1);
            }
            list[n] = w;
            positionCount[p] = n + 1;
        }
    }

    /** Binary max-heap of (count, pair): higher count first, then the smaller pair key, as the crate orders. */
    private static final class MergeQueue {
        private final PairTable pairs;
        private int[] pair = new int[1 << 12];
        private long[] count = new long[pair.length];
        private int size;

        MergeQueue(PairTable pairs) {
            this.pairs = pairs;
        }

        boolean isEmpty() {
            return size == 0;
        }

        int topPair() {
            return pair[0];
        }

        long topCount() {
            return count[0];
        }

        void push(int p, long c) {
            if (size == pair.length) {
                pair = Arrays.copyOf(pair, size * 2);
                count = Arrays.copyOf(count, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (!before(p, c, pair[parent], count[parent])) {
                    break;
                }
                pair[i] = pair[parent];
                count[i] = count[parent];
                i = parent;
            }
            pair[i] = p;
            count[i] = c;
        }

        void pop() {
            int p = pair[--size];
            long c = count[size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && before(pair[child + 1], count[child + 1], pair[child], count[child])) {
                    child++;
                }
                if (!before(pair[child], count[child], p, c)) {
                    break;
                }
                pair[i] = pair[child];
                count[i] = count[child];
                i = child;
            }
            if (size > 0) {
                pair[i] = p;
                count[i] = c;
            }
        }

        private boolean before(int p, long c, int q, long d) {
            return c != d ? c > d : pairs.key[p] < pairs.key[q];
        }
    }
}
