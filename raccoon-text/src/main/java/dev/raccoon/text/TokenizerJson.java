package dev.raccoon.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A Hugging Face tokenizer.json (the tokenizers crate's serialization) of a BERT/ELECTRA WordPiece tokenizer: its
 * vocabulary, its added tokens with their ids, and its BertNormalizer's settings. transformers 5 saves a tokenizer as
 * this file and tokenizer_config.json only, without vocab.txt, and keeps added tokens nowhere else.
 */
final class TokenizerJson {
    static final String FILE_NAME = "tokenizer.json";

    /** The vocabulary in id order and the tokenizer's settings (the rest from tokenizer_config.json). */
    record Contents(List<String> vocab, TokenizerConfig config) {}

    private TokenizerJson() {}

    /**
     * @param fromConfig tokenizer_config.json's settings (or transformers' defaults) with special_tokens_map.json and
     *                   added_tokens.json: the special tokens' names, model_max_length and the added tokens of
     *                   added_tokens.json; tokenizer.json decides the rest
     */
    static Contents read(Path file, TokenizerConfig fromConfig) throws IOException {
        JsonNode root = TokenizerConfig.readJson(file);
        JsonNode model = root.path("model");
        if (!"WordPiece".equals(model.path("type").asText()))
            throw new IllegalArgumentException(file + ": the model is " + (model.isMissingNode() || model.isNull() ? "missing"
                    : !model.isObject() ? model + ", not an object" : model.has("type") ? model.get("type") : "without a type")
                    + "; Raccoon reads WordPiece tokenizers (BERT, ELECTRA)");
        String prefix = model.path("continuing_subword_prefix").asText("##");
        int maxChars = model.path("max_input_chars_per_word").asInt(WordPieceTokenizer.MAX_INPUT_CHARS_PER_WORD);
        if (!prefix.equals("##") || maxChars != WordPieceTokenizer.MAX_INPUT_CHARS_PER_WORD)
            throw new IllegalArgumentException(file + ": WordPiece with continuing_subword_prefix \"" + prefix
                    + "\" and max_input_chars_per_word " + maxChars + "; Raccoon reads \"##\" and 100, BERT's");
        String preTokenizer = root.path("pre_tokenizer").path("type").asText("");
        if (!preTokenizer.equals("BertPreTokenizer"))
            throw new IllegalArgumentException(file + ": pre_tokenizer " + root.path("pre_tokenizer")
                    + "; Raccoon reads BERT's (BertPreTokenizer)");
        JsonNode normalizer = root.path("normalizer");
        if (!"BertNormalizer".equals(normalizer.path("type").asText()))
            throw new IllegalArgumentException(file + ": normalizer " + normalizer + "; Raccoon reads BERT's (BertNormalizer)");
        if (!normalizer.path("clean_text").asBoolean(true)) // it would keep control characters, and tabs as such
            throw new IllegalArgumentException(file + ": normalizer clean_text false; Raccoon reads BERT's clean_text true,"
                    + " which drops control characters and reads any whitespace as a space");

        List<String> vocab = vocabulary(model.path("vocab"), file);
        List<AddedToken> added = new ArrayList<>();
        for (JsonNode t : root.path("added_tokens")) {
            if (!t.path("id").canConvertToInt())
                throw new IllegalArgumentException(file + ": an added token needs an id: " + t);
            added.add(TokenizerConfig.addedToken(t, t.get("id").intValue(), file, "added_tokens"));
        }
        if (fromConfig.readsLegacyTokenFiles()) { // as transformers does, tokenizer.json's token wins at the same id
            Set<Integer> ids = added.stream().map(AddedToken::id).collect(Collectors.toSet());
            fromConfig.declaredTokens().stream().filter(t -> !ids.contains(t.id())).forEach(added::add);
        }
        added.sort(Comparator.comparingInt(AddedToken::id));
        requireBertTemplate(root.path("post_processor"), file, vocab, added, fromConfig);
        JsonNode strip = normalizer.get("strip_accents");
        TokenizerConfig c = fromConfig;
        TokenizerConfig config = new TokenizerConfig(normalizer.path("lowercase").asBoolean(true),
                strip == null || strip.isNull() ? null : strip.asBoolean(), normalizer.path("handle_chinese_chars").asBoolean(true),
                c.modelMaxLength(), c.tokenizerClass(), model.path("unk_token").asText(c.unkToken()), c.sepToken(),
                c.padToken(), c.clsToken(), c.maskToken(), List.copyOf(added), c.extraSpecialTokens(), c.raw());
        return new Contents(vocab, config);
    }

    /**
     * Raccoon encodes [CLS] A [SEP] and [CLS] A [SEP] B [SEP] with type ids 0 up to the first [SEP], 1 after it: the
     * post_processor must be BertProcessing or a TemplateProcessing of that layout, with the vocabulary's ids. Without
     * one, transformers' BertTokenizer puts its own BERT template in place.
     */
    private static void requireBertTemplate(JsonNode postProcessor, Path file, List<String> vocab, List<AddedToken> added,
                                            TokenizerConfig config) {
        if (postProcessor.isMissingNode() || postProcessor.isNull()) return;
        String cls = config.clsToken(), sep = config.sepToken();
        int clsId = idOf(cls, vocab, added), sepId = idOf(sep, vocab, added);
        boolean bert = switch (postProcessor.path("type").asText()) {
            case "BertProcessing" -> postProcessor.path("cls").equals(pair(cls, clsId))
                    && postProcessor.path("sep").equals(pair(sep, sepId));
            case "TemplateProcessing" -> {
                ArrayNode single = template(cls, "A", 0, sep, 0);
                ArrayNode pair = template(cls, "A", 0, sep, 0).addAll(template(null, "B", 1, sep, 1));
                JsonNode specials = postProcessor.path("special_tokens");
                yield postProcessor.path("single").equals(single) && postProcessor.path("pair").equals(pair)
                        && specials.path(cls).equals(specialToken(cls, clsId)) && specials.path(sep).equals(specialToken(sep, sepId));
            }
            default -> false;
        };
        if (!bert)
            throw new IllegalArgumentException(file + ": post_processor " + postProcessor.path("type") + " does not give BERT's"
                    + " " + cls + " A " + sep + " and " + cls + " A " + sep + " B " + sep + " (type ids 0, then 1 from B on) with ids "
                    + clsId + " and " + sepId + "; Raccoon reads only that layout");
    }

    private static int idOf(String token, List<String> vocab, List<AddedToken> added) {
        int id = vocab.lastIndexOf(token);
        return id >= 0 ? id : added.stream().filter(t -> t.content().equals(token)).mapToInt(AddedToken::id).findFirst().orElse(-1);
    }

    private static ArrayNode pair(String token, int id) {
        return JsonNodeFactory.instance.arrayNode().add(token).add(id);
    }

    /** [first] $sequence [last] of a TemplateProcessing, each piece with {@code typeId}; {@code first} may be null. */
    private static ArrayNode template(String first, String sequence, int typeId, String last, int lastTypeId) {
        ArrayNode pieces = JsonNodeFactory.instance.arrayNode();
        if (first != null) pieces.addObject().putObject("SpecialToken").put("id", first).put("type_id", typeId);
        pieces.addObject().putObject("Sequence").put("id", sequence).put("type_id", typeId);
        pieces.addObject().putObject("SpecialToken").put("id", last).put("type_id", lastTypeId);
        return pieces;
    }

    private static ObjectNode specialToken(String token, int id) {
        ObjectNode t = JsonNodeFactory.instance.objectNode().put("id", token);
        t.putArray("ids").add(id);
        t.putArray("tokens").add(token);
        return t;
    }

    /** The {token: id} map as a list in id order; the ids must be 0 … n − 1, each once. */
    private static List<String> vocabulary(JsonNode vocab, Path file) {
        if (!vocab.isObject() || vocab.isEmpty()) throw new IllegalArgumentException(file + ": model.vocab is missing or empty");
        String[] byId = new String[vocab.size()];
        for (Map.Entry<String, JsonNode> e : vocab.properties()) {
            JsonNode id = e.getValue();
            if (!id.canConvertToInt() || id.intValue() < 0 || id.intValue() >= byId.length || byId[id.intValue()] != null)
                throw new IllegalArgumentException(file + ": model.vocab gives \"" + e.getKey() + "\" the id " + id
                        + "; ids must be 0 to " + (byId.length - 1) + ", each once");
            byId[id.intValue()] = e.getKey();
        }
        return Arrays.asList(byId);
    }
}
