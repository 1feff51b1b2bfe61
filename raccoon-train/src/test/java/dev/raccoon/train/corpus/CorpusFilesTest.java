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

    @Test
    void onlyCompleteLinesOfTheFirst64KiBAreJudged() throws IOException {
        // Lines of 30,001 bytes: the 64 KiB probe holds two and ends inside a character of the third, which would
        // count as one broken line of three if it were judged.
        String line = "가".repeat(10_000) + "\n";
        Path file = Files.writeString(dir.resolve("long.txt"), line.repeat(4));
        CorpusFiles.utf8(List.of(file)).requireDecodable();
        assertThat(CorpusFiles.utf8(List.of(file)).read(10, n -> {}, l -> {})).isEqualTo(4);
    }
}
