package dev.raccoon.model.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.raccoon.engine.HostTensor;
import dev.raccoon.text.JsonProblems;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format: an 8-byte
 * little-endian header length, a JSON header, then the tensor bytes. Files are memory-mapped, so reading needs
 * no more heap than the floats themselves.
 */
public final class SafeTensors {
    /** Same cap as the reference implementation, so a corrupt length cannot make us allocate gigabytes. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    /** Largest float[] the JVM will allocate. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    private static final String METADATA_KEY = "__metadata__";
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final int WRITE_CHUNK = 1 << 20;

    private SafeTensors() {
    }

    /** How a header dtype string maps to element size; {@code dtype == null} means an integer/bool tensor we skip. */
    private record Kind(int bytes, DType dtype) {
    }

    private static final Map<String, Kind> KINDS = Map.ofEntries(
            Map.entry("F64", new Kind(8, DType.F64)), Map.entry("F32", new Kind(4, DType.F32)),
            Map.entry("F16", new Kind(2, DType.F16)), Map.entry("BF16", new Kind(2, DType.BF16)),
            Map.entry("BOOL", new Kind(1, null)), Map.entry("U8", new Kind(1, null)), Map.entry("I8", new Kind(1, null)),
            Map.entry("I16", new Kind(2, null)), Map.entry("U16", new Kind(2, null)),
            Map.entry("I32", new Kind(4, null)), Map.entry("U32", new Kind(4, null)),
            Map.entry("I64", new Kind(8, null)), Map.entry("U64", new Kind(8, null)));

    private record Entry(String name, Kind kind, int[] shape, long begin, long end) {
    }

    /**
     * Reads every floating-point tensor (F64, F32, F16, BF16 widened to float) in header order; integer and bool
     * tensors such as {@code position_ids} are skipped.
     */
    public static LinkedHashMap<String, HostTensor> read(Path file) throws CheckpointException {
        return read(file, new HashSet<>());
    }

