package dev.raccoon.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.api.Prediction;
import dev.raccoon.serve.ScoreColumns;
import dev.raccoon.serve.TableFormat;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Input records to output lines, row for row as {@code raccoon score} ({@link dev.raccoon.serve.BatchScorer})
 * writes them: every input field, then the {@link ScoreColumns}; a row without a usable text keeps its fields and
 * gets an error instead of predictions. The column names come from {@link ScoreColumns}; the record parsing and
 * TSV/CSV quoting follow BatchScorer and TableFormat, whose methods for them are not public (see docs/SPARK.md).
 *
 * @param header      the TSV/CSV header; null for JSONL
 * @param textIndex   the text's column in the header (TSV/CSV)
 * @param textField   the text's field (JSONL)
 * @param inputFields the header, or for JSONL the first object's fields: they decide whether the score columns
 *                    get the {@code pred_} prefix
 */
record ScoreRows(TableFormat format, List<String> header, int textIndex, String textField, List<String> labels,
                 List<String> inputFields) implements Serializable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A parsed record: its fields (TSV/CSV) or object (JSONL), its text, or why it has none. */
    record Parsed(List<String> fields, ObjectNode object, String text, String error) {}

    ScoreRows {
        header = header == null ? null : List.copyOf(header);
        labels = List.copyOf(labels);
        inputFields = List.copyOf(inputFields);
    }

    boolean tabular() {
        return format != TableFormat.JSONL;
    }

    List<String> columns() {
        return new ScoreColumns(labels, inputFields).names();
    }

    /** The output's header line; null for JSONL. */
    String headerLine() {
        if (!tabular()) return null;
        List<String> names = new ArrayList<>(header);
        names.addAll(columns());
        return join(names);
    }

    /** @param number the 1-based data row (TSV/CSV) or line (JSONL), for error messages */
    Parsed parse(byte[] raw, long number) {
        String where = (tabular() ? "row " : "line ") + number;
        String line = decode(raw);
        String brokenUtf8 = null;
        if (line == null) {
            line = new String(raw, StandardCharsets.UTF_8);
            brokenUtf8 = where + ": not valid UTF-8";
        }
        if (!tabular()) {
            if (line.isBlank()) return new Parsed(null, JSON.createObjectNode(), null, where + ": empty line");
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                return new Parsed(null, JSON.createObjectNode(), null, brokenUtf8 != null ? brokenUtf8 : where + ": not valid JSON");
            }
            if (!(node instanceof ObjectNode object))
                return new Parsed(null, JSON.createObjectNode(), null, where + ": not a JSON object");
            if (brokenUtf8 != null) return new Parsed(null, object, null, brokenUtf8);
            JsonNode text = object.get(textField);
            if (text == null || text.isNull()) return new Parsed(null, object, null, where + ": no \"" + textField + "\"");
            if (!text.isTextual()) return new Parsed(null, object, null, where + ": \"" + textField + "\" is not a string");
            return checked(null, object, text.textValue(), where);
        }
        List<String> fields;
        try {
            fields = split(line);
        } catch (IllegalArgumentException e) {
            return new Parsed(fit(List.of(line)), null, null, where + ": " + e.getMessage());
        }
        if (brokenUtf8 != null) return new Parsed(fit(fields), null, null, brokenUtf8);
        if (fields.size() != header.size())
            return new Parsed(fit(fields), null, null, where + ": " + fields.size() + " fields, but the header has " + header.size());
        return checked(fields, null, fields.get(textIndex), where);
    }

    private static Parsed checked(List<String> fields, ObjectNode object, String text, String where) {
        if (text.isBlank()) return new Parsed(fields, object, null, where + ": empty text");
        return new Parsed(fields, object, text, null);
    }

    /** Pads or cuts fields to the header's width, so the output's columns stay aligned. */
    private List<String> fit(List<String> fields) {
        List<String> out = new ArrayList<>(fields.subList(0, Math.min(header.size(), fields.size())));
        while (out.size() < header.size()) out.add("");
        return out;
    }

    /** The output line of a parsed record and its prediction (null when it has no text). */
    String line(Parsed row, Prediction prediction, ScoreColumns columns) {
        List<Object> values = row.text() != null ? columns.values(prediction) : columns.failed(row.error());
        if (tabular()) {
            List<String> fields = new ArrayList<>(row.fields());
            for (Object v : values) fields.add(v == null ? "" : v.toString());
            return join(fields);
        }
        ObjectNode o = row.object().deepCopy();
        for (int i = 0; i < values.size(); i++) o.putPOJO(columns.names().get(i), values.get(i));
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON row", e); // a tree of plain values always writes
        }
    }

    /** The fields of one TSV or CSV record; throws IllegalArgumentException for a broken CSV quote. */
    List<String> split(String record) {
        List<String> fields = new ArrayList<>();
        if (format == TableFormat.TSV) {
            int from = 0;
            for (int i = record.indexOf('\t'); i >= 0; i = record.indexOf('\t', from)) {
                fields.add(record.substring(from, i));
                from = i + 1;
            }
            fields.add(record.substring(from));
            return fields;
        }
        StringBuilder field = new StringBuilder();
        int i = 0, n = record.length();
        while (true) {
            if (i < n && record.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) throw new IllegalArgumentException("a quoted field is not closed");
                    char c = record.charAt(i++);
                    if (c != '"') {
                        field.append(c);
                    } else if (i < n && record.charAt(i) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        break;
                    }
                }
                if (i < n && record.charAt(i) != ',')
                    throw new IllegalArgumentException("text after a closing quote at character " + (i + 1));
            } else {
                while (i < n && record.charAt(i) != ',') field.append(record.charAt(i++));
            }
            fields.add(field.toString());
            field.setLength(0);
            if (i >= n) return fields;
            i++; // the comma
        }
    }

    /** One TSV or CSV record, without the line break. TSV has no quoting, so tabs and line breaks become spaces. */
    String join(List<String> fields) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) s.append(format == TableFormat.TSV ? '\t' : ',');
            String f = fields.get(i) == null ? "" : fields.get(i);
            if (format == TableFormat.TSV) {
                s.append(f.replace('\t', ' ').replace('\r', ' ').replace('\n', ' '));
            } else if (f.indexOf(',') >= 0 || f.indexOf('"') >= 0 || f.indexOf('\n') >= 0 || f.indexOf('\r') >= 0) {
                s.append('"').append(f.replace("\"", "\"\"")).append('"');
            } else {
                s.append(f);
            }
        }
        return s.toString();
    }

    /** Strict UTF-8, or null when the bytes are not valid UTF-8. */
    static String decode(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
