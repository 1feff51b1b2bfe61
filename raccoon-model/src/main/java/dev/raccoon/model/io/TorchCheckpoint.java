package dev.raccoon.model.io;

import dev.raccoon.engine.HostTensor;
import dev.raccoon.model.io.TorchPickle.Storage;
import dev.raccoon.model.io.TorchPickle.TensorRef;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads PyTorch checkpoints ({@code pytorch_model.bin}): the zip format of {@code torch.save} since 1.6, where
 * {@code <folder>/data.pkl} describes the state dict and {@code <folder>/data/<key>} hold raw storages, and the
 * legacy format before it (checkpoints uploaded before mid-2020 may be in it): pickles of a magic number, a protocol version,
 * system info, the state dict and the storage keys, then each storage as its element count and its bytes. The
 * pickles are interpreted by {@link TorchPickle}, which never executes code.
 */
public final class TorchCheckpoint {
    /** A state dict's pickle is ~100 bytes per tensor; the cap bounds what a hostile pickle can make us allocate. */
    static final int MAX_PICKLE_BYTES = 16 * 1024 * 1024;
    private static final int CHUNK = 1 << 20;
    /** The legacy format's first pickle: protocol 2, the magic number 0x1950a86a20f9469cfc6c, STOP. */
    private static final byte[] LEGACY_MAGIC = {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46,
            (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19, '.'};
    private static final long LEGACY_PROTOCOL = 1001;

    /** Reads one storage as floats; {@code tensor} names the first tensor that uses it, for errors. */
    private interface StorageReader {
        float[] read(Storage storage, String tensor) throws IOException;
    }

    private TorchCheckpoint() {
    }

    /** Reads every floating-point tensor in pickle order; integer and bool tensors are skipped. */
    public static LinkedHashMap<String, HostTensor> read(Path pytorchModelBin) throws CheckpointException {
        return read(pytorchModelBin, new HashSet<>());
    }

    /** As {@link #read(Path)}, adding the names of skipped non-float tensors to {@code skipped}. */
    static LinkedHashMap<String, HostTensor> read(Path file, Set<String> skipped) throws CheckpointException {
        try {
            if (!Files.isRegularFile(file)) throw fail(file, "is not a regular file");
            if (isLegacy(file)) return readLegacy(file, skipped);
            try (ZipFile zip = open(file)) {
                long fileSize = Files.size(file);
                ZipEntry pickleEntry = findPickle(zip, file);
                String folder = pickleEntry.getName().substring(0, pickleEntry.getName().length() - "data.pkl".length());
                ByteOrder order = byteOrder(zip, folder, file);
                byte[] pickle = readSmall(zip, pickleEntry, MAX_PICKLE_BYTES, fileSize, file);
                Object root = TorchPickle.load(pickle, file, pickleEntry.getName());
                if (!(root instanceof TorchPickle.Dict dict)) throw fail(file, "does not hold a state dict (its pickle is not a dict)");
                return materialize(dict, file, skipped, (s, tensor) -> {
                    ZipEntry entry = zip.getEntry(folder + "data/" + s.key());
                    if (entry == null) throw fail(file, tensor, "refers to storage data/" + s.key() + ", which the archive lacks");
                    return readStorage(zip, entry, s, order, fileSize, file, tensor);
                });
            }
        } catch (CheckpointException e) {
            throw e;
        } catch (EOFException e) {
            throw new CheckpointException(file + ": is truncated or corrupt: it ends inside the data it declares", e);
        } catch (ZipException e) {
            throw new CheckpointException(file + ": is not a valid zip archive (" + e.getMessage() + ")", e);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file + ": cannot be read as a PyTorch checkpoint: " + SafeTensors.describe(e), e);
        }
    }

    private static ZipFile open(Path file) throws IOException {
        try {
            return new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw fail(file, startsWithZipEntry(file)
                    ? "is a zip archive cut short or damaged (" + e.getMessage() + "): an interrupted download or copy?"
                    : "is neither a zip archive nor a legacy torch.save file (" + e.getMessage() + ")");
        }
    }

