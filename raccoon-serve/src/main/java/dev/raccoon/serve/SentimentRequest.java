package dev.raccoon.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raccoon.text.JsonProblems;
import dev.raccoon.text.TextEncodings;
import dev.raccoon.text.WordPieceTokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A validated body of {@code POST /v1/sentiment}: {@code {"text": "..."}} or {@code {"texts": ["...", ...]}}, with
 * an optional {@code "explain": true}; or, as text/plain, one review as it is. Everything a client can get wrong is an
 * {@link ApiError} with a 4xx status.
 */
record SentimentRequest(List<String> texts, boolean single, boolean explain) {
    /** Strict: duplicate keys, trailing content and deep nesting are errors, not guesses. */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).maxNumberLength(100).build())
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);

    static SentimentRequest parse(byte[] body, String contentType, String contentEncoding, ServeConfig limits) {
        boolean plainText = isPlainText(contentType);
        if (contentEncoding != null && !contentEncoding.isBlank() && !contentEncoding.strip().equalsIgnoreCase("identity"))
            throw new ApiError(415, "Content-Encoding " + shorten(contentEncoding) + " is not supported; send the body uncompressed");
        String text = TextEncodings.withoutByteOrderMark(TextEncodings.decode(body, 0, body.length, StandardCharsets.UTF_8));
        if (text == null) throw new ApiError(400, "the request body is not valid UTF-8");
        if (plainText) {
            checkText(text, "the text/plain body", limits);
            return new SentimentRequest(List.of(text), true, false);
        }
        if (text.isBlank()) throw new ApiError(400, "the request body is empty; send {\"text\": \"...\"} or {\"texts\": [...]}");
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            // curl -d "리뷰" sends a form type: the client most likely meant the review itself
            boolean form = contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
            throw new ApiError(400, notJson(e) + (form ? "; to send one review as it is, send it with Content-Type: text/plain" : ""));
        }
        if (root == null || !root.isObject()) throw new ApiError(400, "the request body must be a JSON object");
        boolean explain = false;
        List<String> texts = null;
        boolean single = false;
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            JsonNode v = root.get(name);
            switch (name) {
                case "text" -> {
                    if (!v.isTextual()) throw new ApiError(400, "\"text\" must be a string");
                    texts = List.of(v.textValue());
                    single = true;
                }
                case "texts" -> {
                    if (!v.isArray()) throw new ApiError(400, "\"texts\" must be an array of strings");
                    if (v.size() > limits.maxTexts())
                        throw new ApiError(400, "\"texts\" has " + v.size() + " texts; at most " + limits.maxTexts() + " are allowed per request");
                    texts = new ArrayList<>(v.size());
                    for (int i = 0; i < v.size(); i++) {
                        if (!v.get(i).isTextual()) throw new ApiError(400, "texts[" + i + "] must be a string");
                        texts.add(v.get(i).textValue());
                    }
                }
                case "explain" -> {
                    if (!v.isBoolean()) throw new ApiError(400, "\"explain\" must be true or false");
                    explain = v.booleanValue();
                }
                default -> throw new ApiError(400, "unknown field \"" + shorten(name) + "\"; expected text, texts or explain");
            }
        }
        if (root.has("text") && root.has("texts")) throw new ApiError(400, "send either \"text\" or \"texts\", not both");
        if (texts == null) throw new ApiError(400, "the request needs \"text\" (a string) or \"texts\" (an array of strings)");
        if (texts.isEmpty()) throw new ApiError(400, "\"texts\" is empty");
        if (explain && texts.size() > limits.maxExplainTexts())
            throw new ApiError(400, "explain is limited to " + limits.maxExplainTexts() + " texts per request, got " + texts.size());
        for (int i = 0; i < texts.size(); i++) checkText(texts.get(i), single ? "\"text\"" : "texts[" + i + "]", limits);
        return new SentimentRequest(List.copyOf(texts), single, explain);
    }

    private static void checkText(String t, String where, ServeConfig limits) {
        if (t.length() > 2 * limits.maxChars() || t.codePointCount(0, t.length()) > limits.maxChars())
            throw new ApiError(400, where + " has " + t.codePointCount(0, t.length()) + " characters; at most "
                    + limits.maxChars() + " are allowed");
        String invalid = WordPieceTokenizer.invalidUnicode(t);
        if (invalid != null) throw new ApiError(400, where + " is " + invalid);
        if (WordPieceTokenizer.isBlank(t)) throw new ApiError(400, where + " is empty (nothing but spaces or invisible characters)");
    }

    /** Charset names of a body read as UTF-8; ASCII is a subset of it. */
    private static final Set<String> UTF8_CHARSETS = Set.of("utf-8", "utf8", "us-ascii", "ascii");

    /**
     * Whether the body is one review as plain text rather than JSON. JSON is also what comes with no type at all or
     * curl's default for {@code -d} (application/x-www-form-urlencoded): a client that forgot the header still sent
     * JSON, and reading it as such loses nothing. UTF-8 (or ASCII) only.
     */
    private static boolean isPlainText(String contentType) {
        if (contentType == null || contentType.isBlank()) return false;
        String[] parts = contentType.toLowerCase(Locale.ROOT).split(";");
        String type = parts.length == 0 ? "" : parts[0].strip();
        boolean plainText = type.equals("text/plain");
        if (!plainText && !type.equals("application/json") && !type.endsWith("+json") && !type.equals("application/x-www-form-urlencoded"))
            throw new ApiError(415, "Content-Type must be application/json or text/plain, got " + shorten(contentType));
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].strip();
            if (p.startsWith("charset=") && !UTF8_CHARSETS.contains(p.substring(8).replace("\"", "").strip()))
                throw new ApiError(415, "the body must be UTF-8, got " + shorten(p));
        }
        return plainText;
    }

    /** Where and why a body is no JSON, without the parser's notes on its own configuration. */
    private static String notJson(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where = at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        return "the request body is not valid JSON" + where + ": " + JsonProblems.why(e);
    }

    /** At most 40 characters of client input for a message, cut on a character boundary. */
    private static String shorten(String s) {
        return s.codePointCount(0, s.length()) <= 40 ? s : s.substring(0, s.offsetByCodePoints(0, 40)) + "...";
    }
}
