package dev.raccoon.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.api.Classifier;
import dev.raccoon.api.Prediction;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Scores a table of texts into a new file: every input row, in order, plus the {@link ScoreColumns}. A row whose
 * text is missing, empty or not valid UTF-8 gets empty predictions and an error instead of being dropped, so output
 * row N is always input row N.
 *
 * <p>Resumable: rows are written in chunks, each flushed, so after a kill the output holds whole rows plus at most
 * one partial last one. Scoring the same input into the same output again truncates that partial row, skips as many
 * input rows as the output has, and goes on from there.
 */
public final class BatchScorer {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Columns tried, in order, when no text column is named: NSMC's files call it "document". */
    static final List<String> TEXT_COLUMNS = List.of("text", "document", "review", "sentence", "content");

    /**
     * @param format     the input's and output's format
     * @param textColumn the column (TSV/CSV header) or field (JSONL) holding the text; null: the first of
     *                   {@link #TEXT_COLUMNS} present (for JSONL: "text")
     * @param chunkRows  rows classified and written at a time
     */
    public record Job(Path in, Path out, TableFormat format, String textColumn, int chunkRows) {
        public Job {
            if (chunkRows < 1) throw new IllegalArgumentException("chunkRows must be at least 1");
        }
    }

    /** @param resumed rows found already done in the output; scored and failed count this run's rows */
    public record Summary(long resumed, long scored, long failed) {}

    private final Classifier classifier;

    public BatchScorer(Classifier classifier) {
        this.classifier = classifier;
    }

    /** Data rows of a file (without a TSV/CSV header), for a progress bar's total. */
    public static long countRows(Path file, TableFormat format) throws IOException {
        long n = 0;
        try (RecordReader r = new RecordReader(Files.newInputStream(file), format == TableFormat.CSV)) {
            while (r.next() != null) n++;
        }
        return format.tabular() ? Math.max(0, n - 1) : n;
    }

    /** Scores {@code job.in()} into {@code job.out()}, continuing a partial output; {@code progress} gets row counts. */
    public Summary score(Job job, LongConsumer progress) throws IOException {
        TableFormat format = job.format();
        try (RecordReader input = new RecordReader(Files.newInputStream(job.in()), format == TableFormat.CSV)) {
            List<String> header = null;
            int textIndex = -1;
            ScoreColumns columns;
            if (format.tabular()) {
                RecordReader.Raw first = input.next();
                if (first == null) throw new IOException(job.in() + " is empty; it needs a header row");
                String line = decode(first.bytes());
                if (line == null) throw new IOException(job.in() + ": the header row is not valid UTF-8");
                header = format.split(line);
                textIndex = textColumnIndex(header, job.textColumn(), job.in());
                columns = new ScoreColumns(classifier.labels(), header);
            } else {
                columns = new ScoreColumns(classifier.labels(), firstObjectFields(job.in()));
            }
            String textField = job.textColumn() != null ? job.textColumn() : "text";
            List<String> outHeader = null;
            if (header != null) {
                outHeader = new ArrayList<>(header);
                outHeader.addAll(columns.names());
            }
            long done = prepareOutput(job.out(), format, outHeader);
            for (long skipped = 0; skipped < done; skipped++) {
                if (input.next() == null)
                    throw new IOException(job.out() + " has " + done + " rows but " + job.in() + " only " + skipped
                            + "; it is not this input's output (delete it to start over)");
            }
            if (done > 0) progress.accept(done);
            long scored = 0, failed = 0;
            long rowNumber = done; // 0-based index of the next data row
            try (FileChannel channel = FileChannel.open(job.out(), StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                 OutputStream out = Channels.newOutputStream(channel)) {
                if (outHeader != null && done == 0 && channel.size() == 0) writeLine(out, format.join(outHeader));
                List<Row> chunk = new ArrayList<>(job.chunkRows());
                for (RecordReader.Raw raw = input.next(); raw != null; raw = input.next()) {
                    chunk.add(parse(raw, ++rowNumber, format, header, textIndex, textField));
                    if (chunk.size() == job.chunkRows()) {
                        failed += writeChunk(chunk, out, format, columns);
                        scored += chunk.size();
                        progress.accept(chunk.size());
                        chunk.clear();
                    }
                }
                if (!chunk.isEmpty()) {
                    failed += writeChunk(chunk, out, format, columns);
                    scored += chunk.size();
                    progress.accept(chunk.size());
                }
                channel.force(false);
            }
            return new Summary(done, scored - failed, failed);
        }
    }

    /** A parsed input row: its fields (tabular) or object (JSONL), its text, or why it has none. */
    private record Row(List<String> fields, ObjectNode object, String text, String error) {}

    private static Row parse(RecordReader.Raw raw, long number, TableFormat format, List<String> header, int textIndex,
                             String textField) {
        String where = (format.tabular() ? "row " : "line ") + number;
        String line = decode(raw.bytes());
        String brokenUtf8 = null;
        if (line == null) {
            line = new String(raw.bytes(), StandardCharsets.UTF_8);
            brokenUtf8 = where + ": not valid UTF-8";
        }
        if (!format.tabular()) {
            if (line.isBlank()) return new Row(null, JSON.createObjectNode(), null, where + ": empty line");
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                return new Row(null, JSON.createObjectNode(), null, brokenUtf8 != null ? brokenUtf8 : where + ": not valid JSON");
            }
            if (!(node instanceof ObjectNode object))
                return new Row(null, JSON.createObjectNode(), null, where + ": not a JSON object");
            if (brokenUtf8 != null) return new Row(null, object, null, brokenUtf8);
            JsonNode text = object.get(textField);
            if (text == null || text.isNull()) return new Row(null, object, null, where + ": no \"" + textField + "\"");
            if (!text.isTextual()) return new Row(null, object, null, where + ": \"" + textField + "\" is not a string");
            return checked(null, object, text.textValue(), where);
        }
        List<String> fields;
        try {
            fields = format.split(line);
        } catch (IllegalArgumentException e) {
            return new Row(fit(List.of(line), header.size()), null, null, where + ": " + e.getMessage());
        }
        if (brokenUtf8 != null) return new Row(fit(fields, header.size()), null, null, brokenUtf8);
        if (fields.size() != header.size())
            return new Row(fit(fields, header.size()), null, null,
                    where + ": " + fields.size() + " fields, but the header has " + header.size());
        return checked(fields, null, fields.get(textIndex), where);
    }

