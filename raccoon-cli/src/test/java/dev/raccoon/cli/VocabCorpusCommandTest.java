package dev.raccoon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raccoon.text.WordPieceTokenizer;
import dev.raccoon.train.corpus.SequenceShard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** vocab and corpus through the command line, on a small generated corpus. */
class VocabCorpusCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path corpus() throws Exception {
        String[] words = {"영화가", "정말", "재밌다", "지루했다", "배우들의", "연기는", "최고", "별로다"};
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            lines.add(words[i % 8] + " " + words[(i * 3) % 8] + " " + words[(i * 5 + 1) % 8] + " " + i + "점");
        }
        Path file = dir.resolve("corpus.txt");
        Files.write(file, lines);
        return file;
    }

    @Test
    void aCp949CorpusIsReadWithEncodingAsItsUtf8CopyIsAndRefusedWithout() throws Exception {
        Path utf8 = corpus();
        Path cp949 = Files.write(dir.resolve("excel.txt"), Files.readString(utf8).getBytes("x-windows-949"));
        CliRun refused = CliRun.run("", "vocab", "--corpus", cp949.toString(), "--size", "120", "--out", dir.resolve("v0").toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains(cp949 + ": 200 of its first 200 lines are not valid UTF-8")
                .contains("pass --encoding cp949");
        assertThat(dir.resolve("v0/vocab.txt")).doesNotExist();

        List<byte[]> vocabs = new ArrayList<>(), shards = new ArrayList<>();
        for (String[] input : new String[][] {{utf8.toString()}, {cp949.toString(), "--encoding", "cp949"}}) {
            Path vocab = dir.resolve("vocab-" + vocabs.size()), shard = dir.resolve("seq-" + shards.size() + ".bin");
            List<String> v = new ArrayList<>(List.of("vocab", "--size", "120", "--out", vocab.toString(), "--corpus"));
            v.addAll(List.of(input));
            CliRun learnt = CliRun.run("", v.toArray(String[]::new));
            assertThat(learnt.exitCode()).as(learnt.err()).isZero();
            vocabs.add(Files.readAllBytes(vocab.resolve("vocab.txt")));
            List<String> c = new ArrayList<>(List.of("corpus", "--vocab", vocab.toString(), "--out", shard.toString(),
                    "--seq-length", "32", "--corpus"));
            c.addAll(List.of(input));
            CliRun packed = CliRun.run("", c.toArray(String[]::new));
            assertThat(packed.exitCode()).as(packed.err()).isZero();
            shards.add(Files.readAllBytes(shard));
        }
        assertThat(vocabs.get(1)).isEqualTo(vocabs.get(0));
        assertThat(shards.get(1)).isEqualTo(shards.get(0));
    }

    /** A gzipped corpus is known by its gzip header, as a data file is, whatever its name: .GZ, or none. */
    @Test
    void aGzippedCorpusIsReadWhateverItsName() throws Exception {
        Path plain = corpus();
        CliRun fromPlain = CliRun.run("", "vocab", "--corpus", plain.toString(), "--size", "120", "--out", dir.resolve("v-plain").toString());
        assertThat(fromPlain.exitCode()).as(fromPlain.err()).isZero();
        for (String name : new String[] {"corpus.txt.GZ", "corpus-gzipped.txt"}) {
            Path gz = dir.resolve(name);
            try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
                out.write(Files.readAllBytes(plain));
            }
            Path vocab = dir.resolve("v-" + name);
            CliRun learnt = CliRun.run("", "vocab", "--corpus", gz.toString(), "--size", "120", "--out", vocab.toString());
            assertThat(learnt.exitCode()).as(learnt.err()).isZero();
            assertThat(Files.readAllBytes(vocab.resolve("vocab.txt"))).as(name)
                    .isEqualTo(Files.readAllBytes(dir.resolve("v-plain/vocab.txt")));
        }
    }

    @Test
    void learnsAVocabularyThenPacksTheCorpusWithIt() throws Exception {
        Path corpus = corpus();
        Path vocab = dir.resolve("vocab");
        CliRun v = CliRun.run("", "vocab", "--corpus", corpus.toString(), "--size", "120", "--out", vocab.toString(),
                "--morphemes");
        assertThat(v.exitCode()).as(v.err()).isZero();
        JsonNode summary = JSON.readTree(v.out());
        // this little corpus runs out of pairs seen twice before 120 tokens, and says so
        int size = summary.get("vocab_size").asInt();
        assertThat(size).isLessThan(120);
        assertThat(v.err()).contains("has " + size + " tokens, not 120");
        assertThat(Files.readAllLines(vocab.resolve("vocab.txt"))).hasSize(size);
        assertThat(summary.get("lines").asLong()).isEqualTo(200);
        assertThat(summary.get("morphemes").asBoolean()).isTrue();
        WordPieceTokenizer tokenizer = WordPieceTokenizer.load(vocab);
        assertThat(tokenizer.tokenize("배우들의 연기는 최고")).doesNotContain("[UNK]");

        Path out = dir.resolve("data/seq.bin");
        CliRun c = CliRun.run("", "corpus", "--corpus", corpus.toString(), "--vocab", vocab.toString(), "--out",
                out.toString(), "--seq-length", "32", "--seed", "3", "--max-lines", "150");
        assertThat(c.exitCode()).as(c.err()).isZero();
        JsonNode packed = JSON.readTree(c.out());
        assertThat(packed.get("lines_read").asLong()).isEqualTo(150);
        assertThat(packed.get("unk_tokens").asLong()).isZero();
        assertThat(Files.exists(dir.resolve("data/seq.bin.json"))).isTrue();
        try (SequenceShard shard = SequenceShard.open(out)) {
            assertThat(shard.seqLength()).isEqualTo(32);
            assertThat(shard.size()).isEqualTo(packed.get("sequences").asLong()).isPositive();
        }
        byte[] packedBytes = Files.readAllBytes(out);
        try (var held = dev.raccoon.train.run.OutputLock.acquire(out)) {
            CliRun second = CliRun.run("", "corpus", "--corpus", corpus.toString(), "--vocab", vocab.toString(), "--out",
                    out.toString(), "--seq-length", "32", "--seed", "4");
            assertThat(second.exitCode()).isEqualTo(1);
            assertThat(second.err()).contains("another raccoon run is writing " + out);
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(packedBytes);
    }

    @Test
    void usageErrorsExitWith2AndFailuresWith1() throws Exception {
        Path corpus = corpus();
        CliRun tooSmall = CliRun.run("", "vocab", "--corpus", corpus.toString(), "--size", "3", "--out",
                dir.resolve("v").toString());
        assertThat(tooSmall.exitCode()).isEqualTo(2);
        assertThat(tooSmall.err()).contains("special tokens");

        CliRun missing = CliRun.run("", "vocab", "--corpus", dir.resolve("nope.txt").toString(), "--size", "100",
                "--out", dir.resolve("v").toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("nope.txt").contains("no such file");

        CliRun badLength = CliRun.run("", "corpus", "--corpus", corpus.toString(), "--vocab", dir.toString(),
                "--out", dir.resolve("x.bin").toString(), "--seq-length", "4");
        assertThat(badLength.exitCode()).isEqualTo(2);
        CliRun noVocab = CliRun.run("", "corpus", "--corpus", corpus.toString(), "--vocab", dir.resolve("none").toString(),
                "--out", dir.resolve("x.bin").toString());
        assertThat(noVocab.exitCode()).isEqualTo(1);
        assertThat(noVocab.err()).contains("vocab.txt");
    }

    @Test
    void outputsReplaceOnlyWhatTheseCommandsWroteBefore() throws Exception {
        Path corpus = corpus();
        // A model directory holds a vocab.txt too: learning a vocabulary into it would break the model.
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("vocab.txt"), "[PAD]\n");
        Files.writeString(model.resolve("config.json"), "{}");
        CliRun intoModel = CliRun.run("", "vocab", "--corpus", corpus.toString(), "--size", "100", "--out", model.toString());
        assertThat(intoModel.exitCode()).isEqualTo(1); // the options are right; what stands there is in the way
        assertThat(intoModel.err()).contains("is a directory that holds other files (no vocab_summary.json in it)");
        assertThat(Files.readString(model.resolve("vocab.txt"))).isEqualTo("[PAD]\n");
        // ... and so does a directory with a user's own vocabulary only (KoELECTRA's, copied there)
        Files.delete(model.resolve("config.json"));
        CliRun intoVocab = CliRun.run("", "vocab", "--corpus", corpus.toString(), "--size", "100", "--out", model.toString());
        assertThat(intoVocab.exitCode()).isEqualTo(1);
        assertThat(Files.readString(model.resolve("vocab.txt"))).isEqualTo("[PAD]\n");

        Path vocab = dir.resolve("vocab");
        CliRun tooFew = CliRun.run("", "vocab", "--corpus", corpus.toString(), "--size", "30", "--out", vocab.toString());
        assertThat(tooFew.exitCode()).isEqualTo(2);
        assertThat(tooFew.err()).contains("more than --size 30", "nothing was written");
        assertThat(vocab).doesNotExist();
        for (int run = 0; run < 2; run++) { // the second run replaces the first's vocabulary
            CliRun learnt = CliRun.run("", "vocab", "--corpus", corpus.toString(), "--size", "100", "--out", vocab.toString());
            assertThat(learnt.exitCode()).as(learnt.err()).isZero();
        }
        try (var files = Files.list(vocab)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("vocab.txt", "tokenizer_config.json",
                    "vocab_summary.json");
        }

        byte[] text = Files.readAllBytes(corpus);
        CliRun overInput = CliRun.run("", "corpus", "--corpus", corpus.toString(), "--vocab", vocab.toString(), "--out", corpus.toString());
        assertThat(overInput.exitCode()).isEqualTo(2);
        assertThat(overInput.err()).contains("is one of the --corpus files");
        assertThat(Files.readAllBytes(corpus)).isEqualTo(text);
        Path notes = Files.writeString(dir.resolve("notes.bin"), "mine");
        CliRun overOther = CliRun.run("", "corpus", "--corpus", corpus.toString(), "--vocab", vocab.toString(), "--out", notes.toString());
        assertThat(overOther.exitCode()).isEqualTo(1);
        assertThat(overOther.err()).contains("is no sequence file of raccoon corpus");
        assertThat(Files.readString(notes)).isEqualTo("mine");
        CliRun intoDir = CliRun.run("", "corpus", "--corpus", corpus.toString(), "--vocab", vocab.toString(), "--out", vocab.toString());
        assertThat(intoDir.exitCode()).isEqualTo(2);
        assertThat(intoDir.err()).contains("is a directory; it names the sequence file to write");
        Path shard = dir.resolve("seq.bin");
        for (int run = 0; run < 2; run++) { // the second run replaces the first's sequences
            CliRun packed = CliRun.run("", "corpus", "--corpus", corpus.toString(), "--vocab", vocab.toString(), "--out",
                    shard.toString(), "--seq-length", "16");
            assertThat(packed.exitCode()).as(packed.err()).isZero();
        }
        // The summary and the temporary files beside --out are checked too: another's are left as they are.
        Path notesSummary = Files.writeString(dir.resolve("new.bin.json"), "{\"my\": \"notes\"}");
        Path precious = Files.writeString(dir.resolve("newer.bin.tmp"), "precious");
        for (Path foreign : List.of(notesSummary, precious)) {
            String name = foreign.getFileName().toString();
            Path target = dir.resolve(name.substring(0, name.indexOf(".bin") + 4));
            CliRun refused = CliRun.run("", "corpus", "--corpus", corpus.toString(), "--vocab", vocab.toString(), "--out",
                    target.toString(), "--seq-length", "16");
            assertThat(refused.exitCode()).as(refused.err()).isEqualTo(1);
            assertThat(refused.err()).contains(foreign + " is in the way");
            assertThat(target).doesNotExist();
        }
        assertThat(notesSummary).hasContent("{\"my\": \"notes\"}");
        assertThat(precious).hasContent("precious");
        // what a killed run left (an empty shard it had begun) is its own, and replaced
        Files.write(dir.resolve("seq.bin.tmp"), new byte[0]);
        CliRun again = CliRun.run("", "corpus", "--corpus", corpus.toString(), "--vocab", vocab.toString(), "--out",
                shard.toString(), "--seq-length", "16");
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(dir.resolve("seq.bin.tmp")).doesNotExist();
    }

    /** SIGTERM (or Ctrl-C) while corpus reads: the buckets, a copy of the text, go with it. */
    @Test
    void anInterruptedCorpusRunRemovesItsTemporaryFiles() throws Exception {
        Path out = dir.resolve("ck.bin");
        // the corpus is a pipe left open, so the run is still reading when the signal comes
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), "dev.raccoon.cli.Main",
                "corpus", "--corpus", "/dev/stdin", "--vocab", CliRun.oracleClassifier().toString(), "--out", out.toString(),
                "--no-progress");
        Path log = dir.resolve("corpus.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < 5000; i++) text.append("영화가 정말 재밌다 ").append(i).append('\n'); // past the 64 KiB probe
            p.getOutputStream().write(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            p.getOutputStream().flush();
            // The buckets' files are opened once the run has installed what removes them on a signal: wait for those,
            // not just the directory, which comes before it.
            for (long deadline = System.nanoTime() + 60_000_000_000L; System.nanoTime() < deadline && p.isAlive()
                    && !bucketFileOpened(); ) Thread.sleep(50);
            assertThat(buckets()).as(Files.readString(log)).hasSize(1);
            assertThat(bucketFileOpened()).as(Files.readString(log)).isTrue();
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(Files.readString(log)).contains("corpus: interrupted; its temporary files are removed");
        assertThat(buckets()).isEmpty();
        assertThat(out).doesNotExist();
        assertThat(dir.resolve("ck.bin.tmp")).doesNotExist();
    }

    private boolean bucketFileOpened() throws java.io.IOException {
        for (Path buckets : buckets()) if (Files.exists(buckets.resolve("bucket-0.txt"))) return true;
        return false;
    }

    private List<Path> buckets() throws java.io.IOException {
        try (var files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("ck.bin.buckets-")).toList();
        }
    }
}
