package dev.raccoon.train.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raccoon.text.WordPieceTokenizer;
import dev.raccoon.text.WordPieceTrainer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusPipelineTest {
    @TempDir
    static Path dir;
    static Path plain;
    static Path gzip;
    static WordPieceTokenizer tokenizer;
    static final List<String> UNIQUE = new ArrayList<>();

    @BeforeAll
    static void corpus() throws IOException {
        String[] words = {"영화", "정말", "재밌다", "지루하다", "배우", "연기", "최고", "별로", "스토리", "감동"};
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String line = words[i % 10] + "가 " + words[(i * 7) % 10] + " " + words[(i * 3 + 1) % 10] + " " + i;
            UNIQUE.add(line);
            (i % 2 == 0 ? first : second).add(line);
        }
        first.add("  " + UNIQUE.get(0).replace(" ", " \t ") + "  "); // a duplicate once normalised
        first.add(UNIQUE.get(5)); // an exact duplicate
        first.add("굿"); // too short
        first.add("");
        second.add("\u1112\u1161\u11ab 줄 평"); // NFD 한, a new line after NFC
        UNIQUE.add("한 줄 평");
        plain = dir.resolve("a.txt");
        Files.write(plain, first, StandardCharsets.UTF_8);
        gzip = dir.resolve("b.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gzip))) {
            out.write((String.join("\n", second) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        WordPieceTrainer trainer = new WordPieceTrainer(new WordPieceTrainer.Options(200, 1, 1000, 10_000), null);
        UNIQUE.forEach(trainer::addText);
        Path vocab = dir.resolve("vocab");
        WordPieceTrainer.save(trainer.train(size -> { }), vocab);
        tokenizer = WordPieceTokenizer.load(vocab);
    }

    private static CorpusPipeline.Summary run(Path out, long seed, long maxLines) throws IOException {
        return CorpusPipeline.run(CorpusFiles.utf8(List.of(plain, gzip)), tokenizer, out,
                new CorpusPipeline.Options(32, seed, maxLines, 3), null);
    }

    /** Token id counts over the content of all sequences of a shard. */
    private static Map<Integer, Integer> contentCounts(Path shard) throws IOException {
        Map<Integer, Integer> counts = new HashMap<>();
        try (SequenceShard s = SequenceShard.open(shard)) {
            int[] ids = new int[s.seqLength()];
            int[] types = new int[s.seqLength()];
            for (long i = 0; i < s.size(); i++) {
                int length = s.read(i, ids, types);
                assertThat(ids[0]).isEqualTo(tokenizer.vocab().clsId());
                assertThat(ids[length - 1]).isEqualTo(tokenizer.vocab().sepId());
                for (int k = 1; k < length - 1; k++) {
                    if (ids[k] != tokenizer.vocab().sepId()) counts.merge(ids[k], 1, Integer::sum);
                }
            }
        }
        return counts;
    }

    @Test
    void dropsShortLinesAndDuplicatesAndPacksTheRest() throws IOException {
        Path out = dir.resolve("out/corpus.bin");
        CorpusPipeline.Summary summary = run(out, 1, Long.MAX_VALUE);
        assertThat(summary.linesRead()).isEqualTo(305);
        assertThat(summary.shortDropped()).isEqualTo(2);
        assertThat(summary.duplicatesDropped()).isEqualTo(2);
        assertThat(summary.linesKept()).isEqualTo(UNIQUE.size());
        assertThat(summary.unkTokens()).isZero();
        assertThat(summary.idBytes()).isEqualTo(2);

        // packing takes the lines' tokens in order and, as ELECTRA does, drops what overflows a sequence
        Map<Integer, Integer> available = new HashMap<>();
        long tokens = 0;
        for (String line : UNIQUE) {
            int[] ids = tokenizer.encode(line, 64).inputIds();
            for (int k = 1; k < ids.length - 1; k++) available.merge(ids[k], 1, Integer::sum);
            tokens += ids.length - 2;
        }
        Map<Integer, Integer> packed = contentCounts(out);
        packed.forEach((id, n) -> assertThat(n).isLessThanOrEqualTo(available.getOrDefault(id, 0)));
        assertThat(packed.values().stream().mapToLong(Integer::longValue).sum()).isEqualTo(summary.tokens())
                .isBetween(tokens * 3 / 4, tokens);
        assertThat(summary.tokens() + summary.tokensCut()).isEqualTo(tokens);
        try (SequenceShard s = SequenceShard.open(out)) {
            assertThat(s.size()).isEqualTo(summary.sequences()).isGreaterThanOrEqualTo(summary.tokens() / 30);
        }

        JsonNode json = new ObjectMapper().readTree(CorpusPipeline.summaryFile(out).toFile());
        assertThat(json.get("duplicates_dropped").asLong()).isEqualTo(2);
        assertThat(json.get("sequences").asLong()).isEqualTo(summary.sequences());
        try (var files = Files.list(out.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("corpus.bin",
                    "corpus.bin.json");
        }
    }

    @Test
    void aLineLongerThanASequenceIsKeptWhole() throws IOException {
        Path text = dir.resolve("paragraph.txt");
        Files.writeString(text, String.join(" ", UNIQUE.subList(0, 40)) + "\n", StandardCharsets.UTF_8);
        int[] ids = tokenizer.encode(Files.readString(text).strip(), Integer.MAX_VALUE).inputIds();
        Path out = dir.resolve("paragraph.bin");
        CorpusPipeline.Summary summary = CorpusPipeline.run(CorpusFiles.utf8(List.of(text)), tokenizer, out,
                new CorpusPipeline.Options(32, 1, Long.MAX_VALUE, 3), null);
        assertThat(ids.length - 2).isGreaterThan(4 * 32);
        assertThat(summary.tokens()).isEqualTo(ids.length - 2);
        assertThat(summary.tokensCut()).isZero();
        assertThat(summary.sequences()).isGreaterThan(4);
    }

    @Test
    void theSeedDecidesTheShuffle() throws IOException {
        run(dir.resolve("s1.bin"), 42, Long.MAX_VALUE);
        run(dir.resolve("s1-again.bin"), 42, Long.MAX_VALUE);
        run(dir.resolve("s2.bin"), 43, Long.MAX_VALUE);
        byte[] a = Files.readAllBytes(dir.resolve("s1.bin"));
        assertThat(Files.readAllBytes(dir.resolve("s1-again.bin"))).isEqualTo(a);
        assertThat(Files.readAllBytes(dir.resolve("s2.bin"))).isNotEqualTo(a);
    }

    @Test
    void bucketsLeftByAnInterruptedRunAreClearedByTheNext() throws IOException {
        Path out = Files.createDirectories(dir.resolve("again")).resolve("corpus.bin");
        Path stale = Files.createDirectories(out.resolveSibling("corpus.bin.buckets-123"));
        Files.writeString(stale.resolve("bucket-0.txt"), "half a bucket");
        Path mine = Files.createDirectories(out.resolveSibling("corpus.bin.buckets-mine"));
        Files.writeString(mine.resolve("keep.txt"), "a user's");
        Path other = Files.createDirectories(out.resolveSibling("other.bin.buckets-7"));
        run(out, 1, Long.MAX_VALUE);
        assertThat(stale).doesNotExist();
        assertThat(mine.resolve("keep.txt")).as("not a run's buckets").exists();
        assertThat(other).as("another file's").isDirectory();
    }

    @Test
    void maxLinesCountsOverAllFiles() throws IOException {
        CorpusPipeline.Summary summary = run(dir.resolve("few.bin"), 1, 10);
        assertThat(summary.linesRead()).isEqualTo(10);
        assertThat(summary.linesKept()).isEqualTo(10);
    }

    @Test
    void normalizesLines() {
        assertThat(CorpusFiles.normalize("  a\u00a0\u00a0b\t\r\nc  ")).isEqualTo("a b c");
        assertThat(CorpusFiles.normalize("\u1112\u1161\u11ab")).isEqualTo("한");
        assertThat(CorpusFiles.normalize(" \u3000 ")).isEmpty();
    }
}
