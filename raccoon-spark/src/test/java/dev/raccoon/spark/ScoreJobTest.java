package dev.raccoon.spark;

import dev.raccoon.api.Classifier;
import dev.raccoon.serve.BatchScorer;
import dev.raccoon.serve.TableFormat;
import dev.raccoon.text.TextEncodings;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ScoreJob against {@code raccoon score}'s BatchScorer: the same file, line for line. */
class ScoreJobTest {
    private static final int ROWS = 10_000;
    private static SparkSession spark;
    private static Classifier classifier;
    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws IOException {
        spark = TestSpark.session();
        classifier = Classifier.load(TestSpark.oracleModel(), ScoringSettings.of("x").options());
    }

    /**
     * {@code n} NSMC reviews (or made-up ones without shared/), with a blank text (row 18, line 19), a row of too few
     * fields (row 4243 of 10,000) and one of broken UTF-8 (row 9001 of 10,000) among them.
     */
    private static Path reviews(String name, int n) throws IOException {
        Path nsmc = Path.of(System.getProperty("raccoon.shared", "../shared"), "data/nsmc/train.tsv");
        List<String> rows = new ArrayList<>();
        if (Files.exists(nsmc)) {
            try (Stream<String> lines = Files.lines(nsmc)) {
                lines.skip(1).limit(n).forEach(rows::add);
            }
        }
        String[] words = {"영화", "정말", "재밌어요", "시간", "아깝다", "배우들", "연기가", "좋았어요", "스토리가", "엉망", "최고"};
        for (int i = rows.size(); i < n; i++) {
            StringBuilder s = new StringBuilder();
            for (int w = 0; w <= i % 9; w++) s.append(w > 0 ? " " : "").append(words[(i * 7 + w * 3) % words.length]);
            rows.add(i + "\t" + s + "\t" + i % 2);
        }
        rows.set(17, "17\t \t1");
        rows.set(n * 4242 / 10_000, "4242\t0");
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes("id\tdocument\tlabel\n".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < rows.size(); i++) {
            b.writeBytes(rows.get(i).getBytes(StandardCharsets.UTF_8));
            if (i == n * 9 / 10) b.write(0xC3); // a cut-off two-byte character
            b.write('\n');
        }
        Path file = dir.resolve(name);
        Files.write(file, b.toByteArray());
        return file;
    }

    private static List<String> batchScore(Path in, TableFormat format) throws IOException {
        return batchScore(in, format, classifier);
    }

    private static List<String> batchScore(Path in, TableFormat format, Classifier classifier) throws IOException {
        Path out = dir.resolve("batch-" + in.getFileName());
        new BatchScorer(classifier).score(new BatchScorer.Job(in, out, format, null, 256), n -> {});
        return Files.readAllLines(out);
    }

    private static ScoreJob.Args args(Path in, Path out, String... more) {
        return ScoreJob.parse(argv(in, out, more));
    }

