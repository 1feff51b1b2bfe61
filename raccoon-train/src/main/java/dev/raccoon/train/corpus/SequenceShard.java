package dev.raccoon.train.corpus;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A file of fixed-length pretraining sequences, read by index so that a training loop can stream it or shuffle it
 * by sequence. Little-endian throughout:
 * <pre>
 *   header (32 bytes): magic "RACCSEQS", int32 version (1), int32 sequence length L, int32 bytes per id (2 when the
 *                      vocabulary has at most 65536 tokens, as unsigned 16-bit ids, else 4), int32 vocabulary
 *                      size, int64 number of sequences
 *   each sequence:     uint16 length (tokens before padding), uint16 start of segment B (= length when there is
 *                      none), then L ids, padded with [PAD]
 * </pre>
 * token_type_ids are 0 before the start of segment B and 1 from there to the length; the attention mask is 1 up to
 * the length. Readers are thread-safe (positional reads).
 */
public final class SequenceShard implements Closeable {

    static final byte[] MAGIC = "RACCSEQS".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int HEADER_BYTES = 32;

    private final Path file;
    private final FileChannel channel;
    private final int seqLength;
    private final int idBytes;
    private final int vocabSize;
    private final long size;
    private final int recordBytes;

    private SequenceShard(Path file, FileChannel channel, int seqLength, int idBytes, int vocabSize, long size) {
        this.file = file;
        this.channel = channel;
        this.seqLength = seqLength;
        this.idBytes = idBytes;
        this.vocabSize = vocabSize;
        this.size = size;
        this.recordBytes = recordBytes(seqLength, idBytes);
    }

    private static int recordBytes(int seqLength, int idBytes) {
        return 4 + seqLength * idBytes;
    }

    static int idBytes(int vocabSize) {
        return vocabSize <= 1 << 16 ? 2 : 4;
    }

    /** Where a {@link Writer} writes {@code file} before it renames it into place: {@code FILE.tmp}. */
    static Path temporaryFile(Path file) {
        return file.resolveSibling(file.getFileName() + ".tmp");
    }

