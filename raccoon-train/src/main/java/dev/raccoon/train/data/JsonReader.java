package dev.raccoon.train.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raccoon.text.JsonLine;
import dev.raccoon.text.JsonProblems;
import dev.raccoon.text.TextEncodings;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON objects, one per line or all in one array (as the NSMC crawler wrote them). Keys are looked up per
 * object. Lines are independent, so a broken line costs only itself; inside an array a syntax or encoding
 * error ends the file with an exception, since the array cannot be resynchronised.
 */
final class JsonReader extends ExampleReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final LineReader lines;
    private final JsonParser array;

    JsonReader(InputStream in, String source, DataSpec spec) throws IOException {
        super(spec, source);
        this.source = source;
        if (firstSignificantByte(in) == '[') {
            this.lines = null;
            // Jackson detects the UTF flavours itself; another encoding is decoded strictly before it parses.
            this.array = spec.encoding().equals(StandardCharsets.UTF_8) ? JSON.createParser(in)
                    : JSON.createParser(new InputStreamReader(in, TextEncodings.strictDecoder(spec.encoding())));
            try {
                array.nextToken();
            } catch (CharacterCodingException e) {
                throw undecodableArray(e);
            }
        } else {
            this.lines = new LineReader(in, spec.encoding());
            this.array = null;
        }
    }

    /** Peeks past a byte-order mark and whitespace; the stream must support mark. */
    private static int firstSignificantByte(InputStream in) throws IOException {
        in.mark(1 << 12);
        int b;
        for (int n = 0; n < 1 << 12; n++) {
            b = in.read();
            if (b == -1 || !(b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == 0xEF || b == 0xBB || b == 0xBF)) {
                in.reset();
                return b;
            }
        }
        in.reset();
        return -1;
    }

    @Override
    public Example next() throws IOException {
        return lines != null ? nextLine() : nextElement();
    }

    private Example nextLine() throws IOException {
        for (String line = nextUsableLine(lines); line != null; line = nextUsableLine(lines)) {
            long number = lines.number();
            JsonNode node;
            try {
                node = JsonLine.read(line);
            } catch (JsonProcessingException e) {
                skip(DataSummary.Reason.BAD_JSON, number, JsonProblems.why(e)); // e.g. "more follows the JSON value"
                continue;
            }
            Example example = row(node, number);
            if (example != null) return example;
        }
        return null;
    }

    private Example nextElement() throws IOException {
        try {
            for (JsonToken t = array.nextToken(); t != null && t != JsonToken.END_ARRAY; t = array.nextToken()) {
                long number = array.currentLocation().getLineNr();
                Example example = row(array.readValueAsTree(), number);
                if (example != null) return example;
            }
            return null;
        } catch (JsonProcessingException e) {
            long line = e.getLocation() != null ? e.getLocation().getLineNr() : array.currentLocation().getLineNr();
            throw new IOException(source + " line " + line + ": not valid JSON (" + JsonProblems.why(e) + ")", e);
        } catch (CharacterCodingException e) {
            throw undecodableArray(e);
        }
    }

    /**
     * An array is one value, so text that does not decode ends it; Jackson reads ahead, so no line is named. A file
     * that starts with '[' is text, so its start tells nothing more.
     */
    private IOException undecodableArray(CharacterCodingException e) {
        return new IOException(source + ": " + spec.undecodable(new byte[0]), e);
    }

    private Example row(JsonNode node, long number) {
        if (node == null || !node.isObject()) {
            skip(DataSummary.Reason.BAD_JSON, number, null);
            return null;
        }
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        for (List<String> names : List.of(spec.textNames(), spec.pairNames(), spec.labelNames())) {
            String key = DataSpec.find(names, keys);
            if (key != null && node.get(key).isContainerNode()) {
                skip(DataSummary.Reason.NOT_A_VALUE, number, "\"" + key + "\" is " + (node.get(key).isArray() ? "an array" : "an object") + ", not a value");
                return null;
            }
        }
        String pair = value(node, spec.pairNames(), keys);
        if (pair == null && spec.pairColumn() != null) {
            skip(DataSummary.Reason.MISSING_FIELD, number, "no '" + spec.pairColumn() + "' field");
            return null;
        }
        return build(number, value(node, spec.textNames(), keys), pair, value(node, spec.labelNames(), keys));
    }

    /** The value of the first key present, as text; null when absent or null (row() refused arrays and objects). */
    private static String value(JsonNode node, List<String> names, List<String> keys) {
        String key = DataSpec.find(names, keys);
        JsonNode v = key == null ? null : node.get(key);
        return v == null || v.isNull() ? null : v.asText();
    }

    @Override
    public long bytesRead() {
        return lines != null ? lines.bytesRead() : Math.max(0, array.currentLocation().getByteOffset());
    }

    @Override
    public void close() throws IOException {
        if (lines != null) lines.close();
        else array.close();
    }
}