    private static String[] argv(Path in, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("--model", TestSpark.oracleModel().toString(),
                "--input", in.toString(), "--output", out.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /**
     * Asserts the output lines are identical. Spark's tasks cut the rows into other chunks than BatchScorer, so a
     * text shares its forward passes with other texts and is padded to another length; the engine gives the same
     * bits for a text whatever its batch (padded keys add exact zeros, and kernels sum in a fixed order).
     */
    private static void assertSameScores(List<String> expected, List<String> actual) {
        assertThat(actual).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) assertThat(actual.get(i)).as("line %d", i).isEqualTo(expected.get(i));
    }

    @Test
    void tenThousandRowsInOneFileMatchBatchScorerLineForLine() throws IOException {
        Path in = reviews("reviews.tsv", ROWS);
        long start = System.nanoTime();
        List<String> expected = batchScore(in, TableFormat.TSV);
        long batchScored = System.nanoTime();
        assertThat(expected).hasSize(ROWS + 1);
        List<String> actual = sparkScore(in, dir.resolve("spark.tsv"), "cpu");
        System.out.printf("10,000 rows: BatchScorer %.1f s, ScoreJob in local[2] %.1f s%n",
                (batchScored - start) / 1e9, (System.nanoTime() - batchScored) / 1e9);
        assertSameScores(expected, actual);
        // named by their lines, after the header, in splits that start far into the file
        assertThat(actual.get(18)).endsWith("line 19: empty text");
        assertThat(actual.get(4243)).endsWith("line 4244: 2 fields, but the header has 3");
        assertThat(actual.get(9001)).endsWith("line 9002: not valid UTF-8");
    }

    /** On the scalar reference backend a text's logits do not depend on its batch: the files agree to the byte. */
    @Test
    void onTheScalarBackendTheFilesAreIdentical() throws IOException {
        Path in = reviews("reviews-1000.tsv", 1000);
        List<String> expected = batchScore(in, TableFormat.TSV,
                Classifier.load(TestSpark.oracleModel(), ScoringSettings.of("x").withDevice("scalar").options()));
        assertThat(sparkScore(in, dir.resolve("spark-scalar.tsv"), "scalar")).isEqualTo(expected);
    }

    /** ScoreJob into one file, with small input splits: records cross split boundaries, and several tasks run. */
    private static List<String> sparkScore(Path in, Path out, String device) throws IOException {
        spark.sparkContext().hadoopConfiguration().set("mapreduce.input.fileinputformat.split.maxsize", "65536");
        try {
            ScoreJob.Summary s = ScoreJob.run(spark, args(in, out, "--single-file", "--device", device));
            assertThat(s.failed()).isEqualTo(3);
            return Files.readAllLines(out);
        } finally {
            spark.sparkContext().hadoopConfiguration().unset("mapreduce.input.fileinputformat.split.maxsize");
        }
    }

    @Test
    void partFilesHoldTheRowsInOrderEachWithTheHeader() throws IOException {
        Path in = dir.resolve("small.tsv");
        Files.writeString(in, "text\tid\n좋아요\t1\n별로\t2\n최고의 영화\t3\n\t4\n지루함\t5\n");
        List<String> expected = batchScore(in, TableFormat.TSV);
        Path out = dir.resolve("parts");
        ScoreJob.run(spark, args(in, out, "--partitions", "3"));
        List<String> rows = new ArrayList<>();
        try (Stream<Path> parts = Files.list(out)) {
            for (Path p : parts.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
                List<String> lines = Files.readAllLines(p);
                assertThat(lines.getFirst()).isEqualTo(expected.getFirst());
                rows.addAll(lines.subList(1, lines.size()));
            }
        }
        // Repartitioning scatters rows over the parts; the id column puts them back in order.
        rows.sort(java.util.Comparator.comparing(r -> r.split("\t")[1]));
        rows.addFirst(expected.getFirst());
        assertSameScores(expected, rows);
    }

    // A small file is one task and one chunk, as in BatchScorer: the same forward batches, so the same bits.
    @Test
    void csvWithQuotedLineBreaksMatchesBatchScorer() throws IOException {
        Path in = dir.resolve("quoted.csv");
        Files.writeString(in, "id,review\n1,\"좋은 영화,\n또 보고 싶다\"\n2,\"\"\"최고\"\" 라는 말\"\r\n3,지루함\n4,\"닫히지 않은\"x\n5,\n");
        List<String> expected = batchScore(in, TableFormat.CSV);
        Path out = dir.resolve("quoted-out.csv");
        ScoreJob.run(spark, args(in, out, "--single-file"));
        assertThat(Files.readAllLines(out)).isEqualTo(expected);
    }

    /**
     * Lines that end in a lone \r (classic Mac programs, some exporters) or in \r\n are Hadoop's lines as they are
     * BatchScorer's, across input splits and in quoted CSV fields too: the output is their \n twin's.
     */
    @Test
    void crOnlyAndCrLfLineEndsMatchBatchScorer() throws IOException {
        Path lfTsv = reviews("reviews-lf.tsv", 1500);
        Path lfCsv = Files.writeString(dir.resolve("lf.csv"), "id,review\n1,\"좋은 영화,\n또 보고 싶다\"\n2,지루함\n3,\"닫히지 않은\n4,최고\n");
        List<String> expectedTsv = batchScore(lfTsv, TableFormat.TSV), expectedCsv = batchScore(lfCsv, TableFormat.CSV);
        for (String lineBreak : List.of("\r", "\r\n")) {
            Path tsv = Files.write(dir.resolve("reviews-" + lineBreak.length() + ".tsv"), withLineBreaks(lfTsv, lineBreak));
            assertSameScores(expectedTsv, sparkScore(tsv, dir.resolve("spark-" + lineBreak.length() + ".tsv"), "cpu"));
            Path csv = Files.write(dir.resolve("quoted-" + lineBreak.length() + ".csv"), withLineBreaks(lfCsv, lineBreak));
            Path out = dir.resolve("quoted-" + lineBreak.length() + "-out.csv");
            ScoreJob.run(spark, args(csv, out, "--single-file"));
            assertThat(Files.readAllLines(out)).isEqualTo(expectedCsv);
        }
    }

    /** The file's bytes with every \n made {@code lineBreak}. */
    private static byte[] withLineBreaks(Path file, String lineBreak) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte x : Files.readAllBytes(file)) {
            if (x == '\n') b.writeBytes(lineBreak.getBytes(StandardCharsets.US_ASCII));
            else b.write(x);
        }
        return b.toByteArray();
    }

    /** A stray quote costs its own line only, as in raccoon score; before, it swallowed the rest of the file. */
    @Test
    void aStrayQuoteInCsvCostsOneRowAsInBatchScorer() throws IOException {
        StringBuilder csv = new StringBuilder("id,review\n");
        for (int i = 1; i <= 40; i++) csv.append(i).append(i == 10 ? ",\"닫히지 않은 인용" : ",리뷰 " + i + " 좋아요").append('\n');
        Path in = Files.writeString(dir.resolve("stray.csv"), csv);
        List<String> expected = batchScore(in, TableFormat.CSV);
        Path out = dir.resolve("stray-out.csv");
        ScoreJob.Summary s = ScoreJob.run(spark, args(in, out, "--single-file"));
        assertThat(s.rows()).isEqualTo(40);
        assertThat(s.failed()).isEqualTo(1);
        assertThat(Files.readAllLines(out)).isEqualTo(expected).hasSize(41);
        assertThat(expected.get(10)).contains("line 11: a quoted field is not closed");
    }

    /**
     * A stray quote that a later review's quote seems to close, with text after it or into a row that does not fit
     * the header, costs its own line too, as in raccoon score, eval and train.
     */
    @Test
    void aStrayQuoteClosedOnALaterLineCostsOneRowAsInBatchScorer() throws IOException {
        Path in = Files.writeString(dir.resolve("stray-closed.csv"), "text,label\n\"좋아요 정말,1\n그냥 \"보통\" 이에요,1\n"
                + "재미 \"없다,0\n최고의 영화,1\n\"다시 볼래요,1\n별로에요\",0,덤\n");
        List<String> expected = batchScore(in, TableFormat.CSV);
        Path out = dir.resolve("stray-closed-out.csv");
        ScoreJob.Summary s = ScoreJob.run(spark, args(in, out, "--single-file"));
        assertThat(s.rows()).isEqualTo(6);
        assertThat(s.failed()).isEqualTo(3);
        assertThat(Files.readAllLines(out)).isEqualTo(expected).hasSize(7);
        assertThat(expected.get(1)).endsWith("line 2: a quoted field is not closed");
        assertThat(expected.get(5)).endsWith("line 6: a quoted field is not closed");
        assertThat(expected.get(6)).contains("line 7: 3 fields, but the header has 2");
    }

    /** Hadoop reads .gz files gunzipped; the driver's look at the header must too. */
    @Test
    void gzippedInputsMatchTheirPlainSelves() throws IOException {
        Path tsv = dir.resolve("zipped.tsv"), jsonl = dir.resolve("zipped.jsonl");
        Files.writeString(tsv, "id\ttext\tlabel\n1\t좋아요\t1\n2\t별로\t0\n");
        Files.writeString(jsonl, "{\"id\": 1, \"text\": \"좋아요\", \"label\": 1}\n{\"id\": 2, \"text\": \"별로\", \"label\": 0}\n");
        for (Path plain : List.of(tsv, jsonl)) {
            Path gz = dir.resolve(plain.getFileName() + ".gz");
            try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
                out.write(Files.readAllBytes(plain));
            }
            Path out = dir.resolve("from-" + gz.getFileName().toString().replace(".gz", ""));
            ScoreJob.run(spark, args(gz, out, "--single-file"));
            assertThat(Files.readAllLines(out)).isEqualTo(batchScore(plain, TableFormat.byExtension(plain)));
        }
        assertThat(Files.readAllLines(dir.resolve("from-zipped.jsonl")).getFirst()).as("the gold label kept beside the answer")
                .contains("\"label\":1").contains("\"pred_label\":");
    }

    @Test
    void aHiddenFileNamedOutrightIsRefusedByNameAndADirectorysAreSkipped() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("underscored"));
        Path named = Files.writeString(folder.resolve("_reviews.tsv"), "text\n좋아요\n");
        Files.writeString(folder.resolve("reviews.tsv"), "text\n별로\n");
        Path one = dir.resolve("underscored-one.tsv"), all = dir.resolve("underscored-all.tsv");
        assertThatThrownBy(() -> ScoreJob.run(spark, args(named, one, "--single-file"))).hasMessageContaining("whose name starts with _ or .").hasMessageEndingWith("rename it")
                .hasMessageContaining("(it takes them for a job's own files)");
        Path other = dir.resolve("reviews-one.tsv");
        Files.copy(named, other);
        assertThat(ScoreJob.run(spark, args(other, one, "--single-file")).rows()).isEqualTo(1);
        assertThat(Files.readAllLines(one).get(1)).startsWith("좋아요\t");
        assertThat(ScoreJob.run(spark, args(folder, all, "--single-file", "--format", "tsv")).rows()).isEqualTo(1);
        assertThat(Files.readAllLines(all).get(1)).startsWith("별로\t");
        assertThat(dir.resolve(".underscored-one.tsv.crc")).as("no checksum left beside the file").doesNotExist();
    }

    @Test
    void jsonLinesMatchBatchScorer() throws IOException {
        Path in = dir.resolve("reviews.jsonl");
        Files.writeString(in, """
                {"text": "영화 정말 재밌어요", "id": 1}
                {"text": "", "id": 2}

                not json
                {"id": 5}
                {"text": 6}
                {"text": "시간 아깝다", "label": 0}
                {"id": "x\\ud800y", "text": "별로"}
                {"text": "%s"}
                """.formatted("정말 ".repeat(200) + "재밌어요"));
        List<String> expected = batchScore(in, TableFormat.JSONL);
        Path out = dir.resolve("reviews-out.jsonl");
        ScoreJob.run(spark, args(in, out, "--single-file"));
        List<String> written = Files.readAllLines(out);
        assertThat(written).isEqualTo(expected);
        assertThat(written.get(7)).as("an unpaired surrogate escape kept").startsWith("{\"id\":\"x\\ud800y\",");
        assertThat(expected.getFirst()).contains("\"truncated\":false");
        assertThat(expected.getLast()).contains("\"truncated\":true"); // 201 words, more than the 128 tokens read
    }

    /**
     * Excel and Windows editors start every file with a byte order mark, not only the first file of a directory
     * (Hadoop's line reader drops it from each file; the driver reads the first line for the output's fields itself).
     */
    @Test
    void everyFilesByteOrderMarkIsDropped() throws IOException {
        Path in = Files.createDirectories(dir.resolve("bom-files"));
        Files.writeString(in.resolve("a.jsonl"), "\uFEFF{\"text\": \"영화 정말 재밌어요\", \"label\": 1}\n");
        Files.writeString(in.resolve("b.jsonl"), "\uFEFF{\"text\": \"시간 아깝다\", \"label\": 0}\n{\"text\": \"최고\"}\n");
        Path out = dir.resolve("bom-out.jsonl");
        ScoreJob.Summary s = ScoreJob.run(spark, args(in, out, "--single-file", "--format", "jsonl"));
        assertThat(s.failed()).isZero();
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(3);
        List<String> texts = List.of("영화 정말 재밌어요", "시간 아깝다", "최고");
        for (int i = 0; i < 3; i++)
            assertThat(lines.get(i)).as("line %d", i + 1)
                    .contains("\"pred_label\":\"" + classifier.classify(texts.get(i)).label() + "\"");

        Path tsv = Files.createDirectories(dir.resolve("bom-tables"));
        Files.writeString(tsv.resolve("a.tsv"), "\uFEFFtext\tid\n좋아요\t1\n");
        Files.writeString(tsv.resolve("b.tsv"), "\uFEFFtext\tid\n별로\t2\n");
        Path tsvOut = dir.resolve("bom-out.tsv");
        ScoreJob.run(spark, args(tsv, tsvOut, "--single-file", "--format", "tsv"));
        assertThat(Files.readAllLines(tsvOut)).extracting(l -> l.split("\t")[0]).containsExactly("text", "좋아요", "별로");
    }

    @Test
    void refusesAnExistingOutputAndBadArguments() throws IOException {
        Path in = dir.resolve("exists.tsv");
        Files.writeString(in, "text\n좋아요\n");
        assertThatThrownBy(() -> ScoreJob.run(spark, args(in, dir))).hasMessageContaining("exists");
        assertThatThrownBy(() -> ScoreJob.parse(new String[] {"--model", "m", "--input", "a.gz", "--output", "o"}))
                .hasMessageContaining("--format");
        assertThatThrownBy(() -> ScoreJob.parse(new String[] {"--model", "m", "--input", "a.tsv", "--output", "o", "--partitions", "-3"}))
                .hasMessageContaining("--partitions must be 0");
        assertThatThrownBy(() -> ScoreJob.parse(new String[] {"--model", "m", "--input", "a.tsv", "--output", "o", "--device", "cuda"}))
                .hasMessageContaining("run the model on their CPUs");
        Path noText = Files.writeString(dir.resolve("no-text.tsv"), "id\tbody\n1\t좋아요\n");
        assertThatThrownBy(() -> ScoreJob.run(spark, ScoreJob.parse(new String[] {"--model", "/nonexistent/model", "--input",
                noText.toString(), "--output", dir.resolve("no-text-out").toString()})))
                .as("the text column is looked for before the model is").hasMessageContaining("none of the columns");
        assertThat(ScoreJob.reason(new org.apache.spark.SparkException("Job aborted", new org.apache.spark.SparkException("stage failed",
                new java.io.UncheckedIOException("cannot load the model in /models/x",
                        new java.io.IOException("/models/x: no such model directory\n\tat ...")))))).isEqualTo("/models/x: no such model directory");
        assertThatThrownBy(() -> ScoreJob.parse(new String[] {"--model", "m", "--batch-size"}))
                .hasMessageContaining("needs a value");
        assertThatThrownBy(() -> ScoreJob.parse(new String[] {"--model", "m", "--input", "a.tsv", "--output", "o", "--encoding", "utf-16"}))
                .hasMessageContaining("UTF-16 does not write line breaks");
        String[] common = {"--model", "m", "--input", "a.tsv", "--output", "o"};
        assertThat(ScoreJob.parse(common).settings().truncation()).isEqualTo(dev.raccoon.text.Truncation.HEAD_AND_TAIL);
        String[] head = java.util.stream.Stream.concat(java.util.Arrays.stream(common), java.util.stream.Stream.of("--truncation", "head"))
                .toArray(String[]::new);
        assertThat(ScoreJob.parse(head).settings().truncation()).isEqualTo(dev.raccoon.text.Truncation.HEAD);
        head[head.length - 1] = "middle";
        assertThatThrownBy(() -> ScoreJob.parse(head)).hasMessageContaining("unknown truncation 'middle'");
    }

    @Test
    void aCp949FileMatchesBatchScorer() throws IOException {
        Charset cp949 = TextEncodings.named("cp949");
        Path in = dir.resolve("excel.csv"), out = dir.resolve("spark-excel.csv");
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes("번호,리뷰\n1,\"똠방각하, 재밌어요\"\n2,시간 아깝다\n3,".getBytes(cp949));
        b.write(0x80); // starts no CP949 character
        b.write('\n');
        Files.write(in, b.toByteArray());
        Path batchOut = dir.resolve("batch-excel.csv");
        new BatchScorer(classifier).score(new BatchScorer.Job(in, batchOut, TableFormat.CSV, "리뷰", 256, cp949), n -> {});
        ScoreJob.Summary s = ScoreJob.run(spark, args(in, out, "--single-file", "--text-column", "리뷰", "--encoding", "CP949"));
        assertThat(s.failed()).isEqualTo(1);
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        // raccoon score gives a table from Excel back with a byte-order mark for Excel; the job, whose output feeds
        // pipelines and is often many part files, writes none
        List<String> batch = new ArrayList<>(Files.readAllLines(batchOut, StandardCharsets.UTF_8));
        assertThat(batch.getFirst()).startsWith("\uFEFF");
        batch.set(0, batch.getFirst().substring(1));
        assertSameScores(batch, lines);
        assertThat(lines.get(1)).startsWith("1,\"똠방각하, 재밌어요\",LABEL_");
        assertThat(lines.get(3)).endsWith("line 4: not valid CP949");
    }

    /** What {@link ScoreJob#main} prints to standard error and returns for {@code argv}. */
    private record Outcome(int status, String err) {}

    private static Outcome execute(String... argv) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ScoreJob.execute(spark, ScoreJob.parse(argv), System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, err.toString(StandardCharsets.UTF_8));
    }

    /**
     * A failure inside Spark's tasks ends in the job's one line, as one on the driver does: the model an executor
     * cannot load, a gzip file cut short (named, as raccoon score names it); and it leaves no output behind that
     * would refuse the rerun.
     */
    @Test
    void aFailureInATaskIsOneLineNamingItAndLeavesNoOutput() throws IOException {
        Path in = Files.writeString(dir.resolve("fine.tsv"), "text\n좋아요\n");
        Path noModelOut = dir.resolve("no-model-out");
        assertThat(execute("--model", "/nonexistent/model", "--input", in.toString(), "--output", noModelOut.toString()))
                .isEqualTo(new Outcome(1, "ScoreJob: /nonexistent/model: no such model directory\n"));

        StringBuilder rows = new StringBuilder("id\ttext\n");
        for (int i = 0; i < 5000; i++) rows.append(i).append("\t리뷰 ").append(i * 7919 % 10007).append(" 좋아요\n");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (var zip = new java.util.zip.GZIPOutputStream(gz)) {
            zip.write(rows.toString().getBytes(StandardCharsets.UTF_8));
        }
        Path cut = Files.write(dir.resolve("cut.tsv.gz"), java.util.Arrays.copyOf(gz.toByteArray(), gz.size() / 2));
        for (String layout : List.of("parts", "single")) {
            Path out = dir.resolve("cut-out-" + layout);
            Outcome o = layout.equals("single") ? execute(argv(cut, out, "--single-file")) : execute(argv(cut, out));
            assertThat(o.status()).isEqualTo(1);
            assertThat(o.err()).startsWith("ScoreJob: ").contains(cut.getFileName() + ": not a complete gzip file (")
                    .hasLineCount(1);
            assertThat(out).as("no output left to refuse the rerun").doesNotExist();
            assertThat(dir.resolve("." + out.getFileName() + ".parts")).doesNotExist();
        }
    }

    /**
     * The first JSON object decides the pred_ prefix as in raccoon score, however far into the file it is and in
     * whichever file: an empty first part, as a former Spark job leaves, made the predictions overwrite the gold label.
     */
    @Test
    void jsonLinesTakeTheirFieldsFromTheFirstObjectOfAnyFile() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("json-parts"));
        Files.writeString(folder.resolve("part-00000.jsonl"), "");
        Path part = folder.resolve("part-00001.jsonl");
        Files.writeString(part, "[1]\n".repeat(1001) + "{\"text\": \"영화 정말 재밌어요\", \"label\": 1}\n");
        Path out = dir.resolve("json-parts-out.jsonl");
        ScoreJob.run(spark, args(folder, out, "--single-file", "--format", "jsonl"));
        List<String> written = Files.readAllLines(out);
        assertThat(written).isEqualTo(batchScore(part, TableFormat.JSONL));
        assertThat(written.getLast()).contains("\"label\":1").contains("\"pred_label\":");
    }

    /** Subdirectories (a partitioned layout) are read, in path order; a job's own hidden ones are skipped, as Hadoop does. */
    @Test
    void subdirectoriesOfAnInputFolderAreRead() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("partitioned"));
        Files.writeString(folder.resolve("a.tsv"), "text\n좋아요\n");
        Files.writeString(Files.createDirectories(folder.resolve("dt=2024-01-02")).resolve("part-0.tsv"), "text\n별로\n");
        Files.writeString(Files.createDirectories(folder.resolve("dt=2024-01-02/deeper")).resolve("c.tsv"), "text\n최고\n");
        Files.writeString(Files.createDirectories(folder.resolve("_temporary")).resolve("d.tsv"), "text\n지루함\n");
        Files.writeString(Files.createDirectories(folder.resolve(".staging")).resolve("e.tsv"), "text\n지루함\n");
        assertThat(InputRecords.files(spark.sparkContext().hadoopConfiguration(), folder.toString()))
                .extracting(p -> Path.of(p.toUri()).toString())
                .containsExactly(folder.resolve("a.tsv").toString(), folder.resolve("dt=2024-01-02/deeper/c.tsv").toString(),
                        folder.resolve("dt=2024-01-02/part-0.tsv").toString());
    }

    /** Of several files, a bad row is named by its line in its own file, as raccoon score names it in each. */
    @Test
    void badRowsOfSeveralFilesAreNamedByTheirLinesInTheirFiles() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("two-files"));
        Files.writeString(folder.resolve("a.tsv"), "text\n좋아요\n\n");
        Files.writeString(folder.resolve("b.tsv"), "text\n별로\n최고\n\n");
        Path out = dir.resolve("two-files-out.tsv");
        ScoreJob.run(spark, args(folder, out, "--single-file", "--format", "tsv"));
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(6);
        assertThat(lines.get(2)).endsWith("\tline 3: empty text");
        assertThat(lines.get(5)).endsWith("\tline 4: empty text");
        assertThat(batchScore(folder.resolve("b.tsv"), TableFormat.TSV).getLast()).isEqualTo(lines.get(5));
    }

    /**
     * SPARK.md's recipe for a model given as separate files: {@code --files config.json,vocab.txt,... --model .}; the
     * working directory that {@code .} names holds no model, so the files shipped into SparkFiles' root are read.
     */
    @Test
    void aModelShippedWithFilesIsFoundWithModelDot() throws IOException {
        assertThat(Path.of("config.json")).as("the working directory holds no model").doesNotExist();
        try (Stream<Path> files = Files.list(TestSpark.oracleModel())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) spark.sparkContext().addFile(f.toString());
        }
        Path in = Files.writeString(dir.resolve("shipped.tsv"), "text\n좋아요\n");
        Path out = dir.resolve("shipped-out.tsv");
        assertThat(execute("--model", ".", "--input", in.toString(), "--output", out.toString(), "--single-file").status()).isZero();
        assertThat(Files.readAllLines(out)).isEqualTo(batchScore(in, TableFormat.TSV));
        assertThat(SharedClassifiers.resolve("no-such-model")).as("the error names the path given, not one in SparkFiles' root")
                .isEqualTo(Path.of("no-such-model"));
    }

    /**
     * As raccoon score: rows without predictions fail the run, and rows not valid in the input's encoding (a CP949
     * file read as UTF-8) come with what to do; before, the job ended with 0 and no word of it.
     */
    @Test
    void rowsNotScoredFailTheRunWithTheEncodingHint() throws IOException {
        Path in = Files.write(dir.resolve("cp949-unnamed.tsv"), "text\n시간 아깝다\n재밌어요\n".getBytes(TextEncodings.named("cp949")));
        Outcome o = execute(argv(in, dir.resolve("cp949-unnamed-out.tsv"), "--single-file"));
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).isEqualTo("ScoreJob: 2 rows could not be scored; see the error column\nScoreJob: 2 of them are "
                + TextEncodings.notValidWithHint(StandardCharsets.UTF_8) + "\n");
        assertThat(o.err()).contains("pass --encoding cp949");
    }

    /**
     * raccoon score knows gzip by its first bytes, Hadoop by the name: a file where they disagree is refused by name
     * with the name that works, instead of being read as what it is not (advice to pass --encoding cp949, or a bare
     * "not a gzip file").
     */
    @Test
    void aGzipFileIsRefusedByNameWhereItsNameSaysOtherwise() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("gzip-names"));
        Path gzipped = folder.resolve("gzipped.tsv"), plain = folder.resolve("plain.tsv.gz");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gzipped))) {
            out.write("text\n좋아요\n".getBytes(StandardCharsets.UTF_8));
        }
        Files.writeString(plain, "text\n좋아요\n");
        assertThat(execute(argv(gzipped, dir.resolve("gzipped-out.tsv"))).err())
                .matches("ScoreJob: \\S*gzipped.tsv is gzipped, but Hadoop gunzips a file only when its name ends in .gz:"
                        + " rename it gzipped.tsv.gz\n");
        assertThat(execute(argv(plain, dir.resolve("plain-out.tsv"))).err())
                .matches("ScoreJob: \\S*plain.tsv.gz is not gzipped, but Hadoop takes a file named .gz for gzip data: rename it"
                        + " without .gz\n");
        assertThat(execute(argv(folder, dir.resolve("gzip-names-out.tsv"), "--format", "tsv")).err())
                .as("in a folder, the first such file named").contains("gzipped.tsv is gzipped");
    }

    /**
     * A file whose name holds a glob's characters is read as itself (reviews1.tsv, which [1] would match, is not), and
     * the job tells of reading as raccoon score does: a --max-length above the model's positions, truncated rows.
     */
    @Test
    void aNameWithBracketsIsThatFileAndTheReadingIsToldAsInScore() throws IOException {
        Path in = Files.writeString(dir.resolve("reviews[1].tsv"), "text\n좋아요\n" + "정말 ".repeat(1000) + "재밌어요\n");
        Files.writeString(dir.resolve("reviews1.tsv"), "text\n별로\n");
        Path out = dir.resolve("brackets-out.tsv");
        Outcome o = execute(argv(in, out, "--single-file", "--max-length", "100000"));
        assertThat(o.status()).isZero();
        List<String> written = Files.readAllLines(out);
        assertThat(written).hasSize(3);
        assertThat(written.get(1)).startsWith("좋아요\t");
        assertThat(o.err()).isEqualTo("ScoreJob: note: --max-length 100000 is more than the 128 positions of "
                + TestSpark.oracleModel() + "; texts are read to 128 tokens\nScoreJob: 1 row longer than the model reads"
                + " (128 tokens): it read the first quarter and the end of each (truncated is true in their rows; a larger"
                + " --max-length reads more, up to the model's positions)\n");
        assertThatThrownBy(() -> ScoreJob.parse(new String[] {"--model", "m", "--input", "a.tsv", "--output", "o", "--bogus"}))
                .hasMessage("unknown option --bogus");
    }
}
