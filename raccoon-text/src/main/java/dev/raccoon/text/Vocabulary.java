package dev.raccoon.text;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Token strings and ids: the lines of vocab.txt (id = line number - 1), followed by any added tokens of
 * tokenizer_config.json that vocab.txt lacks. Immutable and thread-safe.
 */
public final class Vocabulary {

    private final String[] tokens;
    private final int baseSize;
    private final Map<String, Integer> ids;
    private final int padId;
    private final int unkId;
    private final int clsId;
    private final int sepId;
    private final int maskId;
    private final SubwordTrie trie;

    Vocabulary(List<String> tokens, int baseSize, String pad, String unk, String cls, String sep, String mask) {
        this.tokens = tokens.toArray(String[]::new);
        this.baseSize = baseSize;
        Map<String, Integer> map = HashMap.newHashMap(this.tokens.length);
        for (int i = 0; i < this.tokens.length; i++) {
            map.put(this.tokens[i], i); // a token vocab.txt holds twice has its later id, as in transformers
        }
        this.ids = Map.copyOf(map);
        this.padId = ids.get(pad);
        this.unkId = ids.get(unk);
        this.clsId = ids.get(cls);
        this.sepId = ids.get(sep);
        this.maskId = ids.get(mask);
        // Only vocab.txt is WordPiece's vocabulary; added tokens are matched before WordPiece runs.
        this.trie = new SubwordTrie(this.tokens, baseSize);
    }

    /**
     * A vocabulary of {@code tokens}, ids in list order, with BERT's special tokens [PAD] [UNK] [CLS] [SEP] [MASK]
     * among them: for models built in code (benchmarks, tests) rather than read from a directory.
     *
     * @throws IllegalArgumentException if a token repeats or a special token is missing
     */
    public static Vocabulary of(List<String> tokens) {
        if (new java.util.HashSet<>(tokens).size() != tokens.size())
            throw new IllegalArgumentException("the tokens repeat");
        for (String special : List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"))
            if (!tokens.contains(special)) throw new IllegalArgumentException("the tokens lack " + special);
        return new Vocabulary(tokens, tokens.size(), "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");
    }

    /**
     * Reads vocab.txt as transformers does: one token per line, ids in line order, line breaks \n, \r\n or \r.
     *
     * @throws IOException              if the file is missing, unreadable or not UTF-8
     * A token on two lines keeps both ids, and text reads as the later one: transformers' BertTokenizer and the
     * tokenizers library both fill a map line by line.
     *
     * @throws IllegalArgumentException if it is empty
     */
    static List<String> readFile(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = ModelFiles.read(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "vocabulary file not found");
        }
        // Split the bytes, not decoded text, so that a decoding error can name its line.
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
        List<String> lines = new ArrayList<>();
        for (int start = 0, i = 0; start < bytes.length; start = ++i) {
            while (i < bytes.length && bytes[i] != '\n' && bytes[i] != '\r') {
                i++;
            }
            int lineNumber = lines.size() + 1;
            String line;
            try {
                line = utf8.decode(ByteBuffer.wrap(bytes, start, i - start)).toString();
            } catch (CharacterCodingException e) {
                throw new IOException(file + " line " + lineNumber + ": not valid UTF-8", e);
            }
            if (lineNumber == 1 && line.startsWith("\uFEFF"))
                throw new IOException(file + " starts with a byte-order mark, which would be part of its first token \""
                        + line.substring(1) + "\"; save it as UTF-8 without one");
            lines.add(line);
            if (i + 1 < bytes.length && bytes[i] == '\r' && bytes[i + 1] == '\n') {
                i++;
            }
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(file + ": vocabulary file is empty");
        }
        return lines;
    }

    /** Number of tokens, added tokens included: the size an embedding matrix needs. */
    public int size() {
        return tokens.length;
    }

    /** Number of tokens read from vocab.txt. */
    public int baseSize() {
        return baseSize;
    }

    /** The id of {@code token}, or -1 if it is not in the vocabulary. */
    public int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    public boolean contains(String token) {
        return ids.containsKey(token);
    }

    /** @throws IndexOutOfBoundsException if {@code id} is not in [0, size()) */
    public String token(int id) {
        return tokens[java.util.Objects.checkIndex(id, tokens.length)];
    }

    public int padId() {
        return padId;
    }

    public int unkId() {
        return unkId;
    }

    public int clsId() {
        return clsId;
    }

    public int sepId() {
        return sepId;
    }

    public int maskId() {
        return maskId;
    }

    SubwordTrie trie() {
        return trie;
    }

    List<String> baseTokens() {
        return List.of(tokens).subList(0, baseSize);
    }
}