    /** As {@link #read(Path)}, adding the names of skipped non-float tensors to {@code skipped}. */
    static LinkedHashMap<String, HostTensor> read(Path file, Set<String> skipped) throws CheckpointException {
        try {
            if (!Files.isRegularFile(file)) throw fail(file, "is not a regular file");
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
                long size = ch.size();
                if (size < 8) throw fail(file, "is truncated: it has " + size + " bytes, fewer than the 8-byte header length");
                ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, lengthBytes, 0, file);
                long headerLength = lengthBytes.getLong(0);
                if (headerLength < 0 || headerLength > MAX_HEADER_BYTES)
                    throw fail(file, "declares a header of " + Long.toUnsignedString(headerLength)
                            + " bytes, over the " + MAX_HEADER_BYTES + "-byte limit");
                if (headerLength > size - 8)
                    throw fail(file, "is truncated: the header declares " + headerLength + " bytes but only "
                            + (size - 8) + " follow");
                ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
                readFully(ch, headerBytes, 8, file);
                long dataStart = 8 + headerLength;
                List<Entry> entries = parseHeader(file, headerBytes.array(), size - dataStart);

                LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
                MemorySegment data = size > dataStart
                        ? ch.map(FileChannel.MapMode.READ_ONLY, dataStart, size - dataStart, arena)
                        : MemorySegment.NULL;
                for (Entry e : entries) {
                    if (e.kind.dtype == null) {
                        requireBuffer(file, e.name);
                        skipped.add(e.name);
                        continue;
                    }
                    int n = (int) ((e.end - e.begin) / e.kind.bytes);
                    float[] values = new float[n];
                    e.kind.dtype.decode(data, e.begin, ByteOrder.LITTLE_ENDIAN, values, 0, n);
                    out.put(e.name, new HostTensor(e.shape, values));
                }
                return out;
            }
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file + ": cannot be read as safetensors: " + describe(e), e);
        }
    }

    /**
     * Validates the header the way the reference implementation does: one JSON object, with no byte-order mark before
     * it and nothing but white space after it, string metadata, known dtypes, exact sizes, contiguous ranges.
     */
    private static List<Entry> parseHeader(Path file, byte[] header, long dataLength) throws CheckpointException {
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JacksonException e) {
            throw fail(file, "has a header that is not valid JSON: " + JsonProblems.why(e));
        } catch (IOException e) {
            throw fail(file, "has an unreadable header: " + describe(e));
        }
        if (root == null || !root.isObject()) throw fail(file, "has a header that is not a JSON object");
        if (header[0] == (byte) 0xEF) // Jackson skips a UTF-8 byte-order mark; the reference's JSON parser refuses one
            throw fail(file, "has a header that begins with a byte-order mark");
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            JsonNode info = field.getValue();
            if (name.equals(METADATA_KEY)) {
                if (!info.isObject() && !info.isNull()) throw fail(file, "has a __metadata__ entry that is not an object");
                for (Map.Entry<String, JsonNode> m : info.properties())
                    if (!m.getValue().isTextual())
                        throw fail(file, "has __metadata__ '" + CheckpointException.printable(m.getKey())
                                + "' that is not a string: " + m.getValue().getNodeType().toString().toLowerCase(Locale.ROOT));
                continue;
            }
            if (!info.isObject()) throw fail(file, name, "has a header entry that is not an object");
            JsonNode dtypeNode = info.get("dtype");
            if (dtypeNode == null || !dtypeNode.isTextual()) throw fail(file, name, "has no dtype");
            Kind kind = KINDS.get(dtypeNode.asText());
            if (kind == null) throw fail(file, name, "has unsupported dtype " + dtypeNode);
            JsonNode shapeNode = info.get("shape");
            if (shapeNode == null || !shapeNode.isArray()) throw fail(file, name, "has no shape array");
            int[] shape = new int[shapeNode.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = shapeNode.get(i);
                if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0 || d.asLong() > Integer.MAX_VALUE)
                    throw fail(file, name, "has an invalid dimension " + d + " in its shape");
                shape[i] = (int) d.asLong();
                count = multiplyOrFail(file, name, count, shape[i]);
            }
            JsonNode offsets = info.get("data_offsets");
            if (offsets == null || !offsets.isArray() || offsets.size() != 2
                    || !isNonNegativeLong(offsets.get(0)) || !isNonNegativeLong(offsets.get(1)))
                throw fail(file, name, "has data_offsets that are not two non-negative integers");
            long begin = offsets.get(0).asLong(), end = offsets.get(1).asLong();
            if (begin <= end && end > dataLength && end <= declaredEnd(root))
                throw fail(file, "is truncated: its header places tensors in " + declaredEnd(root) + " bytes of data, but only "
                        + dataLength + " follow it (an interrupted download or copy?)");
            if (begin > end || end > dataLength)
                throw fail(file, name, "has data_offsets [" + begin + ", " + end + "] outside the " + dataLength
                        + "-byte data section");
            long bytes = multiplyOrFail(file, name, count, kind.bytes);
            if (bytes != end - begin)
                throw fail(file, name, "has shape " + Arrays.toString(shape) + " of " + dtypeNode.asText() + " needing "
                        + bytes + " bytes, but its data_offsets span " + (end - begin));
            if (kind.dtype != null && count > MAX_ARRAY)
                throw fail(file, name, "has " + count + " elements, more than a Java array can hold");
            entries.add(new Entry(name, kind, shape, begin, end));
        }
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        for (Entry e : byOffset) {
            if (e.begin != expected)
                throw fail(file, e.name, "starts at byte " + e.begin + " of the data section where " + expected
                        + " was expected (overlapping or gapped tensors)");
            expected = e.end;
        }
        if (expected != dataLength)
            throw fail(file, "has " + dataLength + " bytes of tensor data but the header accounts for " + expected);
        return entries;
    }

    /**
     * Integer and bool tensors are buffers transformers saves beside the weights (position_ids, token_type_ids) and
     * are skipped; a weight stored as one is named, not reported missing later.
     */
    static void requireBuffer(Path file, String name) throws CheckpointException {
        if (!name.endsWith("_ids"))
            throw fail(file, name, "is stored as integers or booleans; weights are floating point (F64, F32, F16, BF16)");
    }

    /** The largest end offset the header gives any tensor: the data section's length when the file is whole. */
    private static long declaredEnd(JsonNode header) {
        long end = 0;
        for (JsonNode info : header)
            if (info.path("data_offsets").path(1).canConvertToLong()) end = Math.max(end, info.path("data_offsets").path(1).asLong());
        return end;
    }

    /**
     * Writes {@code tensors} as {@code dtype}, atomically: a temporary file in the same directory is renamed over
     * {@code file}. Tensors are laid out in name order (UTF-8 byte order, like the reference implementation) and
     * the header is padded with spaces to a multiple of 8 bytes; {@code __metadata__} always carries a
     * {@code format} (default {@code "pt"}), which transformers requires.
     */
    public static void write(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata, DType dtype)
            throws CheckpointException {
        Path target = file.toAbsolutePath();
        Path temp = target.resolveSibling("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            if (dtype == null) throw fail(file, "cannot be written: no dtype given");
            List<String> names = new ArrayList<>(tensors.keySet());
            for (String name : names) {
                if (name == null || name.isEmpty() || name.equals(METADATA_KEY))
                    throw fail(file, "cannot be written: invalid tensor name '" + name + "'");
                if (tensors.get(name) == null) throw fail(file, name, "cannot be written: the tensor is null");
            }
            names.sort((a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
            byte[] header = header(file, names, tensors, metadata, dtype);
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 Arena arena = Arena.ofConfined()) {
                MemorySegment buffer = arena.allocate(WRITE_CHUNK);
                ByteBuffer view = buffer.asByteBuffer();
                buffer.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, header.length);
                writeFully(ch, view.clear().limit(8));
                writeFully(ch, ByteBuffer.wrap(header));
                int perChunk = WRITE_CHUNK / dtype.bytes();
                for (String name : names) {
                    float[] values = tensors.get(name).data();
                    for (int i = 0; i < values.length; i += perChunk) {
                        int n = Math.min(perChunk, values.length - i);
                        dtype.encodeLittleEndian(values, i, n, buffer, 0);
                        writeFully(ch, view.clear().limit(n * dtype.bytes()));
                    }
                }
                ch.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (CheckpointException e) {
            deleteQuietly(temp);
            throw e;
        } catch (IOException | RuntimeException e) {
            deleteQuietly(temp);
            throw new CheckpointException(file + ": cannot be written: " + (Files.isDirectory(target.getParent())
                    ? describe(e) : "its directory " + target.getParent() + " does not exist"), e);
        }
    }

    private static byte[] header(Path file, List<String> names, Map<String, HostTensor> tensors,
                                 Map<String, String> metadata, DType dtype) throws IOException {
        TreeMap<String, String> meta = new TreeMap<>();
        meta.put("format", "pt");
        if (metadata != null) meta.putAll(metadata);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = new JsonFactory().createGenerator(bytes)) {
            g.writeStartObject();
            g.writeObjectFieldStart(METADATA_KEY);
            for (Map.Entry<String, String> m : meta.entrySet()) g.writeStringField(m.getKey(), m.getValue());
            g.writeEndObject();
            long offset = 0;
            for (String name : names) {
                HostTensor t = tensors.get(name);
                long end = offset + (long) t.data().length * dtype.bytes();
                g.writeObjectFieldStart(name);
                g.writeStringField("dtype", dtype.name());
                g.writeArrayFieldStart("shape");
                for (int d : t.shape()) g.writeNumber(d);
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(offset);
                g.writeNumber(end);
                g.writeEndArray();
                g.writeEndObject();
                offset = end;
            }
            g.writeEndObject();
        }
        while (bytes.size() % 8 != 0) bytes.write(' ');
        if (bytes.size() > MAX_HEADER_BYTES)
            throw fail(file, "cannot be written: its header would exceed " + MAX_HEADER_BYTES + " bytes");
        return bytes.toByteArray();
    }

    private static boolean isNonNegativeLong(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToLong() && n.asLong() >= 0;
    }

    private static long multiplyOrFail(Path file, String name, long a, long b) throws CheckpointException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw fail(file, name, "has a shape whose size overflows 64 bits");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position, Path file) throws IOException {
        while (dst.hasRemaining()) {
            int n = ch.read(dst, position + dst.position());
            if (n < 0) throw fail(file, "is truncated");
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer src) throws IOException {
        while (src.hasRemaining()) ch.write(src);
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // The write already failed; that error is the one worth reporting.
        }
    }

    /**
     * Some JDK exceptions carry no message (EOFException) or only a path (NoSuchFileException, AccessDeniedException),
     * so their type is part of the description.
     */
    /** Why reading failed, in words: a file system error's message is the path again, which the caller names already. */
    static String describe(Exception e) {
        return switch (e) {
            case java.nio.file.AccessDeniedException x -> "permission denied";
            case java.nio.file.NoSuchFileException x -> "no such file";
            case FileSystemException x -> x.getReason() != null ? x.getReason() : "the file system refused it";
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
    }

    static CheckpointException fail(Path file, String what) {
        return new CheckpointException(file + ": " + what.replaceAll("\\p{Cntrl}", "?"));
    }

    static CheckpointException fail(Path file, String tensor, String what) {
        return fail(file, "tensor '" + CheckpointException.printable(tensor) + "' " + what);
    }
}
