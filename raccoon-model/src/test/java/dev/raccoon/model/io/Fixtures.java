package dev.raccoon.model.io;

import dev.raccoon.engine.HostTensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Test resources and builders for hand-made checkpoint files. */
final class Fixtures {
    static final String ORACLE = "oracle/electra-classifier/";

    private Fixtures() {
    }

    static Path resource(String name) {
        URL url = Fixtures.class.getClassLoader().getResource(name);
        assertThat(url).as("test resource " + name).isNotNull();
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A safetensors file: 8-byte little-endian header length, the header, the data. */
    static byte[] safetensors(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).put(data).array();
    }

    /** The entries of a zip, in order. */
    static LinkedHashMap<String, byte[]> unzip(Path zip) {
        LinkedHashMap<String, byte[]> out = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(zip.toFile())) {
            for (ZipEntry e : z.stream().toList()) out.put(e.getName(), z.getInputStream(e).readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** An uncompressed zip with correct CRCs, as torch.save writes it. */
    static byte[] zip(Map<String, byte[]> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                entry.setMethod(ZipEntry.STORED);
                entry.setSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                entry.setCrc(crc.getValue());
                out.putNextEntry(entry);
                out.write(e.getValue());
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A torch-layout archive holding only {@code pickle} (plus any storages) under folder {@code archive}. */
    static byte[] torchZip(byte[] pickle, Map<String, byte[]> storages) {
        LinkedHashMap<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", pickle);
        entries.put("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        storages.forEach((key, bytes) -> entries.put("archive/data/" + key, bytes));
        return zip(entries);
    }

    static byte[] floatsLE(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return b.array();
    }

    static HostTensor tensor(int[] shape, float... values) {
        return new HostTensor(shape, values);
    }

    /** Hand-assembled pickle bytes; strings are written as given (latin-1 for the GLOBAL lines). */
    static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle op(int... bytes) {
            for (int b : bytes) out.write(b);
            return this;
        }

        Pickle global(String module, String name) {
            out.write('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.ISO_8859_1));
            return this;
        }

        Pickle unicode(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write('X');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
            out.writeBytes(b);
            return this;
        }

        Pickle binint(int v) {
            out.write('J');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
            return this;
        }

        /** Pushes {@code _rebuild_tensor_v2(storage(key, FloatStorage, numel), offset, size, stride, False, OrderedDict())}. */
        Pickle floatTensor(String key, int numel, int offset, int[] size, int[] stride) {
            global("torch._utils", "_rebuild_tensor_v2").op('(');
            op('(').unicode("storage").global("torch", "FloatStorage").unicode(key).unicode("cpu").binint(numel).op('t', 'Q');
            binint(offset);
            op('(');
            for (int s : size) binint(s);
            op('t', '(');
            for (int s : stride) binint(s);
            op('t', 0x89).global("collections", "OrderedDict").op(')', 'R', 't', 'R');
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
