package dev.raccoon.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;

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

    /** The line's JSON value (null for a line of whitespace); a line that holds more than one value is not valid. */
    public static JsonNode read(String line) throws JsonProcessingException {
        return ONE_VALUE.readTree(line);
    }
}
