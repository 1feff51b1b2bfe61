package dev.raccoon.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raccoon.text.JsonLine;
import dev.raccoon.text.JsonProblems;
import dev.raccoon.text.WordPieceTokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads {@code {"text": ..., "text_pair": ...}} lines. Each line is decoded on its own so that broken UTF-8 or
 * JSON in one line is reported with its line number and the lines around it still go through.
 */
final class JsonLines {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One input line: its text and optional pair, or the reason it is unusable. */
    record Line(long number, String text, String textPair, String error) {}

    private final TextLines lines;

    JsonLines(InputStream in) {
        this.lines = new TextLines(in, StandardCharsets.UTF_8);
    }

    /** Whether more input is there now ({@link TextLines#ready}). */
    boolean ready() throws IOException {
        return lines.ready();
    }

    /** {@link TextLines#chunkEnds}. */
    boolean chunkEnds(int size, boolean atEnd) throws IOException {
        return lines.chunkEnds(size, atEnd);
    }

    /** The next line, or null at the end of input; a blank line is an error line, so answers stay line for line. */
    Line next() throws IOException {
        TextLines.Line line = lines.next();
        if (line == null) return null;
        long number = line.number();
        if (line.text() == null) return new Line(number, null, null, "line " + number + ": not valid UTF-8");
        if (line.text().isBlank()) return new Line(number, null, null, "line " + number + ": empty line");
        return parse(number, line.text());
    }

    static Line parse(long number, String s) {
        JsonNode node;
        try {
            node = JsonLine.read(s);
        } catch (JsonProcessingException e) {
            return new Line(number, null, null, "line " + number + ": not valid JSON (" + JsonProblems.why(e) + ")");
        }
        if (node == null || !node.isObject()) return new Line(number, null, null, "line " + number + ": expected a JSON object");
        JsonNode text = node.get("text");
        if (text == null) return new Line(number, null, null, "line " + number + ": no \"text\" field");
        if (!text.isTextual())
            return new Line(number, null, null, "line " + number + ": \"text\" must be a string");
        JsonNode pair = node.get("text_pair");
        if (pair != null && !pair.isNull() && !pair.isTextual())
            return new Line(number, null, null, "line " + number + ": \"text_pair\" must be a string");
        String invalid = invalidUnicode(text, "text");
        if (invalid == null) invalid = invalidUnicode(pair, "text_pair");
        if (invalid != null) return new Line(number, null, null, "line " + number + ": " + invalid);
        return new Line(number, text.asText(), pair == null || pair.isNull() ? null : pair.asText(), null);
    }

    private static String invalidUnicode(JsonNode field, String name) {
        String invalid = field == null || field.isNull() ? null : WordPieceTokenizer.invalidUnicode(field.asText());
        return invalid == null ? null : "\"" + name + "\" is " + invalid;
    }
}
