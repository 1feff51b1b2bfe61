package dev.raccoon.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** raccoon score through the command line: formats, the exit code for unusable rows, resuming. */
class ScoreCommandTest {
    @TempDir
    Path dir;

    @Test
    void scoresATsvAndResumesAPartialOutput() throws Exception {
        Path in = dir.resolve("reviews.tsv"), out = dir.resolve("scored.tsv");
        Files.writeString(in, "id\ttext\n1\t영화 정말 재밌어요\n2\t시간 아깝다\n3\t배우들 연기가 좋았어요\n");
        CliRun r = CliRun.run("", "score", "--model", CliRun.oracleClassifier().toString(), "--device", "scalar",
                "--in", in.toString(), "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("3 rows scored");
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(4);
        assertThat(lines.getFirst()).isEqualTo("id\ttext\tlabel\tprobability\tprob_LABEL_0\tprob_LABEL_1\ttruncated\terror");
        assertThat(lines.get(2)).startsWith("2\t시간 아깝다\tLABEL_");

        String complete = Files.readString(out);
        Files.writeString(out, complete.substring(0, complete.indexOf(lines.get(2)) + 5)); // killed mid-row 2
        r = CliRun.run("", "score", "--model", CliRun.oracleClassifier().toString(), "--device", "scalar",
                "--in", in.toString(), "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("resumed after 1 row, 0 of them with an error)");
        assertThat(Files.readString(out)).isEqualTo(complete);
    }

    @Test
    void unusableRowsKeepTheirPlaceAndFailTheRun() throws Exception {
        Path in = dir.resolve("reviews.jsonl"), out = dir.resolve("scored.jsonl");
        Files.writeString(in, "{\"review\": \"좋아요\"}\n{\"review\": [3]}\n{\"review\": \"별로\"}\n");
        CliRun r = CliRun.run("", "score", "--model", CliRun.oracleClassifier().toString(), "--device", "scalar",
                "--in", in.toString(), "--out", out.toString(), "--text-column", "review");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("1 row could not be scored").contains(": 2 rows scored, 1 without a usable text");
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).contains("\"error\":\"line 2: \\\"review\\\" is not a string\"");
    }

