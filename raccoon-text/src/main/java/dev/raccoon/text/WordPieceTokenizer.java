package dev.raccoon.text;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * BERT/ELECTRA WordPiece tokenizer that gives the same ids as Hugging Face transformers' BertTokenizerFast (the
 * tokenizers crate) for text in NFC: text is first composed to NFC, as transformers' slow BertTokenizer does (the
 * fast one reads decomposed Hangul jamo by jamo, as [UNK]); then added/special tokens matched in the raw text, BertNormalizer, BertPreTokenizer (split on
 * whitespace and punctuation), greedy longest-match-first WordPiece with "##" continuations and words over
 * {@value #MAX_INPUT_CHARS_PER_WORD} chars as [UNK], then the BERT template with longest_first truncation.
 *
 * <p>Immutable and thread-safe. A text that is not valid Unicode (an unpaired surrogate, {@link #invalidUnicode}) is
 * refused with an IllegalArgumentException: transformers cannot even receive one from Python.
 */
public final class WordPieceTokenizer {

    /** Longer words (in code points, after normalization) become a single [UNK], as in transformers. */
    public static final int MAX_INPUT_CHARS_PER_WORD = 100;

    public static final String VOCAB_FILE_NAME = "vocab.txt";
    /** The tokenizer's settings beside vocab.txt, as transformers writes them. */
    public static final String CONFIG_FILE_NAME = TokenizerConfig.FILE_NAME;

    /**
     * Whether {@code text} holds nothing the tokenizer keeps: only whitespace, control and format characters (NUL,
     * zero-width spaces) or U+FFFD. Such a text encodes to [CLS] [SEP] alone, so a prediction for it means nothing.
     */
    public static boolean isBlank(CharSequence text) {
        Objects.requireNonNull(text, "text");
        for (int i = 0; i < text.length(); ) {
            int cp = Character.codePointAt(text, i);
            if (cp != 0xFFFD && !BertNormalizer.isControl(cp) && !BertNormalizer.isWhitespace(cp)) return false;
            i += Character.charCount(cp);
        }
        return true;
    }

    /**
     * Why {@code text} is not Unicode text, or null when it is: a UTF-16 surrogate without its partner (as a JSON
     * escape such as {@code "\\ud800"} can make) is no character; UTF-8 cannot encode it and transformers' tokenizer
     * refuses it, so Raccoon refuses it too rather than guess what was meant.
     */
    public static String invalidUnicode(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) i++;
            else if (Character.isSurrogate(c))
                return String.format("not valid Unicode: an unpaired surrogate \\u%04x at character %d", (int) c, i + 1);
        }
        return null;
    }

    private final Path vocabFile;
    private final Vocabulary vocab;
    private final TokenizerConfig config;
    private final BertNormalizer normalizer;
    private final SubwordTrie trie;
    private final List<AddedToken> addedTokens;
    private final AddedTokenMatcher rawMatcher;
    private final AddedTokenMatcher normalizedMatcher;

    private WordPieceTokenizer(Path vocabFile, List<String> baseTokens, TokenizerConfig config, Path configFile) {
        this.vocabFile = vocabFile;
        this.config = config;
        this.normalizer = new BertNormalizer(config.lowerCase(), config.effectiveStripAccents(),
                config.chineseChars());
        List<String> tokens = new ArrayList<>(baseTokens);
        Map<String, Integer> ids = HashMap.newHashMap(tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            ids.put(tokens.get(i), i);
        }
        Map<String, AddedToken> added = new LinkedHashMap<>();
        for (AddedToken t : config.declaredTokens()) {
            Integer id = ids.get(t.content());
            if (id == null) {
                // transformers numbers tokens missing from vocab.txt after it; the model's embeddings rely on that
                if (t.id() != tokens.size()) {
                    throw new IllegalArgumentException(configFile + ": added token \"" + t.content() + "\" has id "
                            + t.id() + ", but it is not in " + vocabFile + " and the next free id is "
                            + tokens.size());
                }
                id = t.id();
                tokens.add(t.content());
                ids.put(t.content(), id);
            }
            added.putIfAbsent(t.content(), new AddedToken(id, t.content(), t.special(), t.normalized(),
                    t.lstrip(), t.rstrip(), t.singleWord()));
        }
        String[][] required = {{"unk_token", config.unkToken()}, {"cls_token", config.clsToken()},
                {"sep_token", config.sepToken()}, {"pad_token", config.padToken()}};
        for (String[] r : required) {
            if (!ids.containsKey(r[1])) {
                throw new IllegalArgumentException(vocabFile + ": no line holds " + r[1] + " (the " + r[0]
                        + "); a BERT vocabulary needs [UNK], [CLS], [SEP] and [PAD]");
            }
        }
        if (ids.get(config.unkToken()) >= baseTokens.size()) {
            throw new IllegalArgumentException(vocabFile + ": WordPiece needs the unk_token " + config.unkToken()
                    + " in the vocabulary file itself");
        }
        List<String> specials = new ArrayList<>(List.of(config.unkToken(), config.sepToken(), config.padToken(),
                config.clsToken(), config.maskToken()));
        specials.addAll(config.extraSpecialTokens());
        for (String s : specials) {
            if (s.isEmpty() || added.containsKey(s)) {
                continue;
            }
            // As transformers does, a special token missing from vocab.txt (say [MASK]) gets the next id.
            Integer id = ids.get(s);
            if (id == null) {
                id = tokens.size();
                tokens.add(s);
                ids.put(s, id);
            }
            added.put(s, AddedToken.special(id, s));
        }
        this.vocab = new Vocabulary(tokens, baseTokens.size(), config.padToken(), config.unkToken(),
                config.clsToken(), config.sepToken(), config.maskToken());
        this.trie = vocab.trie();
        this.addedTokens = List.copyOf(added.values());
        this.rawMatcher = new AddedTokenMatcher(addedTokens.stream().filter(t -> !t.normalized()).toList(), null);
        this.normalizedMatcher = new AddedTokenMatcher(addedTokens.stream().filter(AddedToken::normalized).toList(),
                normalizer);
    }

    /**
     * Loads a model directory in Hugging Face layout: tokenizer.json when present (what transformers' fast tokenizer
     * reads first, and all that transformers 5 writes besides tokenizer_config.json), else vocab.txt; with
     * tokenizer_config.json when present (without it, transformers' defaults apply, do_lower_case=true included), and
     * special_tokens_map.json and added_tokens.json as transformers merges them ({@link TokenizerConfig#withLegacyTokenFiles}).
     *
     * @throws IOException if a file is missing, unreadable, not UTF-8, not JSON, or its content is invalid (the
     *                     message names file and line)
     */
    public static WordPieceTokenizer load(Path modelDir) throws IOException {
        if (!ModelFiles.exists(Objects.requireNonNull(modelDir, "modelDir")))
            throw new NoSuchFileException(modelDir.toString(), null, "no such model directory");
        if (!Files.isDirectory(modelDir))
            throw new NoSuchFileException(modelDir.toString(), null,
                    "not a directory; a tokenizer is read from the model directory that holds vocab.txt or tokenizer.json");
        try {
            return read(modelDir);
        } catch (IllegalArgumentException e) { // invalid content: one failure for a caller to catch, as for config.json
            throw new IOException(e.getMessage(), e);
        }
    }

    private static WordPieceTokenizer read(Path modelDir) throws IOException {
        Path configFile = modelDir.resolve(TokenizerConfig.FILE_NAME);
        boolean configFound = ModelFiles.exists(configFile);
        TokenizerConfig config = (configFound ? TokenizerConfig.read(configFile) : TokenizerConfig.defaults(true))
                .withLegacyTokenFiles(modelDir);
        // where an added token's id is given: added_tokens.json when transformers reads it, else the usual files
        Path addedTokensFile = modelDir.resolve(TokenizerConfig.ADDED_TOKENS_FILE_NAME);
        boolean legacyAddedTokens = config.readsLegacyTokenFiles() && ModelFiles.exists(addedTokensFile);
        Path tokenizerJson = modelDir.resolve(TokenizerJson.FILE_NAME);
        if (ModelFiles.exists(tokenizerJson)) {
            TokenizerJson.Contents contents = TokenizerJson.read(tokenizerJson, config);
            return new WordPieceTokenizer(tokenizerJson, contents.vocab(), contents.config(),
                    legacyAddedTokens ? addedTokensFile : tokenizerJson);
        }
        Path vocabFile = modelDir.resolve(VOCAB_FILE_NAME);
        if (!ModelFiles.exists(vocabFile))
            throw new NoSuchFileException(vocabFile.toString(), null, "no vocab.txt or tokenizer.json in the model directory");
        List<String> vocab = Vocabulary.readFile(vocabFile);
        WordPieceTokenizer tokenizer = new WordPieceTokenizer(vocabFile, vocab, config,
                legacyAddedTokens ? addedTokensFile : configFile);
        if (!config.raw().hasNonNull("do_lower_case"))
            requireUncased(vocab, vocabFile, configFound);
        return tokenizer;
    }

    /**
     * Unless tokenizer_config.json says do_lower_case, transformers lower-cases and strips accents, which decomposes
     * every Hangul syllable: over a cased vocabulary (KoELECTRA's, Raccoon's own) nearly every Korean word would read
     * as [UNK] and the model would answer almost the same whatever the text. Such a directory is refused.
     */
    private static void requireUncased(List<String> vocab, Path vocabFile, boolean configFound) {
        BertNormalizer uncased = new BertNormalizer(true, true, false);
        TextBuffer normalized = new TextBuffer(32);
        int pieces = 0, cased = 0;
        String example = null;
        for (String token : vocab) {
            if (token.startsWith("[") && token.endsWith("]")) continue; // [CLS], [unused0]: matched before normalizing
            String piece = token.startsWith("##") ? token.substring(2) : token;
            normalized.setLength(0);
            uncased.normalize(piece, 0, piece.length(), normalized);
            pieces++;
            if (!normalized.toString().equals(piece)) {
                cased++;
                if (example == null) example = token;
            }
        }
        if (cased > pieces / 20)
            throw new IllegalArgumentException(vocabFile.getParent() + (configFound ? "'s " + TokenizerConfig.FILE_NAME
                    + " does not set do_lower_case" : " has no " + TokenizerConfig.FILE_NAME)
                    + ", so do_lower_case is true (transformers' default), but " + cased + " of the " + pieces
                    + " pieces of vocab.txt (such as '" + example + "') hold capitals, accents or Hangul syllables that"
                    + " lower-casing never produces, and words with them would read as [UNK]; give "
                    + TokenizerConfig.FILE_NAME + " {\"do_lower_case\": false} (or true, if the model was trained"
                    + " lower-cased)");
    }

    /**
     * The vocabulary a new model is built over: a model directory's tokenizer ({@link #load}), or a bare vocab.txt
     * read with do_lower_case=false, since lowercasing with accent stripping would decompose Hangul syllables.
     */
    public static WordPieceTokenizer loadVocabulary(Path directoryOrVocabFile) throws IOException {
        if (!Files.exists(directoryOrVocabFile))
            throw new NoSuchFileException(directoryOrVocabFile.toString(), null, "no such tokenizer directory or vocab.txt file");
        return Files.isDirectory(directoryOrVocabFile) ? load(directoryOrVocabFile) : fromVocab(directoryOrVocabFile, false);
    }

    /**
     * A tokenizer over a bare vocab.txt with transformers' defaults otherwise; accents are stripped exactly when
     * {@code lowerCase} is set, as in transformers when strip_accents is not given.
     */
    public static WordPieceTokenizer fromVocab(Path vocabFile, boolean lowerCase) throws IOException {
        return new WordPieceTokenizer(vocabFile, Vocabulary.readFile(vocabFile), TokenizerConfig.defaults(lowerCase),
                null);
    }

    /**
     * Writes vocab.txt and a tokenizer_config.json that transformers' AutoTokenizer loads as this tokenizer
     * (ElectraTokenizerFast unless the loaded config named another class): its added_tokens_decoder and special tokens
     * hold what special_tokens_map.json and added_tokens.json gave, so neither is needed. Creates {@code dir} if needed.
     */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        StringBuilder sb = new StringBuilder(vocab.baseSize() * 8);
        for (String t : vocab.baseTokens()) {
            sb.append(t).append('\n');
        }
        Files.writeString(dir.resolve(VOCAB_FILE_NAME), sb, StandardCharsets.UTF_8);
        ObjectNode json = config.toJson(addedTokens);
        Files.writeString(dir.resolve(TokenizerConfig.FILE_NAME),
                TokenizerConfig.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n",
                StandardCharsets.UTF_8);
    }

    public Vocabulary vocab() {
        return vocab;
    }

    /** The file the vocabulary was read from: vocab.txt, or tokenizer.json. */
    public Path vocabFile() {
        return vocabFile;
    }

    public boolean lowerCase() {
        return config.lowerCase();
    }

    public boolean stripAccents() {
        return config.effectiveStripAccents();
    }

    /** model_max_length of tokenizer_config.json (512 when absent or unbounded there). */
    public int modelMaxLength() {
        return config.modelMaxLength();
    }

    /**
     * {@code text} in NFC, which BertTokenizerFast does not apply but transformers' (slow) BertTokenizer does: text
     * copied on macOS or iOS often holds Hangul decomposed into jamo, which a vocabulary of syllables reads as [UNK]
     * word for word.
     */
    public static String composed(String text) {
        return Normalizer.isNormalized(text, Normalizer.Form.NFC) ? text : Normalizer.normalize(text, Normalizer.Form.NFC);
    }

    /** The WordPiece tokens of {@code text}, without [CLS]/[SEP] and without truncation. */
    public List<String> tokenize(String text) {
        requireUnicode(Objects.requireNonNull(text, "text"), "text");
        IntList ids = ids(text, Integer.MAX_VALUE);
        String[] tokens = new String[ids.size()];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = vocab.token(ids.get(i));
        }
        return List.of(tokens);
    }

    private static void requireUnicode(String text, String what) {
        String problem = invalidUnicode(text);
        if (problem != null) throw new IllegalArgumentException(what + ": " + problem);
    }

    /** {@link #encode(String, String, int)} of a single text. */
    public Encoding encode(String text, int maxLength) {
        return encode(text, null, maxLength);
    }

    /**
     * Encodes {@code [CLS] text [SEP]}, or {@code [CLS] text [SEP] textPair [SEP]}, truncated to {@code maxLength}
     * ids as transformers' {@code truncation=True, max_length=maxLength} (longest_first) does. An empty
     * {@code textPairOrNull} counts as no pair, as in transformers.
     *
     * @throws IllegalArgumentException if {@code maxLength} cannot hold the special tokens (2, or 3 for a pair), or a
     *                                  text is not valid Unicode ({@link #invalidUnicode})
     */
    public Encoding encode(String text, String textPairOrNull, int maxLength) {
        return encode(text, textPairOrNull, maxLength, Truncation.HEAD);
    }

    /**
     * {@link #encode(String, String, int)}, with a single text that does not fit cut as {@code truncation} says; a
     * pair is always cut longest_first, as transformers cuts it.
     */
    public Encoding encode(String text, String textPairOrNull, int maxLength, Truncation truncation) {
        Objects.requireNonNull(truncation, "truncation");
        Objects.requireNonNull(text, "text");
        requireUnicode(text, "text");
        if (textPairOrNull != null) requireUnicode(textPairOrNull, "text pair");
        // transformers drops an empty text_pair (Python treats "" as false)
        boolean pair = textPairOrNull != null && !textPairOrNull.isEmpty();
        int budget = maxLength - (pair ? 3 : 2);
        if (budget < 0) {
            throw new IllegalArgumentException("maxLength " + maxLength + " leaves no room for the special tokens");
        }
        // The tokenizers crate stops tokenizing each sequence at about maxLength tokens (see SequenceEncoder);
        // for a pair, that decides which one longest_first takes as the longer. A tail needs the whole text.
        boolean tail = !pair && truncation != Truncation.HEAD;
        IntList a = ids(text, tail ? Integer.MAX_VALUE : maxLength);
        IntList b = pair ? ids(textPairOrNull, maxLength) : null;
        int n1 = a.size();
        int n2 = pair ? b.size() : 0;
        if (n1 + n2 > budget) {
            if (!pair) {
                if (tail) a = headAndTail(a, truncation.head(budget), budget);
                n1 = budget;
            } else {
                long lengths = longestFirst(n1, n2, budget);
                n1 = Math.min(n1, (int) (lengths >>> 32));
                n2 = Math.min(n2, (int) lengths);
            }
        }
        int length = n1 + n2 + (pair ? 3 : 2);
        int[] inputIds = new int[length];
        int[] typeIds = new int[length];
        int k = 0;
        inputIds[k++] = vocab.clsId();
        for (int i = 0; i < n1; i++) {
            inputIds[k++] = a.get(i);
        }
        inputIds[k++] = vocab.sepId();
        if (pair) {
            Arrays.fill(typeIds, k, length, 1);
            for (int i = 0; i < n2; i++) {
                inputIds[k++] = b.get(i);
            }
            inputIds[k++] = vocab.sepId();
        }
        String[] tokens = new String[length];
        for (int i = 0; i < length; i++) {
            tokens[i] = vocab.token(inputIds[i]);
        }
        return new Encoding(inputIds, typeIds, List.of(tokens));
    }

    /** The first {@code head} ids of {@code ids} and its last {@code budget − head}. */
    private static IntList headAndTail(IntList ids, int head, int budget) {
        IntList out = new IntList();
        for (int i = 0; i < head; i++) out.add(ids.get(i));
        for (int i = ids.size() - (budget - head); i < ids.size(); i++) out.add(ids.get(i));
        return out;
    }

    /**
     * The tokenizers crate's longest_first lengths for a pair that exceeds {@code max}: the shorter sequence keeps
     * its length if the longer can fill the rest, else both get half (the longer one, or B on a tie, the odd one).
     * Returns {@code (lengthA << 32) | lengthB}.
     */
    static long longestFirst(int lengthA, int lengthB, int max) {
        boolean swap = lengthA > lengthB;
        int n1 = swap ? lengthB : lengthA;
        int n2 = n1 > max ? n1 : Math.max(n1, max - n1);
        if (n1 + n2 > max) {
            n1 = max / 2;
            n2 = n1 + max % 2;
        }
        return swap ? ((long) n2 << 32) | n1 : ((long) n1 << 32) | n2;
    }

    private IntList ids(String text, int limit) {
        text = composed(text);
        SequenceEncoder encoder = new SequenceEncoder(text.length(), limit);
        rawMatcher.split(text, 0, text.length(), encoder);
        return encoder.ids;
    }

    /**
     * Per-call state: the ids so far and a buffer for the normalized text. Like the tokenizers crate when it
     * truncates, it stops after the first word that brings the ids (added tokens included) to {@code limit}.
     */
    private final class SequenceEncoder implements AddedTokenMatcher.Sink, BertPreTokenizer.WordSink {
        final IntList ids = new IntList();
        private final TextBuffer normalized;
        private final int limit;
        private boolean stopped;
        private final AddedTokenMatcher.Sink normalizedPieces = new AddedTokenMatcher.Sink() {
            @Override
            public void text(CharSequence s, int from, int to) {
                BertPreTokenizer.split(normalized.array(), from, to, SequenceEncoder.this);
            }

            @Override
            public void token(int id) {
                SequenceEncoder.this.token(id);
            }

            @Override
            public boolean done() {
                return SequenceEncoder.this.done();
            }
        };

        SequenceEncoder(int length, int limit) {
            normalized = new TextBuffer(length + 16);
            this.limit = limit;
        }

        @Override
        public void text(CharSequence s, int from, int to) {
            normalized.setLength(0);
            normalizer.normalize(s, from, to, normalized);
            if (normalizedMatcher.isEmpty()) {
                BertPreTokenizer.split(normalized.array(), 0, normalized.length(), this);
            } else {
                normalizedMatcher.split(normalized, 0, normalized.length(), normalizedPieces);
            }
        }

        @Override
        public void token(int id) {
            if (!stopped) {
                ids.add(id);
            }
        }

        @Override
        public boolean done() {
            return stopped;
        }

        @Override
        public void word(char[] text, int from, int to) {
            wordPiece(text, from, to, ids);
            stopped = ids.size() >= limit;
        }
    }

    /** Greedy longest-match-first WordPiece; a word with any unmatchable rest becomes one [UNK]. */
    private void wordPiece(char[] text, int from, int to, IntList out) {
        if (to - from > MAX_INPUT_CHARS_PER_WORD
                && Character.codePointCount(text, from, to - from) > MAX_INPUT_CHARS_PER_WORD) {
            out.add(vocab.unkId());
            return;
        }
        int mark = out.size();
        for (int pos = from; pos < to; ) {
            long match = trie.longestMatch(text, pos, to, pos > from);
            if (match < 0) {
                out.truncate(mark);
                out.add(vocab.unkId());
                return;
            }
            out.add((int) match);
            pos = (int) (match >>> 32);
        }
    }
}