    private static Row checked(List<String> fields, ObjectNode object, String text, String where) {
        if (text.isBlank()) return new Row(fields, object, null, where + ": empty text");
        return new Row(fields, object, text, null);
    }

    /** Pads or cuts fields to the header's width, so the output's columns stay aligned. */
    private static List<String> fit(List<String> fields, int width) {
        List<String> out = new ArrayList<>(fields.subList(0, Math.min(width, fields.size())));
        while (out.size() < width) out.add("");
        return out;
    }

    /** Classifies the chunk's texts in one call and writes its rows; returns how many failed. */
    private int writeChunk(List<Row> chunk, OutputStream out, TableFormat format, ScoreColumns columns) throws IOException {
        List<String> texts = new ArrayList<>();
        for (Row r : chunk) if (r.text() != null) texts.add(r.text());
        List<Prediction> predictions = texts.isEmpty() ? List.of() : classifier.classify(texts);
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(chunk.size() * 128);
        int next = 0, failed = 0;
        for (Row r : chunk) {
            List<Object> values;
            if (r.text() != null) {
                values = columns.values(predictions.get(next++));
            } else {
                values = columns.failed(r.error());
                failed++;
            }
            String line;
            if (format.tabular()) {
                List<String> fields = new ArrayList<>(r.fields());
                for (Object v : values) fields.add(v == null ? "" : v.toString());
                line = format.join(fields);
            } else {
                ObjectNode o = r.object().deepCopy();
                for (int i = 0; i < values.size(); i++) o.putPOJO(columns.names().get(i), values.get(i));
                line = JSON.writeValueAsString(o);
            }
            buffer.write(line.getBytes(StandardCharsets.UTF_8));
            buffer.write('\n');
        }
        out.write(buffer.toByteArray()); // one write per chunk: a kill leaves whole rows and at most one partial
        out.flush();
        return failed;
    }

    /**
     * Makes {@code out} ready to append to and returns how many data rows it already holds: a missing or empty file
     * holds none; a partial last row (no line break) is cut off; a header other than this run's is an error.
     */
    static long prepareOutput(Path out, TableFormat format, List<String> outHeader) throws IOException {
        if (!Files.exists(out)) {
            Files.createFile(out);
            return 0;
        }
        long rows = 0, keep = 0;
        try (RecordReader r = new RecordReader(Files.newInputStream(out), format == TableFormat.CSV)) {
            RecordReader.Raw raw = r.next();
            if (outHeader != null && raw != null && raw.terminated()) {
                String found = decode(raw.bytes());
                if (found == null || !format.split(found).equals(outHeader))
                    throw new IOException(out + " exists with other columns than this run writes; delete it or choose another output");
                keep = r.completeEnd();
                raw = r.next();
            } else if (outHeader != null) {
                raw = null; // no complete header: start the file over
            }
            for (; raw != null && raw.terminated(); raw = r.next()) {
                rows++;
                keep = r.completeEnd();
            }
        }
        try (FileChannel channel = FileChannel.open(out, StandardOpenOption.WRITE)) {
            if (channel.size() > keep) channel.truncate(keep);
        }
        return rows;
    }

    /** The field names of the first JSON object line: JSONL has no header, so that line decides clashes. */
    private static List<String> firstObjectFields(Path in) throws IOException {
        try (RecordReader r = new RecordReader(Files.newInputStream(in), false)) {
            for (RecordReader.Raw raw = r.next(); raw != null; raw = r.next()) {
                String line = decode(raw.bytes());
                if (line == null || line.isBlank()) continue;
                try {
                    if (JSON.readTree(line) instanceof ObjectNode o) {
                        List<String> names = new ArrayList<>();
                        o.fieldNames().forEachRemaining(names::add);
                        return names;
                    }
                } catch (JsonProcessingException e) {
                    // not this line; try the next
                }
            }
        }
        return List.of();
    }

    private static void writeLine(OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static int textColumnIndex(List<String> header, String named, Path in) throws IOException {
        if (named != null) {
            int i = header.indexOf(named);
            if (i < 0) throw new IOException(in + " has no column '" + named + "'; its columns are " + header);
            return i;
        }
        for (String c : TEXT_COLUMNS) if (header.contains(c)) return header.indexOf(c);
        throw new IOException(in + " has none of the columns " + TEXT_COLUMNS + " (its columns are " + header
                + "); name the text column with --text-column");
    }

    /** Strict UTF-8, or null when the bytes are not valid UTF-8. */
    private static String decode(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

}
