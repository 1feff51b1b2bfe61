package dev.raccoon.cli;

import dev.raccoon.api.Classifier;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The commands that read stdin (predict, logits, tokenize) answer each line before the next one arrives, so a tool
 * can drive them line by line; predict reports lines that do not decode and reads any encoding.
 */
class StdinCommandsTest {
    private static String label(String text) throws Exception {
        try (Classifier c = Classifier.load(CliRun.oracleClassifier())) {
            return c.classify(text).label();
        }
    }

    /**
     * Runs the CLI as its own process and writes {@code lines} one at a time, each only after the answer to the one
     * before has come; stdin stays open throughout, so a command that waited for more lines (or for the end) would
     * never answer. Returns the answers.
     */
    private static List<String> answersOneByOne(List<String> lines, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), "dev.raccoon.cli.Main"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        // Killing the process is what ends a read that waits for an answer that never comes, so it comes first.
        try {
            OutputStream in = p.getOutputStream();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            List<String> answers = new ArrayList<>();
            for (String line : lines) {
                in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return out.readLine();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).get(60, TimeUnit.SECONDS));
            }
            in.close();
            assertThat(out.readLine()).isNull();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
            return answers;
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void predictAnswersEachLineBeforeTheNextArrives() throws Exception {
        List<String> texts = List.of("영화 정말 재밌어요", "시간 아깝다");
        List<String> answers = answersOneByOne(texts, "predict", "--model", CliRun.oracleClassifier().toString(), "--device", "scalar");
        for (int i = 0; i < texts.size(); i++) assertThat(answers.get(i)).startsWith(label(texts.get(i))).endsWith(texts.get(i));
    }

    @Test
    void logitsAndTokenizeAnswerEachLineBeforeTheNextArrives() throws Exception {
        String model = CliRun.oracleClassifier().toString();
        List<String> lines = List.of("{\"text\": \"영화 정말 재밌어요\"}", "{\"text\": \"시간 아깝다\"}");
        assertThat(answersOneByOne(lines, "logits", "--model", model, "--device", "scalar")).allMatch(a -> a.startsWith("{\"logits\":["));
        assertThat(answersOneByOne(lines, "tokenize", "--model", model)).allMatch(a -> a.startsWith("{\"input_ids\":[2,"));
    }

    /** Lines that end in a lone \r (classic Mac programs, some exporters) are texts of their own, as \n ones are. */
    @Test
    void predictReadsCrOnlyLineEndsAsLineEnds() throws Exception {
        CliRun r = CliRun.run("영화 정말 재밌어요\r시간 아깝다\r\r별로\r\n좋아요", "predict", "--model", CliRun.oracleClassifier().toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> answers = r.out().lines().toList();
        List<String> texts = List.of("영화 정말 재밌어요", "시간 아깝다", "별로", "좋아요");
        assertThat(answers).hasSameSizeAs(texts);
        for (int i = 0; i < texts.size(); i++) assertThat(answers.get(i)).startsWith(label(texts.get(i))).endsWith("  " + texts.get(i));
    }

    /**
     * UTF-16 (Notepad's "Unicode") is named for what it is once, at its first line, not once a line with advice to pass
     * --encoding cp949; gzipped input is read gunzipped, as every data file is, and twice-gzipped input is named too.
     */
    @Test
    void predictNamesStdinThatIsNoTextOnceAndReadsGzip() throws Exception {
        String model = CliRun.oracleClassifier().toString();
        String reviews = "좋아요\n별로\n".repeat(50);
        ByteArrayOutputStream utf16 = new ByteArrayOutputStream();
        utf16.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xFE});
        utf16.writeBytes(reviews.getBytes(StandardCharsets.UTF_16LE));
        CliRun unicode = CliRun.run(utf16.toByteArray(), "predict", "--model", model);
        assertThat(unicode.exitCode()).isEqualTo(1);
        assertThat(unicode.out()).isEmpty();
        assertThat(unicode.err()).isEqualTo("raccoon predict: stdin is not valid UTF-8; it is UTF-16 (what Notepad calls Unicode):"
                + " save it as UTF-8\n");

        byte[] gzipped = gzip(reviews.getBytes(StandardCharsets.UTF_8));
        CliRun gz = CliRun.run(gzipped, "predict", "--model", model);
        assertThat(gz.exitCode()).as(gz.err()).isZero();
        assertThat(gz.out().lines().toList()).hasSize(100).first().asString().startsWith(label("좋아요")).endsWith("  좋아요");
        CliRun twice = CliRun.run(gzip(gzipped), "predict", "--model", model);
        assertThat(twice.exitCode()).isEqualTo(1);
        assertThat(twice.err()).isEqualTo("raccoon predict: stdin is not valid UTF-8; it is gzipped twice: gunzip it once\n");

        // Lines of another encoding are skipped one by one, the others answered; what to do is said with the first.
        CliRun cp949 = CliRun.run(reviews.getBytes(Charset.forName("x-windows-949")), "predict", "--model", model);
        assertThat(cp949.exitCode()).isEqualTo(1);
        assertThat(cp949.err().lines().toList()).hasSize(100).allMatch(l -> l.contains("is not valid UTF-8"));
        assertThat(cp949.err().split("--encoding cp949", -1)).hasSize(2);
    }

    private static byte[] gzip(byte[] data) throws java.io.IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(b)) {
            out.write(data);
        }
        return b.toByteArray();
    }

    @Test
    void aLineThatDoesNotDecodeIsReportedAndTheOthersAreAnswered() throws Exception {
        ByteArrayOutputStream stdin = new ByteArrayOutputStream();
        stdin.writeBytes("\uFEFF좋아요\n\n".getBytes(StandardCharsets.UTF_8));
        stdin.writeBytes(new byte[] {(byte) 0xff, (byte) 0xfe, '\n'});
        stdin.writeBytes("별로\r\n \u200b\n".getBytes(StandardCharsets.UTF_8));
        CliRun r = CliRun.run(stdin.toByteArray(), "predict", "--model", CliRun.oracleClassifier().toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out().lines().toList()).hasSize(2);
        assertThat(r.out().lines().toList().getFirst()).startsWith(label("좋아요")).endsWith("  좋아요");
        assertThat(r.out().lines().toList().getLast()).startsWith(label("별로")).endsWith("  별로");
        assertThat(r.err()).contains("line 3 is not valid UTF-8", "pass --encoding cp949", "skipped");

        Charset cp949 = Charset.forName("x-windows-949");
        CliRun excel = CliRun.run("똠방각하 재밌어요\n".getBytes(cp949), "predict", "--encoding", "cp949", "--model",
                CliRun.oracleClassifier().toString());
        assertThat(excel.exitCode()).as(excel.err()).isZero();
        assertThat(excel.out()).startsWith(label("똠방각하 재밌어요")).contains("똠방각하 재밌어요");
    }
}
