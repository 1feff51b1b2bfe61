package dev.raccoon.train.corpus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SequenceShardTest {
    @TempDir
    Path dir;

    private Path write(int vocabSize, int count) throws IOException {
        Path file = dir.resolve("seq-" + vocabSize + ".bin");
        try (SequenceShard.Writer w = new SequenceShard.Writer(file, 8, vocabSize)) {
            for (int i = 0; i < count; i++) {
                int big = vocabSize - 1 - i;
                w.write(new int[] {2, big, 7, 3, 9, 3, 0, 0}, i % 2 == 0 ? 6 : 4, 4);
            }
            w.finish();
        }
        return file;
    }

    @Test
    void readsBackIdsTypesAndLengthsWithTwoOrFourBytesPerId() throws IOException {
        for (int vocab : new int[] {65536, 70000}) {
            Path file = write(vocab, 3);
            assertThat(Files.size(file)).isEqualTo(32 + 3 * (4 + 8 * (vocab == 65536 ? 2 : 4)));
            try (SequenceShard shard = SequenceShard.open(file)) {
                assertThat(shard.size()).isEqualTo(3);
                assertThat(shard.seqLength()).isEqualTo(8);
                assertThat(shard.vocabSize()).isEqualTo(vocab);
                int[] ids = new int[8];
                int[] types = new int[8];
                assertThat(shard.read(0, ids, types)).isEqualTo(6);
                assertThat(ids).containsExactly(2, vocab - 1, 7, 3, 9, 3, 0, 0);
                assertThat(types).containsExactly(0, 0, 0, 0, 1, 1, 0, 0);
                assertThat(shard.read(1, ids, types)).isEqualTo(4);
                assertThat(ids[1]).isEqualTo(vocab - 2);
                assertThat(types).containsOnly(0);
                assertThatThrownBy(() -> shard.read(3, ids, types)).isInstanceOf(IndexOutOfBoundsException.class);
            }
        }
    }

    @Test
    void rejectsTruncatedOrForeignFilesNamingThem() throws IOException {
        Path file = write(100, 2);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 1));
        assertThatThrownBy(() -> SequenceShard.open(file)).isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("truncated");
        Path text = dir.resolve("text.bin");
        Files.writeString(text, "hello");
        assertThatThrownBy(() -> SequenceShard.open(text)).hasMessageContaining("not a Raccoon sequence shard");
    }

    @Test
    void anUnfinishedWriterLeavesNothing() throws IOException {
        Path file = dir.resolve("never.bin");
        try (SequenceShard.Writer w = new SequenceShard.Writer(file, 8, 100)) {
            w.write(new int[8], 2, 2);
        }
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }
}
