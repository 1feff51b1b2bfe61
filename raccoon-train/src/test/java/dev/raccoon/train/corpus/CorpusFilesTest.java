package dev.raccoon.train.corpus;

import dev.raccoon.text.TextEncodings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CorpusFilesTest {
    @TempDir
    Path dir;

    private static final String REVIEWS = "영화 정말 재밌어요\n시간 아깝다\n배우들 연기가 좋았다\n그냥 그랬어요\n";

    @Test
    void aCp949CorpusIsRefusedAsUtf8BeforeAnyLineIsReadAndReadAsCp949() throws IOException {
        Path gz = dir.resolve("excel.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(REVIEWS.repeat(5).getBytes("x-windows-949"));
        }
        List<String> seen = new ArrayList<>();
        assertThatThrownBy(() -> CorpusFiles.utf8(List.of(gz)).read(Long.MAX_VALUE, n -> {}, seen::add))
                .isInstanceOf(IOException.class)
                .hasMessage(gz + ": 20 of its first 20 lines are not valid UTF-8; "
                        + "a file saved by Excel on Korean Windows is CP949: pass --encoding cp949");
        assertThat(seen).isEmpty();
        CorpusFiles cp949 = new CorpusFiles(List.of(gz), TextEncodings.named("cp949"));
        assertThat(cp949.read(Long.MAX_VALUE, n -> {}, seen::add)).isEqualTo(20);
        assertThat(String.join("\n", seen) + "\n").isEqualTo(REVIEWS.repeat(5));
    }

    @Test
    void aUtf8CorpusIsRefusedAsCp949() throws IOException {
        Path file = Files.writeString(dir.resolve("utf8.txt"), REVIEWS.repeat(5));
        assertThatThrownBy(() -> new CorpusFiles(List.of(file), TextEncodings.named("cp949")).requireDecodable())
                .isInstanceOf(IOException.class).hasMessageStartingWith(file + ": ").hasMessageEndingWith(" lines are not valid CP949");
    }

    @Test
    void aStrayBrokenLineBecomesReplacementCharacters() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(REVIEWS.repeat(3).getBytes(StandardCharsets.UTF_8));
        b.writeBytes(new byte[] {'a', (byte) 0xC3, '\n'}); // 1 line in 13
        Path file = Files.write(dir.resolve("web.txt"), b.toByteArray());
        List<String> seen = new ArrayList<>();
        assertThat(CorpusFiles.utf8(List.of(file)).read(Long.MAX_VALUE, n -> {}, seen::add)).isEqualTo(13);
        assertThat(seen.getLast()).isEqualTo("a\uFFFD");
    }

    /** Lines that end in a lone \r are lines to the start's check as to the reading: one broken line in 13 passes. */
    @Test
    void crOnlyLinesAreJudgedLineByLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(REVIEWS.repeat(3).replace('\n', '\r').getBytes(StandardCharsets.UTF_8));
        b.writeBytes(new byte[] {'a', (byte) 0xC3, '\r'});
        Path file = Files.write(dir.resolve("mac.txt"), b.toByteArray());
        CorpusFiles.utf8(List.of(file)).requireDecodable();
        List<String> seen = new ArrayList<>();
        assertThat(CorpusFiles.utf8(List.of(file)).read(Long.MAX_VALUE, n -> {}, seen::add)).isEqualTo(13);
        assertThat(seen.getFirst()).isEqualTo("영화 정말 재밌어요");
    }

    @Test
    void theLineThe64KiBProbeCutsIsJudgedWithoutItsCutCharacter() throws IOException {
        // Lines of 30,001 bytes: the 64 KiB probe holds two and ends inside a character of the third.
        String line = "가".repeat(10_000) + "\n";
        Path file = Files.writeString(dir.resolve("long.txt"), line.repeat(4));
        CorpusFiles.utf8(List.of(file)).requireDecodable();
        assertThat(CorpusFiles.utf8(List.of(file)).read(10, n -> {}, l -> {})).isEqualTo(4);
        // One document a line: a first line longer than the probe is still judged.
        Path cp949 = Files.write(dir.resolve("one-line.txt"), ("영화 정말 재밌어요 ".repeat(10_000) + "\n").getBytes("x-windows-949"));
        assertThatThrownBy(() -> CorpusFiles.utf8(List.of(cp949)).requireDecodable())
                .hasMessageStartingWith(cp949 + ": 1 of its first 1 lines are not valid UTF-8");
    }

    /** {@code --corpus /dev/stdin} or {@code <(zcat ...)}: a pipe gives its bytes once, and every one must be read. */
    @Test
    void aPipeIsReadWholeAndCheckedAsItIsRead() throws Exception {
        Path fifo = dir.resolve("fifo");
        org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo");
        String text = REVIEWS.repeat(5_000); // 330 KB, past the 64 KiB the encoding check looks at
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                Files.writeString(fifo, text);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        List<String> seen = new ArrayList<>();
        assertThat(CorpusFiles.utf8(List.of(fifo)).read(Long.MAX_VALUE, n -> {}, seen::add)).isEqualTo(20_000);
        writer.join();
        assertThat(String.join("\n", seen) + "\n").isEqualTo(text);

        Thread cp949 = Thread.ofPlatform().start(() -> {
            try {
                Files.write(fifo, REVIEWS.repeat(5).getBytes("x-windows-949"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThatThrownBy(() -> CorpusFiles.utf8(List.of(fifo)).read(Long.MAX_VALUE, n -> {}, l -> {}))
                .hasMessageContaining("20 of its first 20 lines are not valid UTF-8");
        cp949.join();
    }

    @Test
    void aTableIsRefusedAsACorpus() throws IOException {
        Path nsmc = Files.writeString(dir.resolve("train.tsv.gz"), "");
        assertThatThrownBy(() -> CorpusFiles.utf8(List.of(nsmc)).read(Long.MAX_VALUE, n -> {}, l -> {}))
                .hasMessageStartingWith(nsmc + " is a table, but a corpus is plain text, one item a line");
    }

    /** Gzip is known by its first bytes, as in data files, whatever the name says. */
    @Test
    void gzipDataIsReadGunzippedWhateverItsName() throws IOException {
        byte[] gz = gzip(REVIEWS.getBytes(StandardCharsets.UTF_8));
        List<Path> files = List.of(Files.write(dir.resolve("reviews.txt"), gz), Files.write(dir.resolve("reviews.txt.GZ"), gz),
                Files.writeString(dir.resolve("plain.txt.gz"), REVIEWS));
        List<String> lines = new ArrayList<>();
        assertThat(CorpusFiles.utf8(files).read(Long.MAX_VALUE, n -> {}, lines::add)).isEqualTo(12);
        assertThat(lines).isEqualTo(List.of((REVIEWS + REVIEWS + REVIEWS).split("\n")));
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(gz)) {
            out.write(data);
        }
        return gz.toByteArray();
    }

    @Test
    void dataThatIsNoTextInAnyEncodingIsNamedForWhatItIs() throws IOException {
        Path twice = Files.write(dir.resolve("reviews.txt.gz"), gzip(gzip(REVIEWS.repeat(50).getBytes(StandardCharsets.UTF_8))));
        assertThatThrownBy(() -> CorpusFiles.utf8(List.of(twice)).requireDecodable()).hasMessageEndingWith("it is gzipped twice: gunzip it once");
        Path utf16 = Files.write(dir.resolve("notepad.txt"), REVIEWS.repeat(5).getBytes(StandardCharsets.UTF_16));
        assertThatThrownBy(() -> CorpusFiles.utf8(List.of(utf16)).requireDecodable()).hasMessageEndingWith("it is UTF-16 (what Notepad calls Unicode): save it as UTF-8");
    }
}
