package dev.raccoon.text;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;

/** One line of a JSON-lines file, read alike by every reader of one (tokenize, logits, score, eval, train, Spark). */
public final class JsonLine {
    /**
     * One JSON value and nothing after it: a second object on the line, or text after it, would be dropped unseen.
     * Decimals are read as written (1.50 stays 1.50, 12345678901234567.891 is no double), since score echoes them.
     * A key given twice is refused, as the server refuses it: which of two texts was meant is anyone's guess.
     */
    private static final ObjectReader ONE_VALUE = new ObjectMapper().reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);

    private JsonLine() {}

    /** {@link #ONE_VALUE} with keys given twice read as Python reads them, the last one winning. */
    private static final ObjectReader LAST_KEY_WINS = ONE_VALUE.without(StreamReadFeature.STRICT_DUPLICATE_DETECTION);

    /**
     * The line's JSON value (null for a line of whitespace); a line that holds more than one value is not valid, nor
     * is one whose object gives a key twice. A key given twice inside a nested value is allowed: it is no field of
     * the row, and refusing the row for it would lose the row over data nothing reads.
     */
    public static JsonNode read(String line) throws JsonProcessingException {
        try {
            return ONE_VALUE.readTree(line);
        } catch (StreamReadException e) {
            if (!(e.getProcessor() instanceof JsonParser parser && String.valueOf(e.getOriginalMessage()).startsWith("Duplicate field")
                    && !parser.getParsingContext().getParent().inRoot()))
                throw e;
        }
        // A nested key given twice stopped the strict reading: read the line as Python does, the row's own keys still
        // held to the rule (one given twice after the nested one would otherwise pass).
        JsonNode node = LAST_KEY_WINS.readTree(line);
        String twice = topLevelKeyGivenTwice(line);
        if (twice != null) throw new JsonParseException(null, "Duplicate field '" + twice + "'");
        return node;
    }

    /** The first key of the line's object given twice, or null. */
    private static String topLevelKeyGivenTwice(String line) throws JsonProcessingException {
        try (JsonParser p = LAST_KEY_WINS.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return null;
            Set<String> keys = new HashSet<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                if (!keys.add(p.currentName())) return p.currentName();
                p.nextToken();
                p.skipChildren();
            }
            return null;
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a String reader does not fail
        }
    }
}
