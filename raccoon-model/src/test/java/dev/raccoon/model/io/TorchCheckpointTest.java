package dev.raccoon.model.io;

import dev.raccoon.engine.HostTensor;
import dev.raccoon.model.io.Fixtures.Pickle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static dev.raccoon.model.io.Fixtures.floatsLE;
import static dev.raccoon.model.io.Fixtures.torchZip;
import static dev.raccoon.model.io.SafeTensorsTest.rawBits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TorchCheckpointTest {
    /** Where the malicious fixture's {@code os.system} call would leave its mark (see make_fixtures.py). */
    private static final Path MARKER = Path.of("/tmp/raccoon-malicious-pickle-ran");

    @TempDir
    Path dir;

    @Test
    void oracleBinAndSafetensorsHoldBitIdenticalTensors() throws IOException {
        LinkedHashMap<String, HostTensor> bin = TorchCheckpoint.read(Fixtures.resource(Fixtures.ORACLE + "pytorch_model.bin"));
        LinkedHashMap<String, HostTensor> st = SafeTensors.read(Fixtures.resource(Fixtures.ORACLE + "model.safetensors"));

        assertThat(bin).hasSize(43);
        assertThat(bin.keySet()).containsExactlyInAnyOrderElementsOf(st.keySet());
        for (String name : st.keySet()) {
            assertThat(bin.get(name).shape()).as(name).containsExactly(st.get(name).shape());
            assertThat(rawBits(bin.get(name).data())).as(name).isEqualTo(rawBits(st.get(name).data()));
        }
    }

    @Test
    void honoursOffsetsStridesDtypesAndSkipsIntegerStorages() throws IOException {
        // views-legacy: the same state dict saved by torch 2.11 with _use_new_zipfile_serialization=False, the format
        // of torch.save before 1.6.
        for (String fixture : new String[]{"views", "views-big-endian", "views-legacy"}) {
            LinkedHashMap<String, HostTensor> t = TorchCheckpoint.read(Fixtures.resource("checkpoint-io/" + fixture + "/pytorch_model.bin"));

            assertThat(t.keySet()).as(fixture)
                    .containsExactly("a.full", "a.t", "a.slice", "a.scalar", "a.expand", "a.empty", "a.param", "h", "b", "d");
            assertThat(t.get("a.full").data()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
            assertThat(t.get("a.t").shape()).containsExactly(4, 3);
            assertThat(t.get("a.t").data()).containsExactly(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
            assertThat(t.get("a.slice").data()).containsExactly(5, 8);
            assertThat(t.get("a.scalar").shape()).isEmpty();
            assertThat(t.get("a.scalar").data()).containsExactly(7);
            assertThat(t.get("a.expand").data()).containsExactly(1, 2, 3, 1, 2, 3);
            assertThat(t.get("a.empty").shape()).containsExactly(0, 4);
            assertThat(t.get("a.empty").data()).isEmpty();
            assertThat(t.get("a.param").data()).containsExactly(1, 2, 5, 6);
            assertThat(t.get("h").data()).containsExactly(1.5f, -2f, 65504f);
            assertThat(t.get("b").data()).containsExactly(1f, -3f);
            assertThat(t.get("d").shape()).containsExactly(2, 1);
            assertThat(t.get("d").data()).containsExactly(0.1f, Float.NEGATIVE_INFINITY);
        }
    }

    @Test
    void refusesAPickleThatCallsOsSystemWithoutRunningIt() throws IOException {
        Files.deleteIfExists(MARKER);
        Path file = Fixtures.resource("checkpoint-io/malicious/pytorch_model.bin");

        assertThatThrownBy(() -> TorchCheckpoint.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(file + ": refusing to load: the pickle calls posix.system, which is not a tensor");
        assertThat(MARKER).doesNotExist();
    }

    @Test
    void refusesOtherGlobalsHoweverTheyAreNamed() throws IOException {
        byte[] eval = new Pickle().op(0x80, 2).global("builtins", "eval").unicode("1+1").op(0x85, 'R', '.').bytes();
        // Protocol 4 names globals from the stack; the same allow-list must apply.
        byte[] stackGlobal = new Pickle().op(0x80, 4).unicode("os").unicode("system").op(0x93).unicode("id").op(0x85, 'R', '.').bytes();
        byte[] torchLoad = new Pickle().op(0x80, 2).global("torch", "load").op('.').bytes();

        assertThatThrownBy(() -> read(torchZip(eval, Map.of())))
                .hasMessageEndingWith(": refusing to load: the pickle calls builtins.eval, which is not a tensor");
        assertThatThrownBy(() -> read(torchZip(stackGlobal, Map.of())))
                .hasMessageEndingWith(": refusing to load: the pickle calls os.system, which is not a tensor");
        assertThatThrownBy(() -> read(torchZip(torchLoad, Map.of())))
                .hasMessageEndingWith(": refusing to load: the pickle calls torch.load, which is not a tensor");
    }

    @Test
    void refusesToCallAllowListedTypesOrUseObjectConstructingOpcodes() throws IOException {
        byte[] callStorage = new Pickle().op(0x80, 2).global("torch", "FloatStorage").op(')', 'R', '.').bytes();
        byte[] inst = "\u0080\u0002(ios\nsystem\n".getBytes(StandardCharsets.ISO_8859_1);

        assertThatThrownBy(() -> read(torchZip(callStorage, Map.of())))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("bad pickle in archive/data.pkl at byte 23: REDUCE calls torch.FloatStorage, which is not callable");
        assertThatThrownBy(() -> read(torchZip(inst, Map.of())))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("at byte 3: unsupported pickle opcode 0x69");
    }

    @Test
    void readsAHandBuiltStateDictAndChecksViewsAgainstTheirStorage() throws IOException {
        byte[] ok = new Pickle().op(0x80, 2, '}', '(').unicode("w").floatTensor("0", 4, 1, new int[]{3}, new int[]{1}).op('u', '.').bytes();
        byte[] outOfRange = new Pickle().op(0x80, 2, '}', '(').unicode("w").floatTensor("0", 4, 2, new int[]{3}, new int[]{1}).op('u', '.').bytes();
        byte[] hugeView = new Pickle().op(0x80, 2, '}', '(').unicode("w")
                .floatTensor("0", 4, 0, new int[]{Integer.MAX_VALUE, Integer.MAX_VALUE, 4}, new int[]{1, 1, 1}).op('u', '.').bytes();
        byte[] hugeStorage = new Pickle().op(0x80, 2, '}', '(').unicode("w")
                .floatTensor("0", Integer.MAX_VALUE, 0, new int[]{4}, new int[]{1}).op('u', '.').bytes();
        Map<String, byte[]> storage = Map.of("0", floatsLE(1, 2, 3, 4));

        assertThat(read(torchZip(ok, storage)).get("w").data()).containsExactly(2, 3, 4);
        assertThatThrownBy(() -> read(torchZip(outOfRange, storage)))
                .hasMessageEndingWith(": tensor 'w' reaches element 4 of storage data/0, which holds only 4");
        assertThatThrownBy(() -> read(torchZip(hugeView, storage)))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor 'w' has a size [2147483647, 2147483647, 4] whose extent overflows 64 bits");
        assertThatThrownBy(() -> read(torchZip(hugeStorage, storage)))
                .hasMessageEndingWith(": tensor 'w' needs 8589934588 bytes of torch.FloatStorage but entry archive/data/0 holds 16");
        assertThatThrownBy(() -> read(torchZip(ok, Map.of())))
                .hasMessageEndingWith(": tensor 'w' refers to storage data/0, which the archive lacks");
    }

    @Test
    void rejectsBrokenArchives() throws IOException {
        Path notZip = dir.resolve("not-a-zip.bin");
        Files.writeString(notZip, "hello");
        Path legacy = dir.resolve("legacy.bin");
        Files.write(legacy, new byte[]{(byte) 0x80, 2, (byte) 0x8a, 10});
        Path noPickle = dir.resolve("no-pickle.bin");
        Files.write(noPickle, Fixtures.zip(Map.of("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII))));
        Path compressed = dir.resolve("compressed.bin");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(compressed))) {
            out.putNextEntry(new ZipEntry("archive/data.pkl"));
            out.write(new byte[]{(byte) 0x80, 2, '}', '.'});
        }

        assertThatThrownBy(() -> TorchCheckpoint.read(notZip))
                .isInstanceOf(CheckpointException.class).hasMessageStartingWith(notZip + ": is neither a zip archive nor a legacy torch.save file");
        assertThatThrownBy(() -> TorchCheckpoint.read(legacy)).hasMessageContaining("is neither a zip archive nor a legacy torch.save file");
        assertThatThrownBy(() -> TorchCheckpoint.read(noPickle)).hasMessageContaining("has no <folder>/data.pkl entry");
        assertThatThrownBy(() -> TorchCheckpoint.read(compressed)).hasMessageContaining("stores entry archive/data.pkl compressed");
        // the oracle's checkpoint as an interrupted download leaves it
        byte[] whole = Files.readAllBytes(Fixtures.resource(Fixtures.ORACLE + "pytorch_model.bin"));
        Path cut = Files.write(dir.resolve("cut.bin"), java.util.Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> TorchCheckpoint.read(cut)).isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(cut + ": is a zip archive cut short or damaged").hasMessageContaining("interrupted download");
    }

    @Test
    void aCutLegacyFileSaysWhere() throws IOException {
        byte[] whole = Files.readAllBytes(Fixtures.resource("checkpoint-io/views-legacy/pytorch_model.bin"));
        Path inData = dir.resolve("cut-in-data.bin"), inPickles = dir.resolve("cut-in-pickles.bin");
        Files.write(inData, Arrays.copyOf(whole, whole.length - 3));
        Files.write(inPickles, Arrays.copyOf(whole, 200));
        assertThatThrownBy(() -> TorchCheckpoint.read(inData)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(inData + ": is truncated");
        assertThatThrownBy(() -> TorchCheckpoint.read(inPickles)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("bad pickle in the state dict");
    }

    @Test
    void rejectsMalformedPickles() throws IOException {
        assertThatThrownBy(() -> read(torchZip(new byte[]{(byte) 0x80, 2, '}'}, Map.of())))
                .hasMessageEndingWith("bad pickle in archive/data.pkl at byte 3: the pickle ends before its STOP opcode");
        assertThatThrownBy(() -> read(torchZip(new byte[]{(byte) 0x80, 2, (byte) 0xFE}, Map.of())))
                .hasMessageEndingWith("at byte 2: unsupported pickle opcode 0xfe");
        assertThatThrownBy(() -> read(torchZip(new byte[]{'X', -1, -1, -1, 127, '.'}, Map.of())))
                .hasMessageContaining("declared length 2147483647 runs past the end of the pickle");
        assertThatThrownBy(() -> read(torchZip(new byte[]{'t', '.'}, Map.of()))).hasMessageContaining("no MARK to pop to");
        assertThatThrownBy(() -> read(torchZip(new byte[]{'h', 9, '.'}, Map.of()))).hasMessageContaining("memo slot 9 is empty");
        assertThatThrownBy(() -> read(torchZip(new byte[]{']', '.'}, Map.of()))).hasMessageEndingWith("does not hold a state dict (its pickle is not a dict)");
    }

    private LinkedHashMap<String, HostTensor> read(byte[] zip) throws IOException {
        Path file = Files.createTempFile(dir, "ckpt", ".bin");
        Files.write(file, zip);
        return TorchCheckpoint.read(file);
    }
}