    @Test
    void koreanWindowsFilesNeedTheirEncodingAndGetAHintWithout() throws Exception {
        Path in = dir.resolve("excel.tsv"), asUtf8 = dir.resolve("as-utf8.tsv"), out = dir.resolve("scored.tsv");
        Files.write(in, "id\ttext\n1\t똠방각하 재밌어요\n2\t시간 아깝다\n".getBytes("x-windows-949"));
        Files.write(asUtf8, ("id\ttext\n".getBytes(StandardCharsets.UTF_8)));
        Files.write(asUtf8, "1\t똠방각하\n".getBytes("x-windows-949"), StandardOpenOption.APPEND);
        String model = CliRun.oracleClassifier().toString();
        CliRun wrong = CliRun.run("", "score", "--model", model, "--device", "scalar", "--in", asUtf8.toString(), "--out", out.toString());
        assertThat(wrong.exitCode()).isEqualTo(1);
        assertThat(wrong.err()).contains("1 row could not be scored", "1 of them is not valid UTF-8; a file saved by Excel on Korean Windows is CP949: pass --encoding cp949");
        Files.delete(out);
        CliRun r = CliRun.run("", "score", "--model", model, "--device", "scalar", "--in", in.toString(), "--out", out.toString(),
                "--encoding", "cp949");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(Files.readAllLines(out, StandardCharsets.UTF_8).get(1)).startsWith("1\t똠방각하 재밌어요\tLABEL_");
        // The output is UTF-8 whatever the input, and a rerun resumes it: the header check reads it as UTF-8.
        String complete = Files.readString(out, StandardCharsets.UTF_8);
        Files.writeString(out, complete.substring(0, complete.indexOf("\n2\t") + 3), StandardCharsets.UTF_8);
        r = CliRun.run("", "score", "--model", model, "--device", "scalar", "--in", in.toString(), "--out", out.toString(),
                "--encoding", "cp949");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("resumed after 1 row, 0 of them with an error)");
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).isEqualTo(complete);
        CliRun utf16 = CliRun.run("", "score", "--model", model, "--in", in.toString(), "--out", out.toString(), "--encoding", "utf-16");
        assertThat(utf16.exitCode()).isEqualTo(2);
        assertThat(utf16.err()).contains("--encoding", "UTF-16 does not write line breaks");
    }

    @Test
    void aTsvReadAsCsvGetsAHint() throws Exception {
        Path tsv = Files.writeString(dir.resolve("tabs.tsv"), "id\tdocument\n1\t좋아요\n");
        CliRun r = CliRun.run("", "score", "--model", CliRun.oracleClassifier().toString(), "--format", "csv",
                "--in", tsv.toString(), "--out", dir.resolve("tabs-out.tsv").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("or read it as TSV (--format tsv): its header has tabs");
    }

    @Test
    void mismatchedFormatsAreAUsageMistake() {
        CliRun r = CliRun.run("", "score", "--model", CliRun.oracleClassifier().toString(), "--device", "scalar",
                "--in", dir.resolve("a.tsv").toString(), "--out", dir.resolve("b.jsonl").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("keeps the input's format");
        CliRun unknown = CliRun.run("", "score", "--model", CliRun.oracleClassifier().toString(),
                "--in", dir.resolve("a.xlsx").toString(), "--out", dir.resolve("b.xlsx").toString());
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("cannot tell the format of");
        CliRun badFormat = CliRun.run("", "score", "--model", CliRun.oracleClassifier().toString(),
                "--in", dir.resolve("a.tsv").toString(), "--out", dir.resolve("b.tsv").toString(), "--format", "xlsx");
        assertThat(badFormat.exitCode()).isEqualTo(2);
        assertThat(badFormat.err()).contains("--format");
    }

    @Test
    void aGzippedInputIsReadInTheFormatOfItsInnerExtensionButTheOutputIsPlain() throws Exception {
        Path gz = dir.resolve("reviews.tsv.gz");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write("id\ttext\n1\t좋아요\n2\t별로\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        CliRun r = CliRun.run("", "score", "--model", CliRun.oracleClassifier().toString(), "--device", "scalar",
                "--in", gz.toString(), "--out", dir.resolve("scored.tsv").toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(Files.readAllLines(dir.resolve("scored.tsv"))).hasSize(3).allMatch(l -> l.startsWith("id\t") || l.contains("\t좋아요\t") || l.contains("\t별로\t"));
        CliRun gzOut = CliRun.run("", "score", "--model", CliRun.oracleClassifier().toString(),
                "--in", gz.toString(), "--out", dir.resolve("scored.tsv.gz").toString());
        assertThat(gzOut.exitCode()).isEqualTo(2);
        assertThat(gzOut.err()).contains("name it without .gz");
        assertThat(dir.resolve("scored.tsv.gz")).doesNotExist();
    }

    @Test
    void theInputIsNeverTheOutput() throws Exception {
        Path same = Files.writeString(dir.resolve("same.tsv"), "id\ttext\n1\t좋아요\n");
        CliRun r = CliRun.run("", "score", "--model", CliRun.oracleClassifier().toString(), "--in", same.toString(),
                "--out", same.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--out " + same + " is the --in file").doesNotContain("delete it");
        assertThat(same).hasContent("id\ttext\n1\t좋아요\n");
    }

    @Test
    void aRunIntoAnOutputAnotherRunIsWritingIsRefused() throws Exception {
        Path in = Files.writeString(dir.resolve("in.tsv"), "id\ttext\n1\t좋아요\n");
        Path out = dir.resolve("scored.tsv");
        try (var held = dev.raccoon.train.run.OutputLock.acquire(out)) {
            CliRun r = CliRun.run("", "score", "--model", CliRun.oracleClassifier().toString(), "--in", in.toString(),
                    "--out", out.toString());
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.err()).contains("another raccoon run is writing " + out);
            assertThat(out).doesNotExist();
        }
        CliRun after = CliRun.run("", "score", "--model", CliRun.oracleClassifier().toString(), "--in", in.toString(),
                "--out", out.toString());
        assertThat(after.exitCode()).as(after.err()).isZero();
    }

    /** SIGTERM (or Ctrl-C) mid-run: the rows so far stay, and the run says so and how to go on. */
    @Test
    void anInterruptedRunSaysHowFarItGotAndResumes() throws Exception {
        StringBuilder rows = new StringBuilder("id\ttext\n");
        for (int i = 0; i < 20_000; i++) rows.append(i).append('\t').append("영화 ").append(i % 97).append(" 정말 재밌어요\n");
        Path in = Files.writeString(dir.resolve("many.tsv"), rows), out = dir.resolve("many-scored.tsv");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), "dev.raccoon.cli.Main",
                "score", "--model", CliRun.oracleClassifier().toString(), "--device", "scalar", "--threads", "1",
                "--batch-size", "1", "--chunk-rows", "50", "--in", in.toString(), "--out", out.toString());
        Path log = dir.resolve("score.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            for (long deadline = System.nanoTime() + 60_000_000_000L; System.nanoTime() < deadline && p.isAlive()
                    && (!Files.exists(out) || Files.size(out) < 5_000); ) Thread.sleep(20);
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        String printed = Files.readString(log);
        assertThat(printed).doesNotContain("\r"); // no bar outside a terminal
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("raccoon score: interrupted; " + java.util.regex.Pattern.quote(out.toString())
                + " holds (\\d+) of 20000 rows; run the same command again to go on from there").matcher(printed);
        assertThat(m.find()).as(printed).isTrue();
        assertThat(Long.parseLong(m.group(1))).isPositive().isLessThan(20_000);
        CliRun resumed = CliRun.run("", "score", "--model", CliRun.oracleClassifier().toString(), "--in", in.toString(),
                "--out", out.toString());
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(Files.readAllLines(out)).hasSize(20_001);
    }
}