    /** Whether the file begins as a zip archive does (a local file header), whatever became of its end. */
    private static boolean startsWithZipEntry(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(4), new byte[] {'P', 'K', 3, 4});
        }
    }

    private static boolean isLegacy(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(LEGACY_MAGIC.length), LEGACY_MAGIC);
        }
    }

    /** The legacy format: the pickles from the start of the file, then the storages in the order their keys list. */
    private static LinkedHashMap<String, HostTensor> readLegacy(Path file, Set<String> skipped) throws IOException {
        long fileSize = Files.size(file);
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes((int) Math.min(fileSize, MAX_PICKLE_BYTES));
        }
        TorchPickle.Loaded protocol = TorchPickle.loadAt(head, LEGACY_MAGIC.length, file, "the protocol version");
        if (!Long.valueOf(LEGACY_PROTOCOL).equals(protocol.value()))
            throw fail(file, "has legacy protocol version " + protocol.value() + ", not " + LEGACY_PROTOCOL);
        TorchPickle.Loaded systemInfo = TorchPickle.loadAt(head, protocol.end(), file, "the system info");
        ByteOrder order = systemInfo.value() instanceof TorchPickle.Dict info && Boolean.FALSE.equals(info.map.get("little_endian"))
                ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        TorchPickle.Loaded root = TorchPickle.loadAt(head, systemInfo.end(), file, "the state dict");
        if (!(root.value() instanceof TorchPickle.Dict dict)) throw fail(file, "does not hold a state dict (its pickle is not a dict)");
        TorchPickle.Loaded keys = TorchPickle.loadAt(head, root.end(), file, "the storage keys");
        if (!(keys.value() instanceof TorchPickle.PyList list)) throw fail(file, "has no list of storage keys after its state dict");
        Map<String, Storage> used = new HashMap<>();
        for (Object value : dict.map.values())
            if (value instanceof TensorRef t) used.put(t.storage().key(), t.storage());
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            Map<String, Long> dataAt = new HashMap<>();
            long at = keys.end();
            for (Object k : list.items) {
                if (!(k instanceof String key) || !used.containsKey(key))
                    throw fail(file, "lists storage " + CheckpointException.printable(String.valueOf(k)) + ", which no tensor uses");
                Storage s = used.get(key);
                long numel = readLong(channel, at, order, file);
                if (numel != s.numel())
                    throw fail(file, "stores " + numel + " elements for storage " + key + ", whose tensors declare " + s.numel());
                dataAt.put(key, at + Long.BYTES);
                try {
                    at = Math.addExact(at + Long.BYTES, Math.multiplyExact(numel, (long) s.elementBytes()));
                } catch (ArithmeticException e) {
                    throw fail(file, "has a storage size " + numel + " that overflows 64 bits");
                }
                if (at > fileSize) throw fail(file, "is truncated: storage " + key + " runs past the end of the file");
            }
            for (String key : used.keySet())
                if (!dataAt.containsKey(key)) throw fail(file, "lacks storage " + key + ", which its tensors use");
            return materialize(dict, file, skipped, (s, tensor) -> {
                if (s.numel() > SafeTensors.MAX_ARRAY)
                    throw fail(file, tensor, "lives in a storage of " + s.numel() + " elements, more than a Java array can hold");
                channel.position(dataAt.get(s.key()));
                // Not closed here: closing the stream would close the channel the next storage is read from.
                InputStream in = new BufferedInputStream(Channels.newInputStream(channel), CHUNK);
                return decode(in, s.numel() * s.elementBytes(), s, order, null, file, "storage " + s.key());
            });
        }
    }

    private static long readLong(FileChannel channel, long at, ByteOrder order, Path file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Long.BYTES).order(order);
        while (b.hasRemaining())
            if (channel.read(b, at + b.position()) < 0) throw fail(file, "is truncated: it ends before the storage at byte " + at);
        return b.getLong(0);
    }

    /** The top folder's name varies ({@code archive}, {@code pytorch_model}, ...), so find {@code <folder>/data.pkl}. */
    private static ZipEntry findPickle(ZipFile zip, Path file) throws CheckpointException {
        List<? extends ZipEntry> found = zip.stream()
                .filter(e -> e.getName().endsWith("/data.pkl") && e.getName().indexOf('/') == e.getName().length() - "/data.pkl".length())
                .limit(2)
                .toList();
        if (found.isEmpty()) throw fail(file, "has no <folder>/data.pkl entry, so it is not a PyTorch checkpoint");
        if (found.size() > 1) throw fail(file, "has more than one <folder>/data.pkl entry");
        return found.getFirst();
    }

    /** Older archives have no byteorder entry and are little-endian. */
    private static ByteOrder byteOrder(ZipFile zip, String folder, Path file) throws IOException {
        ZipEntry e = zip.getEntry(folder + "byteorder");
        if (e == null) return ByteOrder.LITTLE_ENDIAN;
        String s = new String(readSmall(zip, e, 16, Files.size(file), file), StandardCharsets.US_ASCII).strip();
        return switch (s) {
            case "little" -> ByteOrder.LITTLE_ENDIAN;
            case "big" -> ByteOrder.BIG_ENDIAN;
            default -> throw fail(file, "has an unknown byteorder '" + s.replaceAll("\\P{Print}", "?") + "'");
        };
    }

    private static LinkedHashMap<String, HostTensor> materialize(TorchPickle.Dict dict, Path file, Set<String> skipped,
                                                                 StorageReader reader) throws IOException {
        // Group views by storage so each storage is read once, then drop it before reading the next.
        Map<String, List<Map.Entry<String, TensorRef>>> byStorage = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (Map.Entry<Object, Object> e : dict.map.entrySet()) {
            if (!(e.getKey() instanceof String name)) throw fail(file, "has a state dict key that is not a string: " + e.getKey());
            if (!(e.getValue() instanceof TensorRef t))
                throw fail(file, name, "is not a tensor, so this is not a plain state dict");
            if (t.storage().dtype() == null) {
                SafeTensors.requireBuffer(file, name);
                skipped.add(name);
                continue;
            }
            checkView(file, name, t);
            names.add(name);
            byStorage.computeIfAbsent(t.storage().key(), k -> new ArrayList<>()).add(Map.entry(name, t));
        }
        Map<String, HostTensor> tensors = new HashMap<>();
        for (List<Map.Entry<String, TensorRef>> views : byStorage.values()) {
            Storage s = views.getFirst().getValue().storage();
            String firstName = views.getFirst().getKey();
            if (views.size() == 1 && isWholeStorage(views.getFirst().getValue())) {
                tensors.put(firstName, new HostTensor(toInts(views.getFirst().getValue().size()), reader.read(s, firstName)));
                continue;
            }
            float[] storage = reader.read(s, firstName);
            for (Map.Entry<String, TensorRef> v : views) tensors.put(v.getKey(), gather(storage, v.getValue()));
        }
        LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
        for (String name : names) out.put(name, tensors.get(name));
        return out;
    }

    /** Checks sizes, strides and offset against the storage so that gathering can never index out of bounds. */
    private static void checkView(Path file, String name, TensorRef t) throws CheckpointException {
        long[] size = t.size(), stride = t.stride();
        if (size.length != stride.length)
            throw fail(file, name, "has " + size.length + " sizes but " + stride.length + " strides");
        if (t.offset() < 0) throw fail(file, name, "has a negative storage offset " + t.offset());
        try {
            long count = 1, last = t.offset();
            for (int i = 0; i < size.length; i++) {
                if (size[i] < 0 || size[i] > Integer.MAX_VALUE || stride[i] < 0)
                    throw fail(file, name, "has an invalid size " + Arrays.toString(size) + " or stride " + Arrays.toString(stride));
                count = Math.multiplyExact(count, size[i]);
                if (size[i] > 0) last = Math.addExact(last, Math.multiplyExact(size[i] - 1, stride[i]));
            }
            if (count > SafeTensors.MAX_ARRAY)
                throw fail(file, name, "has " + count + " elements, more than a Java array can hold");
            if (count > 0 && last >= t.storage().numel())
                throw fail(file, name, "reaches element " + last + " of storage data/" + t.storage().key()
                        + ", which holds only " + t.storage().numel());
        } catch (ArithmeticException e) {
            throw fail(file, name, "has a size " + Arrays.toString(size) + " whose extent overflows 64 bits");
        }
    }

    private static boolean isWholeStorage(TensorRef t) {
        return t.offset() == 0 && isContiguous(t) && elementCount(t.size()) == t.storage().numel();
    }

    /** Row-major contiguous; dimensions of size 1 may carry any stride, as in torch. */
    private static boolean isContiguous(TensorRef t) {
        long expected = 1;
        for (int i = t.size().length - 1; i >= 0; i--) {
            if (t.size()[i] != 1 && t.stride()[i] != expected) return false;
            expected *= t.size()[i];
        }
        return true;
    }

    private static HostTensor gather(float[] storage, TensorRef t) {
        long[] size = t.size(), stride = t.stride();
        float[] out = new float[(int) elementCount(size)];
        if (out.length == 0) return new HostTensor(toInts(size), out);
        if (isContiguous(t)) {
            System.arraycopy(storage, (int) t.offset(), out, 0, out.length);
            return new HostTensor(toInts(size), out);
        }
        int rank = size.length;
        long[] index = new long[rank];
        long source = t.offset();
        for (int i = 0; i < out.length; i++) {
            out[i] = storage[(int) source];
            // Odometer over the multi-index; the last dimension moves fastest.
            for (int d = rank - 1; d >= 0; d--) {
                if (++index[d] < size[d]) {
                    source += stride[d];
                    break;
                }
                source -= (size[d] - 1) * stride[d];
                index[d] = 0;
            }
        }
        return new HostTensor(toInts(size), out);
    }

    /** Streams one storage into floats in chunks, verifying its length and CRC, never holding its bytes whole. */
    private static float[] readStorage(ZipFile zip, ZipEntry entry, Storage s, ByteOrder order, long fileSize,
                                       Path file, String tensor) throws IOException {
        long bytes;
        try {
            bytes = Math.multiplyExact(s.numel(), (long) s.elementBytes());
        } catch (ArithmeticException e) {
            throw fail(file, tensor, "has a storage size " + s.numel() + " that overflows 64 bits");
        }
        checkStored(entry, file);
        if (entry.getSize() != bytes)
            throw fail(file, tensor, "needs " + bytes + " bytes of " + s.type() + " but entry " + entry.getName()
                    + " holds " + entry.getSize());
        if (bytes > fileSize) throw fail(file, "is truncated: entry " + entry.getName() + " is larger than the file");
        if (s.numel() > SafeTensors.MAX_ARRAY)
            throw fail(file, tensor, "lives in a storage of " + s.numel() + " elements, more than a Java array can hold");
        CRC32 crc = new CRC32();
        float[] out;
        try (InputStream in = zip.getInputStream(entry)) {
            out = decode(in, bytes, s, order, crc, file, "entry " + entry.getName());
        }
        if (entry.getCrc() != -1 && crc.getValue() != entry.getCrc())
            throw fail(file, "is corrupt: entry " + entry.getName() + " fails its CRC check");
        return out;
    }

    /** Streams {@code bytes} of a storage into floats in chunks, never holding its bytes whole; {@code crc} may be null. */
    private static float[] decode(InputStream in, long bytes, Storage s, ByteOrder order, CRC32 crc, Path file, String where)
            throws IOException {
        float[] out = new float[(int) s.numel()];
        byte[] buffer = new byte[(int) Math.min(CHUNK, Math.max(bytes, 1))];
        MemorySegment segment = MemorySegment.ofArray(buffer);
        long done = 0;
        int index = 0;
        while (done < bytes) {
            int want = (int) Math.min(buffer.length, bytes - done);
            if (in.readNBytes(buffer, 0, want) != want) throw fail(file, "is truncated inside " + where);
            if (crc != null) crc.update(buffer, 0, want);
            int count = want / s.elementBytes();
            s.dtype().decode(segment, 0, order, out, index, count);
            index += count;
            done += want;
        }
        return out;
    }

    private static byte[] readSmall(ZipFile zip, ZipEntry entry, int max, long fileSize, Path file) throws IOException {
        checkStored(entry, file);
        long size = entry.getSize();
        if (size < 0 || size > max) throw fail(file, "has an entry " + entry.getName() + " of " + size + " bytes, over the " + max + "-byte limit");
        if (size > fileSize) throw fail(file, "is truncated: entry " + entry.getName() + " is larger than the file");
        byte[] out;
        try (InputStream in = zip.getInputStream(entry)) {
            out = in.readNBytes((int) size);
        }
        if (out.length != size) throw fail(file, "is truncated inside entry " + entry.getName());
        CRC32 crc = new CRC32();
        crc.update(out);
        if (entry.getCrc() != -1 && crc.getValue() != entry.getCrc())
            throw fail(file, "is corrupt: entry " + entry.getName() + " fails its CRC check");
        return out;
    }

    /** torch.save never compresses; refusing compressed entries rules out zip bombs posing as storages. */
    private static void checkStored(ZipEntry entry, Path file) throws CheckpointException {
        if (entry.getMethod() != ZipEntry.STORED)
            throw fail(file, "stores entry " + entry.getName() + " compressed, which torch.save never does");
    }

    private static long elementCount(long[] size) {
        long n = 1;
        for (long d : size) n *= d;
        return n;
    }

    private static int[] toInts(long[] size) {
        int[] out = new int[size.length];
        for (int i = 0; i < size.length; i++) out[i] = (int) size[i];
        return out;
    }

    private static CheckpointException fail(Path file, String what) {
        return SafeTensors.fail(file, what);
    }

    private static CheckpointException fail(Path file, String tensor, String what) {
        return SafeTensors.fail(file, tensor, what);
    }
}
