package dev.raccoon.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.api.Prediction;
import dev.raccoon.text.JsonLine;
import dev.raccoon.text.JsonProblems;
import dev.raccoon.text.TextEncodings;
import dev.raccoon.text.TextFiles;
import dev.raccoon.text.WordPieceTokenizer;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Input records to output lines: every input field, then the {@link ScoreColumns}; a row without a usable text keeps
 * its fields and gets an error instead of predictions. {@link BatchScorer} and the Spark job both score through it,
 * so their output is the same row for row; it is serializable so that Spark can ship it to executors.
 *
 * @param header      the TSV/CSV header; null for JSONL
 * @param textIndex   the text's column in the header (TSV/CSV)
 * @param textField   the text's field (JSONL); null: in each object the first of {@link TextFiles#TEXT_COLUMNS} it has,
 *                    as the training and evaluation readers look it up
 * @param inputFields the header, or for JSONL the first object's fields: they decide whether the score columns
 *                    get the {@code pred_} prefix
 * @param encoding    the input's character encoding ({@link TextEncodings#named}); a name, so that the record
 *                    serializes. The output is UTF-8.
 */
public record ScoreRows(TableFormat format, List<String> header, int textIndex, String textField, List<String> labels,
                 List<String> inputFields, String encoding) implements Serializable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A parsed record: its fields (TSV/CSV) or object (JSONL), its text, or why it has none ({@code undecodable}
     * when that is the encoding).
     */
    public record Parsed(List<String> fields, ObjectNode object, String text, String error, boolean undecodable) {
        Parsed(List<String> fields, ObjectNode object, String text, String error) {
            this(fields, object, text, error, false);
        }
    }

    public ScoreRows {
        header = header == null ? null : List.copyOf(header);
        labels = List.copyOf(labels);
        inputFields = List.copyOf(inputFields);
        encoding = TextEncodings.named(encoding).name();
    }

    public Charset charset() {
        return Charset.forName(encoding);
    }

    public boolean tabular() {
        return format.tabular();
    }

    public List<String> columns() {
        return new ScoreColumns(labels, inputFields).names();
    }

    /** The output's header line; null for JSONL. */
    public String headerLine() {
        if (!tabular()) return null;
        List<String> names = new ArrayList<>(header);
        names.addAll(columns());
        return format.join(names);
    }

    /** @param lineNumber the 1-based line of its file the record starts on ({@link RecordReader.Raw#line}), for error messages */
    public Parsed parse(byte[] raw, long lineNumber) {
        String where = "line " + lineNumber;
        Charset charset = charset();
        String line = TextEncodings.decode(raw, 0, raw.length, charset);
        if (lineNumber == 1 && !tabular()) line = TextEncodings.withoutByteOrderMark(line);
        String undecodable = null;
        if (line == null) {
            line = new String(raw, charset); // for the row's other fields, which the output keeps
            undecodable = where + ": " + TextEncodings.notValid(charset);
        }
        if (!tabular()) {
            if (line.isBlank()) return new Parsed(null, JSON.createObjectNode(), null, where + ": empty line");
            JsonNode node;
            try {
                node = JsonLine.read(line);
            } catch (JsonProcessingException e) {
                return undecodable != null ? new Parsed(null, asInput(line), null, undecodable, true)
                        : new Parsed(null, asInput(line), null, where + ": not valid JSON (" + JsonProblems.why(e) + ")");
            }
            if (!(node instanceof ObjectNode object))
                return new Parsed(null, asInput(line), null, where + ": not a JSON object");
            if (undecodable != null) return new Parsed(null, object, null, undecodable, true);
            String field = textField != null ? textField
                    : TextFiles.TEXT_COLUMNS.stream().filter(object::has).findFirst().orElse(null);
            if (field == null) return new Parsed(null, object, null, where + ": none of the fields " + TextFiles.TEXT_COLUMNS);
            JsonNode text = object.get(field);
            if (text == null || text.isNull()) return new Parsed(null, object, null, where + ": no \"" + field + "\"");
            // a number is read as its digits, as eval and train read it; an object or array is no text
            if (!text.isValueNode()) return new Parsed(null, object, null, where + ": \"" + field + "\" is not a string");
            return checked(null, object, text.asText(), where);
        }
        List<String> fields;
        try {
            fields = format.split(line);
        } catch (IllegalArgumentException e) {
            return new Parsed(fit(List.of(line)), null, null, where + ": " + e.getMessage());
        }
        if (undecodable != null) return new Parsed(fit(fields), null, null, undecodable, true);
        if (fields.size() != header.size()) {
            // Too few fields are padded; too many would not fit the columns, so the row goes whole into the first.
            List<String> kept = fields.size() < header.size() ? fit(fields) : fit(List.of(line));
            return new Parsed(kept, null, null, where + ": " + fields.size() + " fields, but the header has " + header.size());
        }
        return checked(fields, null, fields.get(textIndex), where);
    }

    private static Parsed checked(List<String> fields, ObjectNode object, String text, String where) {
        String invalid = WordPieceTokenizer.invalidUnicode(text);
        if (invalid != null) return new Parsed(fields, object, null, where + ": text " + invalid);
        if (WordPieceTokenizer.isBlank(text)) return new Parsed(fields, object, null, where + ": empty text");
        return new Parsed(fields, object, text, null);
    }

    /** A JSONL line that is no JSON object, kept whole under {@value #INPUT_FIELD} in its output object. */
    private static ObjectNode asInput(String line) {
        return JSON.createObjectNode().put(INPUT_FIELD, line);
    }

    /** The field of a JSONL output line that holds an input line which is no JSON object. */
    public static final String INPUT_FIELD = "input";

    /** Pads or cuts fields to the header's width, so the output's columns stay aligned. */
    private List<String> fit(List<String> fields) {
        List<String> out = new ArrayList<>(fields.subList(0, Math.min(header.size(), fields.size())));
        while (out.size() < header.size()) out.add("");
        return out;
    }

    /**
     * The output line of a parsed record and its prediction (null when it has no text); {@code truncated}: the text
     * has more tokens than the model reads.
     */
    public String line(Parsed row, Prediction prediction, boolean truncated, ScoreColumns columns) {
        List<Object> values = row.text() != null ? columns.values(prediction, truncated) : columns.failed(row.error());
        if (tabular()) {
            List<String> fields = new ArrayList<>(row.fields());
            for (Object v : values) fields.add(v == null ? "" : v.toString());
            return format.join(fields);
        }
        ObjectNode o = row.object().deepCopy();
        for (int i = 0; i < values.size(); i++) o.putPOJO(columns.names().get(i), values.get(i));
        try {
            return withUnpairedSurrogatesEscaped(JSON.writeValueAsString(o));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON row", e); // a tree of plain values always writes
        }
    }

    /**
     * JSON text with each unpaired surrogate written as its escape ({@code \\ud800}), as the input's JSON escapes
     * held it: UTF-8, which the output is written in, cannot encode one, and encoding it would make it a '?' (an id
     * altered without a word). In JSON text a surrogate only stands inside a string, where the escape means the same.
     */
    static String withUnpairedSurrogatesEscaped(String json) {
        if (WordPieceTokenizer.invalidUnicode(json) == null) return json;
        StringBuilder b = new StringBuilder(json.length() + 16);
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < json.length() && Character.isLowSurrogate(json.charAt(i + 1)))
                b.append(c).append(json.charAt(++i));
            else if (Character.isSurrogate(c)) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }

    /** What an earlier run wrote for a row: its error (null when it scored the row) and the probability it wrote. */
    public record Written(String error, String probability) {}

    /**
     * What an earlier run wrote for {@code row} in {@code outputLine}.
     *
     * @throws IllegalArgumentException when the line is not {@code row}'s output
     */
    public Written written(Parsed row, String outputLine, ScoreColumns columns) {
        if (outputLine == null) throw new IllegalArgumentException("not UTF-8");
        String error, probability;
        if (tabular()) {
            List<String> fields = format.split(outputLine);
            int inputWidth = row.fields().size();
            if (fields.size() != inputWidth + columns.names().size() || !fields.subList(0, inputWidth).equals(row.fields()))
                throw new IllegalArgumentException("other fields");
            error = fields.getLast();
            probability = fields.get(inputWidth + 1);
        } else {
            ObjectNode o;
            try {
                o = JSON.readTree(outputLine) instanceof ObjectNode node ? node : null;
            } catch (JsonProcessingException e) {
                o = null;
            }
            if (o == null) throw new IllegalArgumentException("not a JSON object");
            JsonNode e = o.get(columns.names().getLast()), p = o.get(columns.names().get(1));
            error = e == null || e.isNull() ? null : e.asText();
            probability = p == null || p.isNull() ? null : p.asText();
            o.remove(columns.names());
            if (!o.equals(row.object())) throw new IllegalArgumentException("other fields");
        }
        return new Written(error == null || error.isEmpty() ? null : error, probability);
    }

    /**
     * The text's column in {@code header}: the one {@code named}, or else the first of {@link TextFiles#TEXT_COLUMNS}.
     *
     * @param input names the input in the error
     */
    public static int textColumnIndex(List<String> header, String named, String input) throws IOException {
        TextEncodings.requireTextHeader(header, input);
        if (named != null) {
            int i = header.indexOf(named);
            if (i < 0) throw new IOException(input + " has no column '" + named + "'; its columns are " + header + otherFormat(header));
            return i;
        }
        for (String c : TextFiles.TEXT_COLUMNS) if (header.contains(c)) return header.indexOf(c);
        throw new IOException(input + " has none of the columns " + TextFiles.TEXT_COLUMNS + " (its columns are " + header
                + "); name the text column with --text-column" + otherFormat(header));
    }

    /** A header read as one column that holds tabs or commas was split by the wrong format: say so. */
    private static String otherFormat(List<String> header) {
        if (header.size() != 1) return "";
        String only = header.getFirst();
        return only.contains("\t") ? ", or read it as TSV (--format tsv): its header has tabs"
                : only.contains(",") ? ", or read it as CSV (--format csv): its header has commas" : "";
    }

    /**
     * The header row's text, or an IOException naming {@code source} when it does not decode; the header's bytes are
     * the file's first, which tell data that is no text (UTF-16, gzipped twice) from another encoding.
     */
    public static String header(byte[] raw, Charset charset, Object source) throws IOException {
        String line = TextEncodings.withoutByteOrderMark(TextEncodings.decode(raw, 0, raw.length, charset));
        if (line == null) throw new IOException(source + ": the header row is " + TextEncodings.notValidWithHint(charset, raw));
        if (line.isBlank()) throw new IOException(source + ": the header row is empty; it needs the column names");
        return line;
    }

    /** The field names of a JSON object line, or null when the line is no JSON object (JSONL has no header). */
    public static List<String> objectFields(byte[] raw, Charset charset) {
        String line = TextEncodings.withoutByteOrderMark(TextEncodings.decode(raw, 0, raw.length, charset));
        if (line == null || line.isBlank()) return null;
        try {
            if (!(JsonLine.read(line) instanceof ObjectNode o)) return null;
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            return names;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /**
     * The field names of the first JSON object line of {@code records}, read as far as it takes, or null when none is
     * an object: JSONL has no header, so that line decides which output columns clash with input fields. A file whose
     * first line shows it is no text (UTF-16, gzipped twice), which every line would fail alike, is refused naming
     * {@code source}.
     */
    public static List<String> firstObjectFields(RecordReader records, Charset charset, Object source) throws IOException {
        for (RecordReader.Raw raw = records.next(); raw != null; raw = records.next()) {
            byte[] b = raw.bytes();
            if (raw.start() == 0 && TextEncodings.decode(b, 0, b.length, charset) == null && TextEncodings.noText(b) != null)
                throw new IOException(source + ": line 1 is " + TextEncodings.notValidWithHint(charset, b));
            List<String> names = objectFields(b, charset);
            if (names != null) return names;
        }
        return null;
    }

    /** Strict UTF-8 (what the output is written in), or null when the bytes are not valid UTF-8. */
    public static String decodeOutput(byte[] bytes) {
        return TextEncodings.decode(bytes, 0, bytes.length, StandardCharsets.UTF_8);
    }
}
