package dev.raccoon.text;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parts of a transformers tokenizer_config.json that change how a BERT/ELECTRA tokenizer encodes, with
 * transformers' defaults for what is absent. {@code raw} keeps the whole file so that saving preserves the rest.
 *
 * @param stripAccents     null means "same as lowerCase", as in transformers
 * @param declaredTokens   added_tokens_decoder entries, by id
 * @param extraSpecialTokens additional_special_tokens (extra_special_tokens in transformers 5)
 */
record TokenizerConfig(boolean lowerCase, Boolean stripAccents, boolean chineseChars, int modelMaxLength,
                       String tokenizerClass, String unkToken, String sepToken, String padToken, String clsToken,
                       String maskToken, List<AddedToken> declaredTokens, List<String> extraSpecialTokens,
                       ObjectNode raw) {

    static final String FILE_NAME = "tokenizer_config.json";
    /** Where transformers before 4.34 saved the special tokens (also written since, restating the config). */
    static final String SPECIAL_TOKENS_MAP_FILE_NAME = "special_tokens_map.json";
    /** Where transformers before 4.34 saved added tokens, as {token: id}. */
    static final String ADDED_TOKENS_FILE_NAME = "added_tokens.json";
    static final ObjectMapper JSON = new ObjectMapper();

    /** What transformers uses when a model directory has no tokenizer_config.json. */
    static TokenizerConfig defaults(boolean lowerCase) {
        return new TokenizerConfig(lowerCase, null, true, 512, "ElectraTokenizer", "[UNK]", "[SEP]", "[PAD]",
                "[CLS]", "[MASK]", List.of(), List.of(), JsonNodeFactory.instance.objectNode());
    }

    boolean effectiveStripAccents() {
        return stripAccents == null ? lowerCase : stripAccents;
    }

    /** The JSON in {@code file}; a directory in its place, or malformed JSON, is an IOException naming the file. */
    static JsonNode readJson(Path file) throws IOException {
        try {
            return JSON.readTree(ModelFiles.read(file));
        } catch (JacksonException e) {
            throw new IOException(file + ": malformed JSON: " + JsonProblems.describe(e), e);
        }
    }

    private static ObjectNode readObject(Path file) throws IOException {
        if (!(readJson(file) instanceof ObjectNode obj)) {
            throw new IllegalArgumentException(file + ": expected a JSON object");
        }
        return obj;
    }

    static TokenizerConfig read(Path file) throws IOException {
        ObjectNode obj = readObject(file);
        TokenizerConfig d = defaults(true);
        boolean lower = bool(obj, "do_lower_case", file, true);
        JsonNode strip = obj.get("strip_accents");
        Boolean stripAccents = strip == null || strip.isNull() ? null : bool(obj, "strip_accents", file, false);
        List<AddedToken> declared = new ArrayList<>();
        JsonNode decoder = obj.get("added_tokens_decoder");
        if (decoder != null && !decoder.isNull()) {
            if (!decoder.isObject()) {
                throw new IllegalArgumentException(file + ": added_tokens_decoder must be an object");
            }
            for (Map.Entry<String, JsonNode> e : decoder.properties()) {
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException(file + ": added_tokens_decoder key \"" + e.getKey()
                            + "\" is not a token id");
                }
                declared.add(addedToken(e.getValue(), id, file, "added_tokens_decoder." + e.getKey()));
            }
            declared.sort(Comparator.comparingInt(AddedToken::id));
        }
        List<String> extras = new ArrayList<>();
        for (String key : List.of("additional_special_tokens", "extra_special_tokens")) {
            if (obj.path(key).isArray()) {
                extras.addAll(tokenList(obj, key, file));
            }
        }
        return new TokenizerConfig(lower, stripAccents, bool(obj, "tokenize_chinese_chars", file, true),
                modelMaxLength(obj, file), text(obj, "tokenizer_class", d.tokenizerClass()),
                special(obj, "unk_token", d.unkToken(), file), special(obj, "sep_token", d.sepToken(), file),
                special(obj, "pad_token", d.padToken(), file), special(obj, "cls_token", d.clsToken(), file),
                special(obj, "mask_token", d.maskToken(), file), List.copyOf(declared), List.copyOf(extras),
                obj);
    }

    /**
     * This config with what special_tokens_map.json and added_tokens.json in {@code dir} add, merged as transformers 5's
     * {@code PreTrainedTokenizerBase._from_pretrained} does. transformers before 4.34 kept added and additional special
     * tokens only in these two files; later versions write added_tokens_decoder, and a config that has it makes
     * transformers ignore both files. Otherwise the special tokens special_tokens_map.json names replace the config's;
     * its additional_special_tokens count only where the config lists none (additional_special_tokens or
     * extra_special_tokens) and special_tokens_map.json no extra_special_tokens, which are appended; added_tokens.json's
     * {token: id} entries are added tokens, special (matched in the raw text) when a special token of the config or of
     * special_tokens_map.json (its additional ones aside), else normalized.
     */
    TokenizerConfig withLegacyTokenFiles(Path dir) throws IOException {
        if (!readsLegacyTokenFiles()) {
            return this;
        }
        Path mapFile = dir.resolve(SPECIAL_TOKENS_MAP_FILE_NAME);
        Path addedFile = dir.resolve(ADDED_TOKENS_FILE_NAME);
        boolean hasMap = ModelFiles.exists(mapFile);
        boolean hasAdded = ModelFiles.exists(addedFile);
        if (!hasMap && !hasAdded) {
            return this;
        }
        ObjectNode map = hasMap ? readObject(mapFile) : JSON.createObjectNode();
        Set<String> named = new HashSet<>();
        for (String key : List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")) {
            ObjectNode from = map.hasNonNull(key) ? map : raw;
            if (from.hasNonNull(key)) {
                named.add(tokenContent(from.get(key), from == map ? mapFile : dir.resolve(FILE_NAME), key));
            }
        }
        List<String> extras = new ArrayList<>(extraSpecialTokens);
        for (String t : tokenList(map, "extra_special_tokens", mapFile)) {
            if (!extras.contains(t)) {
                extras.add(t);
            }
        }
        Set<String> specialInAddedTokens = new HashSet<>(named);
        specialInAddedTokens.addAll(extras);
        if (!raw.has("additional_special_tokens") && !raw.has("extra_special_tokens") && !map.has("extra_special_tokens")) {
            extras.addAll(tokenList(map, "additional_special_tokens", mapFile));
        }
        List<AddedToken> declared = new ArrayList<>(declaredTokens);
        if (hasAdded) {
            for (Map.Entry<String, JsonNode> e : readObject(addedFile).properties()) {
                if (!e.getValue().canConvertToInt()) {
                    throw new IllegalArgumentException(addedFile + ": \"" + e.getKey() + "\" must map to a token id, not "
                            + e.getValue());
                }
                boolean special = specialInAddedTokens.contains(e.getKey());
                declared.add(new AddedToken(e.getValue().intValue(), e.getKey(), special, !special, false, false, false));
            }
            declared.sort(Comparator.comparingInt(AddedToken::id));
        }
        return new TokenizerConfig(lowerCase, stripAccents, chineseChars, modelMaxLength, tokenizerClass,
                special(map, "unk_token", unkToken, mapFile), special(map, "sep_token", sepToken, mapFile),
                special(map, "pad_token", padToken, mapFile), special(map, "cls_token", clsToken, mapFile),
                special(map, "mask_token", maskToken, mapFile), List.copyOf(declared), List.copyOf(extras), raw);
    }

    /** Whether transformers reads special_tokens_map.json and added_tokens.json beside this config. */
    boolean readsLegacyTokenFiles() {
        return !raw.has("added_tokens_decoder");
    }

    /** A list of tokens (strings or objects with "content") under {@code key}, empty when absent. */
    private static List<String> tokenList(ObjectNode obj, String key, Path file) {
        JsonNode list = obj.get(key);
        if (list == null || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new IllegalArgumentException(file + ": " + key + " must be a list of tokens, not " + list);
        }
        List<String> tokens = new ArrayList<>();
        for (JsonNode t : list) {
            tokens.add(tokenContent(t, file, key));
        }
        return tokens;
    }

    /** This config as JSON that transformers' AutoTokenizer loads, keeping unknown keys of the file it came from. */
    ObjectNode toJson(List<AddedToken> addedTokens) {
        ObjectNode out = raw.deepCopy();
        out.put("tokenizer_class", tokenizerClass);
        out.put("do_lower_case", lowerCase);
        if (stripAccents == null) {
            out.putNull("strip_accents");
        } else {
            out.put("strip_accents", stripAccents);
        }
        out.put("tokenize_chinese_chars", chineseChars);
        out.put("model_max_length", modelMaxLength);
        out.put("unk_token", unkToken);
        out.put("sep_token", sepToken);
        out.put("pad_token", padToken);
        out.put("cls_token", clsToken);
        out.put("mask_token", maskToken);
        // additional special tokens read from special_tokens_map.json go where transformers 4 and 5 both read them
        if (!extraSpecialTokens.isEmpty() && !out.has("additional_special_tokens") && !out.has("extra_special_tokens")) {
            extraSpecialTokens.forEach(out.putArray("additional_special_tokens")::add);
        }
        ObjectNode decoder = out.putObject("added_tokens_decoder");
        addedTokens.stream().sorted(Comparator.comparingInt(AddedToken::id)).forEach(t -> decoder
                .putObject(Integer.toString(t.id()))
                .put("content", t.content())
                .put("lstrip", t.lstrip())
                .put("normalized", t.normalized())
                .put("rstrip", t.rstrip())
                .put("single_word", t.singleWord())
                .put("special", t.special()));
        return out;
    }

    private static boolean bool(ObjectNode obj, String key, Path file, boolean fallback) {
        JsonNode v = obj.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw new IllegalArgumentException(file + ": " + key + " must be true or false, not " + v);
        }
        return v.booleanValue();
    }

    private static String text(ObjectNode obj, String key, String fallback) {
        JsonNode v = obj.get(key);
        return v != null && v.isTextual() ? v.textValue() : fallback;
    }

    /** transformers writes a huge number when there is no limit; clamp it. */
    private static int modelMaxLength(ObjectNode obj, Path file) {
        JsonNode v = obj.get("model_max_length");
        if (v == null || v.isNull()) {
            return 512;
        }
        if (!v.isNumber() || v.doubleValue() < 1) {
            throw new IllegalArgumentException(file + ": model_max_length must be a positive number, not " + v);
        }
        return v.canConvertToInt() ? v.intValue() : Integer.MAX_VALUE;
    }

    private static String special(ObjectNode obj, String key, String fallback, Path file) {
        JsonNode v = obj.get(key);
        return v == null || v.isNull() ? fallback : tokenContent(v, file, key);
    }

    /** A token is written either as a string or as an AddedToken object with "content". */
    private static String tokenContent(JsonNode v, Path file, String key) {
        if (v.isTextual()) {
            return v.textValue();
        }
        JsonNode content = v.get("content");
        if (content == null || !content.isTextual()) {
            throw new IllegalArgumentException(file + ": " + key + " must be a string or an object with \"content\"");
        }
        return content.textValue();
    }

    /** transformers' AddedToken defaults: not special, and normalized unless special (tokenizer.json writes the same fields). */
    static AddedToken addedToken(JsonNode v, int id, Path file, String key) {
        String content = tokenContent(v, file, key);
        boolean special = v.path("special").asBoolean(false);
        return new AddedToken(id, content, special, v.path("normalized").asBoolean(!special),
                v.path("lstrip").asBoolean(false), v.path("rstrip").asBoolean(false),
                v.path("single_word").asBoolean(false));
    }
}