    /** Whether {@code file} starts as a shard does (it may still be incomplete): what a new shard may replace. */
    public static boolean looksLikeShard(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(MAGIC.length), MAGIC);
        }
    }

    /**
     * Opens a shard and checks its header against its size.
     *
     * @throws IOException if it cannot be read or is not a complete shard (the message names the file)
     */
    public static SequenceShard open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[MAGIC.length];
            if (readFully(channel, h, 0)) {
                h.get(magic);
            }
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IOException(file + ": not a Raccoon sequence shard (no RACCSEQS header)");
            }
            int version = h.getInt();
            int seqLength = h.getInt();
            int idBytes = h.getInt();
            int vocabSize = h.getInt();
            long size = h.getLong();
            if (version != VERSION) {
                throw new IOException(file + ": shard version " + version + ", this Raccoon reads version " + VERSION);
            }
            if (seqLength < 5 || seqLength > 65535 || (idBytes != 2 && idBytes != 4) || vocabSize < 1 || size < 0) {
                throw new IOException(file + ": corrupt shard header (sequence length " + seqLength + ", " + idBytes
                        + " bytes per id, vocabulary " + vocabSize + ", " + size + " sequences)");
            }
            long expected = HEADER_BYTES + size * recordBytes(seqLength, idBytes);
            if (channel.size() != expected) {
                throw new IOException(file + ": " + channel.size() + " bytes, but its header promises " + size
                        + " sequences in " + expected + " bytes; the file is truncated or corrupt");
            }
            if (size == 0) throw new IOException(file + ": holds no sequences");
            return new SequenceShard(file, channel, seqLength, idBytes, vocabSize, size);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Fills {@code b} from {@code position} on and flips it; false if the file ends first. */
    private static boolean readFully(FileChannel channel, ByteBuffer b, long position) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b, position + b.position()) < 0) {
                return false;
            }
        }
        b.flip();
        return true;
    }

    public int seqLength() {
        return seqLength;
    }

    public int vocabSize() {
        return vocabSize;
    }

    /** Number of sequences. */
    public long size() {
        return size;
    }

    /**
     * Reads sequence {@code index} into {@code inputIds} and {@code tokenTypeIds} (each of length
     * {@link #seqLength()}, padding included).
     *
     * @return the sequence's length before padding
     */
    public int read(long index, int[] inputIds, int[] tokenTypeIds) throws IOException {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("sequence " + index + " of " + size + " in " + file);
        }
        ByteBuffer b = ByteBuffer.allocate(recordBytes).order(ByteOrder.LITTLE_ENDIAN);
        if (!readFully(channel, b, HEADER_BYTES + index * recordBytes)) {
            throw new IOException(file + ": ends inside sequence " + index);
        }
        int length = Short.toUnsignedInt(b.getShort());
        int segmentB = Short.toUnsignedInt(b.getShort());
        for (int i = 0; i < seqLength; i++) {
            inputIds[i] = idBytes == 2 ? Short.toUnsignedInt(b.getShort()) : b.getInt();
            tokenTypeIds[i] = i >= segmentB && i < length ? 1 : 0;
        }
        return length;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /**
     * Writes a shard to a temporary sibling and renames it into place on {@link #finish()}; closing without
     * finishing deletes it, so a crash never leaves a half-written shard under the final name.
     */
    public static final class Writer implements Closeable {
        private final Path file;
        private final Path tmp;
        private final FileChannel channel;
        private final int seqLength;
        private final int idBytes;
        private final int vocabSize;
        private final ByteBuffer buffer;
        private long count;
        private boolean finished;

        public Writer(Path file, int seqLength, int vocabSize) throws IOException {
            if (seqLength < 5 || seqLength > 65535) {
                throw new IllegalArgumentException("sequence length " + seqLength + " is outside [5, 65535]");
            }
            this.file = file;
            this.seqLength = seqLength;
            this.idBytes = SequenceShard.idBytes(vocabSize);
            this.vocabSize = vocabSize;
            Files.createDirectories(file.toAbsolutePath().getParent());
            this.tmp = temporaryFile(file);
            this.channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            int record = recordBytes(seqLength, idBytes);
            this.buffer = ByteBuffer.allocate(Math.max(record, (1 << 20) / record * record))
                    .order(ByteOrder.LITTLE_ENDIAN);
            buffer.put(header(0));
        }

        private ByteBuffer header(long sequences) {
            return ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN).put(MAGIC).putInt(VERSION)
                    .putInt(seqLength).putInt(idBytes).putInt(vocabSize).putLong(sequences).flip();
        }

        /** Appends a sequence of {@link SequenceShard#seqLength()} ids (padding included). */
        public void write(int[] ids, int length, int segmentB) throws IOException {
            if (buffer.remaining() < recordBytes(seqLength, idBytes)) {
                drain();
            }
            buffer.putShort((short) length).putShort((short) segmentB);
            for (int i = 0; i < seqLength; i++) {
                if (idBytes == 2) {
                    buffer.putShort((short) ids[i]);
                } else {
                    buffer.putInt(ids[i]);
                }
            }
            count++;
        }

        public long count() {
            return count;
        }

        public int idBytes() {
            return idBytes;
        }

        private void drain() throws IOException {
            buffer.flip();
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            buffer.clear();
        }

        /** Completes the header, syncs and renames the shard into place. */
        public void finish() throws IOException {
            drain();
            ByteBuffer h = header(count);
            while (h.hasRemaining()) {
                channel.write(h, h.position());
            }
            channel.force(true);
            channel.close();
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            finished = true;
        }

        @Override
        public void close() throws IOException {
            if (!finished) {
                channel.close();
                Files.deleteIfExists(tmp);
            }
        }
    }
}
