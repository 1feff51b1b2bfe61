package dev.raccoon.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.raccoon.model.io.DType;
import dev.raccoon.text.JsonProblems;
import dev.raccoon.text.ModelFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fields of a Hugging Face config.json that ELECTRA and BERT need, with transformers' defaults.
 * Unknown fields are kept in {@link #extra} so that a config read and written again loses nothing.
 */
public record ElectraConfig(
        String modelType,
        List<String> architectures,
        int vocabSize,
        int embeddingSize,
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int intermediateSize,
        String hiddenAct,
        float hiddenDropoutProb,
        float attentionProbsDropoutProb,
        int maxPositionEmbeddings,
        int typeVocabSize,
        float initializerRange,
        float layerNormEps,
        int padTokenId,
        boolean tieWordEmbeddings,
        Float classifierDropout,
        String problemType,
        List<String> labels,
        Map<String, JsonNode> extra) {

    /** Refuses anything after the JSON object, as Python's json.load does (transformers reads config.json with it). */
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public ElectraConfig {
        architectures = architectures == null ? List.of() : List.copyOf(architectures);
        labels = List.copyOf(labels);
        extra = Collections.unmodifiableMap(new TreeMap<>(extra));
        require(vocabSize > 0, "vocab_size must be positive");
        require(hiddenSize > 0 && embeddingSize > 0, "hidden_size and embedding_size must be positive");
        require(numHiddenLayers >= 0, "num_hidden_layers must not be negative");
        require(numAttentionHeads > 0 && hiddenSize % numAttentionHeads == 0,
                "hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + numAttentionHeads);
        require(intermediateSize > 0, "intermediate_size must be positive");
        require(maxPositionEmbeddings > 0 && typeVocabSize > 0, "max_position_embeddings and type_vocab_size must be positive");
        require(!labels.isEmpty(), "a model needs at least one label");
        require(padTokenId >= 0 && padTokenId < vocabSize,
                "pad_token_id " + padTokenId + " is not an id of the vocab_size " + vocabSize + " embeddings");
        // checked here, not where they are used: a model with them computes NaN for every text, or cannot train
        require(layerNormEps > 0 && Float.isFinite(layerNormEps),
                "layer_norm_eps " + layerNormEps + " must be a positive number (transformers' default is 1e-12)");
        requireProbability("hidden_dropout_prob", hiddenDropoutProb);
        requireProbability("attention_probs_dropout_prob", attentionProbsDropoutProb);
        if (classifierDropout != null) requireProbability("classifier_dropout", classifierDropout);
        require("gelu".equals(hiddenAct),
                "hidden_act \"" + hiddenAct + "\" is not supported (Raccoon implements \"gelu\", the exact erf GELU)");
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException("config.json: " + message);
    }

    private static void requireProbability(String field, float p) {
        require(p >= 0 && p < 1, field + " " + p + " must lie in [0, 1)");
    }

    public boolean isBert() { return "bert".equals(modelType); }

    public int numLabels() { return labels.size(); }

    public int headSize() { return hiddenSize / numAttentionHeads; }

    /** Dropout before the classifier's dense and output layers (transformers: classifier_dropout or hidden dropout). */
    public float effectiveClassifierDropout() { return classifierDropout != null ? classifierDropout : hiddenDropoutProb; }

    public ElectraConfig withLabels(List<String> newLabels) {
        return new ElectraConfig(modelType, architectures, vocabSize, embeddingSize, hiddenSize, numHiddenLayers,
                numAttentionHeads, intermediateSize, hiddenAct, hiddenDropoutProb, attentionProbsDropoutProb,
                maxPositionEmbeddings, typeVocabSize, initializerRange, layerNormEps, padTokenId, tieWordEmbeddings,
                classifierDropout, problemType, newLabels, extra);
    }

    public ElectraConfig withArchitectures(List<String> newArchitectures) {
        return new ElectraConfig(modelType, newArchitectures, vocabSize, embeddingSize, hiddenSize, numHiddenLayers,
                numAttentionHeads, intermediateSize, hiddenAct, hiddenDropoutProb, attentionProbsDropoutProb,
                maxPositionEmbeddings, typeVocabSize, initializerRange, layerNormEps, padTokenId, tieWordEmbeddings,
                classifierDropout, problemType, labels, extra);
    }

    /** The same config with hidden and attention dropout {@code p}; the classifier's dropout then follows the hidden one. */
    public ElectraConfig withDropout(float p) {
        return new ElectraConfig(modelType, architectures, vocabSize, embeddingSize, hiddenSize, numHiddenLayers,
                numAttentionHeads, intermediateSize, hiddenAct, p, p, maxPositionEmbeddings, typeVocabSize,
                initializerRange, layerNormEps, padTokenId, tieWordEmbeddings, null, problemType, labels, extra);
    }

    public ElectraConfig withProblemType(String newProblemType) {
        return new ElectraConfig(modelType, architectures, vocabSize, embeddingSize, hiddenSize, numHiddenLayers,
                numAttentionHeads, intermediateSize, hiddenAct, hiddenDropoutProb, attentionProbsDropoutProb,
                maxPositionEmbeddings, typeVocabSize, initializerRange, layerNormEps, padTokenId, tieWordEmbeddings,
                classifierDropout, newProblemType, labels, extra);
    }

    /**
     * The same config naming {@code weights} as the checkpoint's dtype. transformers 5 loads weights in the dtype
     * config.json names, so a stale one (float16 kept from the model a run started from, beside float32 weights)
     * would load them rounded.
     */
    public ElectraConfig withWeightsDtype(DType weights) {
        Map<String, JsonNode> e = new TreeMap<>(extra);
        e.put("dtype", TextNode.valueOf(weights.torchName()));
        if (e.containsKey("torch_dtype")) e.put("torch_dtype", TextNode.valueOf(weights.torchName()));
        return new ElectraConfig(modelType, architectures, vocabSize, embeddingSize, hiddenSize, numHiddenLayers,
                numAttentionHeads, intermediateSize, hiddenAct, hiddenDropoutProb, attentionProbsDropoutProb,
                maxPositionEmbeddings, typeVocabSize, initializerRange, layerNormEps, padTokenId, tieWordEmbeddings,
                classifierDropout, problemType, labels, e);
    }

    /**
     * The dtype config.json names for the weights ("dtype", or transformers 4's "torch_dtype"), or null when it names
     * none that a checkpoint stores.
     */
    public DType weightsDtype() {
        for (String key : List.of("dtype", "torch_dtype")) {
            JsonNode name = extra.get(key);
            if (name != null && name.isTextual()) return DType.ofTorchName(name.asText());
        }
        return null;
    }

    /** A fresh ELECTRA config of the given sizes with transformers' defaults elsewhere. */
    public static ElectraConfig electra(int vocabSize, int embeddingSize, int hiddenSize, int layers, int heads,
                                        int intermediateSize, int maxPositions, List<String> labels) {
        return new ElectraConfig("electra", List.of(), vocabSize, embeddingSize, hiddenSize, layers, heads,
                intermediateSize, "gelu", 0.1f, 0.1f, maxPositions, 2, 0.02f, 1e-12f, 0, true, null, null,
                labels, Map.of());
    }

    public static ElectraConfig read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(ModelFiles.read(file));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(file + ": not valid JSON (" + JsonProblems.describe(e) + ")", e);
        }
        if (root == null || !root.isObject()) throw new IOException(file + ": expected a JSON object");
        try {
            return fromJson((ObjectNode) root);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage().replaceFirst("^config.json: ", ""), e);
        }
    }

    static ElectraConfig fromJson(ObjectNode node) {
        List<String> architectures = new ArrayList<>();
        JsonNode named = node.get("architectures");
        if (named != null && !named.isNull()) {
            if (!named.isArray()) throw new IllegalArgumentException("architectures must be a list of class names, found " + named);
            for (JsonNode a : named) {
                if (!a.isTextual()) throw new IllegalArgumentException("architectures must be a list of class names, found " + named);
                architectures.add(a.asText());
            }
        }
        String positions = text(node, "position_embedding_type", "absolute");
        if (!positions.equals("absolute")) // its distance embeddings would go unused and the positions read wrong
            throw new IllegalArgumentException("position_embedding_type \"" + positions + "\" is not supported (Raccoon"
                    + " implements \"absolute\" position embeddings, those of the published ELECTRA and BERT models)");
        if (bool(node, "is_decoder", false)) // transformers then gives every token a causal mask: a different model
            throw new IllegalArgumentException("is_decoder true is not supported (Raccoon's encoder is bidirectional;"
                    + " transformers would let each token see only those before it)");
        // configs of BERTs converted before transformers wrote model_type name only their class
        String modelType = text(node, "model_type", architectures.stream().anyMatch(a -> a.startsWith("Bert")) ? "bert" : "electra");
        if (!modelType.equals("electra") && !modelType.equals("bert"))
            throw new IllegalArgumentException("model_type \"" + modelType + "\" is not supported (electra or bert)");
        int hidden = integer(node, "hidden_size", modelType.equals("bert") ? 768 : 256);
        ElectraConfig c = new ElectraConfig(
                modelType,
                architectures,
                integer(node, "vocab_size", 30522),
                modelType.equals("bert") ? hidden : integer(node, "embedding_size", 128),
                hidden,
                integer(node, "num_hidden_layers", 12),
                integer(node, "num_attention_heads", modelType.equals("bert") ? 12 : 4),
                integer(node, "intermediate_size", modelType.equals("bert") ? 3072 : 1024),
                text(node, "hidden_act", "gelu"),
                (float) number(node, "hidden_dropout_prob", 0.1),
                (float) number(node, "attention_probs_dropout_prob", 0.1),
                integer(node, "max_position_embeddings", 512),
                integer(node, "type_vocab_size", 2),
                (float) number(node, "initializer_range", 0.02),
                (float) number(node, "layer_norm_eps", 1e-12),
                integer(node, "pad_token_id", 0),
                bool(node, "tie_word_embeddings", true),
                node.hasNonNull("classifier_dropout") ? (float) number(node, "classifier_dropout", 0) : null,
                problemType(node),
                readLabels(node, architectures.isEmpty() || architectures.stream().anyMatch(a -> a.endsWith("ForSequenceClassification"))),
                extraFields(node, modelType));
        return c;
    }

    private static final List<String> KNOWN = List.of("model_type", "architectures", "vocab_size", "embedding_size",
            "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act",
            "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings", "type_vocab_size",
            "initializer_range", "layer_norm_eps", "pad_token_id", "tie_word_embeddings", "classifier_dropout",
            "problem_type", "id2label", "label2id", "num_labels");

    /**
     * The fields this record does not model. BERT's embeddings are hidden_size wide and transformers' BertConfig has
     * no embedding_size, so one in a BERT config (left from an ELECTRA config it was copied from) is kept as it is, unread.
     */
    private static Map<String, JsonNode> extraFields(ObjectNode node, String modelType) {
        Map<String, JsonNode> extra = new TreeMap<>();
        node.properties().forEach(e -> {
            boolean modelled = KNOWN.contains(e.getKey()) && !(modelType.equals("bert") && e.getKey().equals("embedding_size"));
            if (!modelled) extra.put(e.getKey(), e.getValue());
        });
        return extra;
    }

    /** Far more labels than any classifier has; num_labels 2147483647 would take minutes and gigabytes to name. */
    private static final int MAX_NUM_LABELS = 1 << 16;

    /** The problem types transformers' sequence classification knows; it refuses any other. */
    private static final List<String> PROBLEM_TYPES =
            List.of("regression", "single_label_classification", "multi_label_classification");

    private static String problemType(ObjectNode node) {
        String type = text(node, "problem_type", null);
        if (type != null && !PROBLEM_TYPES.contains(type))
            throw new IllegalArgumentException("problem_type must be one of " + PROBLEM_TYPES + ", found \"" + type + "\"");
        return type;
    }

    /**
     * Labels in id order from id2label; num_labels alone gives LABEL_0.. as transformers does; default 2. A
     * {@code classifier}'s labels name its answers, so they must be distinct and agree with label2id; a pretrained
     * encoder's are left unused (fine-tuning gives its own), whatever they say.
     */
    private static List<String> readLabels(ObjectNode node, boolean classifier) {
        JsonNode id2label = node.get("id2label");
        if (id2label != null && !id2label.isNull() && !id2label.isObject())
            throw new IllegalArgumentException("id2label must be an object of id: label, found " + id2label.getNodeType());
        if (id2label != null && id2label.isObject() && !id2label.isEmpty()) {
            int n = id2label.size();
            String[] labels = new String[n];
            id2label.properties().forEach(e -> {
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException("id2label key \"" + e.getKey() + "\" is not an integer");
                }
                if (id < 0 || id >= n)
                    throw new IllegalArgumentException("id2label ids must be 0.." + (n - 1) + ", found " + id);
                if (!e.getValue().isTextual())
                    throw new IllegalArgumentException("id2label " + id + " must be a label name (a string), found " + e.getValue());
                labels[id] = e.getValue().asText();
            });
            List<String> read = List.of(labels);
            if (!classifier) return read;
            for (int id = 0; id < n; id++)
                if (read.indexOf(labels[id]) != id)
                    throw new IllegalArgumentException("id2label names '" + labels[id] + "' twice (ids " + read.indexOf(labels[id])
                            + " and " + id + "), so an answer of it would not say which");
            requireLabel2idAgrees(node.get("label2id"), read);
            return read;
        }
        int n = integer(node, "num_labels", 2);
        if (n > MAX_NUM_LABELS) // LABEL_0.. would be built before the weights could say how many there are
            throw new IllegalArgumentException("num_labels " + n + " is over the limit of " + MAX_NUM_LABELS + " labels");
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < n; i++) labels.add("LABEL_" + i);
        return labels;
    }

    /**
     * label2id, where it names a label of id2label, must give it the same id: pipelines read one, training code the
     * other. Names id2label lacks are left alone: configs whose id2label was set after the fact keep a stale
     * label2id of LABEL_0, LABEL_1, which transformers ignores.
     */
    private static void requireLabel2idAgrees(JsonNode label2id, List<String> labels) {
        if (label2id == null || !label2id.isObject()) return;
        label2id.properties().forEach(e -> {
            int id = labels.indexOf(e.getKey());
            // an id written as a string ("0") is one too: transformers converts label2id's values with int()
            if (id >= 0 && !e.getValue().asText().strip().equals(Integer.toString(id)))
                throw new IllegalArgumentException("label2id gives '" + e.getKey() + "' the id " + e.getValue()
                        + ", but id2label gives it " + id);
        });
    }

    private static String text(ObjectNode node, String field, String dflt) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isTextual()) throw new IllegalArgumentException(field + " must be a string, found " + v);
        return v.asText();
    }

    private static boolean bool(ObjectNode node, String field, boolean dflt) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw new IllegalArgumentException(field + " must be true or false, found " + v);
        return v.asBoolean();
    }

    private static int integer(ObjectNode node, String field, int dflt) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isIntegralNumber() || !v.canConvertToInt())
            throw new IllegalArgumentException(field + " must be an integer, found " + v);
        return v.asInt();
    }

    private static double number(ObjectNode node, String field, double dflt) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isNumber()) throw new IllegalArgumentException(field + " must be a number, found " + v);
        return v.asDouble();
    }

    /** config.json as transformers writes it; fields this record does not model are written back unchanged. */
    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        extra.forEach(n::set);
        n.put("model_type", modelType);
        var arch = n.putArray("architectures");
        architectures.forEach(arch::add);
        n.put("vocab_size", vocabSize);
        if (!isBert()) n.put("embedding_size", embeddingSize);
        n.put("hidden_size", hiddenSize);
        n.put("num_hidden_layers", numHiddenLayers);
        n.put("num_attention_heads", numAttentionHeads);
        n.put("intermediate_size", intermediateSize);
        n.put("hidden_act", hiddenAct);
        n.put("hidden_dropout_prob", hiddenDropoutProb);
        n.put("attention_probs_dropout_prob", attentionProbsDropoutProb);
        n.put("max_position_embeddings", maxPositionEmbeddings);
        n.put("type_vocab_size", typeVocabSize);
        n.put("initializer_range", initializerRange);
        n.put("layer_norm_eps", layerNormEps);
        n.put("pad_token_id", padTokenId);
        n.put("tie_word_embeddings", tieWordEmbeddings);
        if (classifierDropout != null) n.put("classifier_dropout", classifierDropout);
        if (problemType != null) n.put("problem_type", problemType);
        ObjectNode id2label = n.putObject("id2label");
        ObjectNode label2id = n.putObject("label2id");
        for (int i = 0; i < labels.size(); i++) {
            id2label.put(Integer.toString(i), labels.get(i));
            label2id.put(labels.get(i), i);
        }
        return n;
    }

    public void write(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), toJson());
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
