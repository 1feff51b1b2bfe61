package dev.raccoon.serve;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The web page in a real browser: headless Chromium opens {@code /?reviews=...}, the page's script classifies the
 * reviews with explanations, and the rendered DOM shows a label, a probability bar and highlighted tokens per
 * review. Skipped where Chromium is not installed (CI installs Debian's chromium). Set
 * {@code -Draccoon.screenshot=FILE.png} to keep a screenshot of the page.
 */
class ChromiumPageTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static SentimentServer server;
    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        assumeTrue(Files.isExecutable(CHROMIUM), "chromium is not installed");
        server = SentimentServer.start(Oracle.classifier(), Oracle.config());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    /** The last one has more tokens than the model reads. */
    private static final List<String> REVIEWS = List.of("영화 정말 재밌어요", "시간 아깝다 최악", "배우들 연기가 좋았어요",
            "정말 ".repeat(200) + "재밌어요");

    private String url() {
        return "http://127.0.0.1:" + server.port() + "/?reviews="
                + URLEncoder.encode(String.join("\n", REVIEWS), StandardCharsets.UTF_8);
    }

    @Test
    void pageClassifiesAndHighlightsReviews() throws Exception {
        String dom = chromium("--dump-dom", url());
        assertThat(dom).contains("data-state=\"done\"");
        Matcher results = Pattern.compile("<article class=\"result\" data-label=\"(LABEL_[01])\" data-probability=\"([0-9.eE-]+)\"").matcher(dom);
        List<String> labels = new ArrayList<>();
        while (results.find()) {
            labels.add(results.group(1));
            assertThat(Float.parseFloat(results.group(2))).isBetween(0.5f, 1f);
        }
        assertThat(labels).containsExactlyElementsOf(Oracle.classifier().classify(REVIEWS).stream().map(p -> p.label()).toList());
        assertThat(dom).contains("class=\"bar\"").contains("data-score=").contains("분석 완료");
        assertThat(dom).doesNotContain("class=\"result failed\"");
        assertThat(Pattern.compile("data-truncated=\"true\"").matcher(dom).results().count()).isEqualTo(1);
        assertThat(dom).contains("긴 리뷰: 앞부분과 끝부분 " + Oracle.classifier().maxLength() + "토큰만 읽고 판정했습니다.");

        String keep = System.getProperty("raccoon.screenshot");
        if (keep != null && !keep.isBlank()) {
            Path png = Path.of(keep).toAbsolutePath();
            chromium("--screenshot=" + png, "--window-size=900,700", url());
            assertThat(png).isNotEmptyFile();
        }
    }

    @Test
    void aBadLineFailsAloneUnderTheServersOwnLimits() throws Exception {
        // Five texts a request and 30 characters a text: the page learns both from /health, sends seven reviews in
        // two requests, and when the first is refused for line 4 it sends that chunk's lines one by one.
        ServeConfig tight = Oracle.config().withLimits(1 << 20, 5, 30);
        try (SentimentServer small = SentimentServer.start(Oracle.classifier(), tight)) {
            List<String> lines = new ArrayList<>(List.of("영화 정말 재밌어요", "시간 아깝다", "", "배우들 연기가 좋았어요"));
            lines.add(3, "너무 길어요 ".repeat(6));
            lines.addAll(List.of("최고", "별로", "그저 그랬다"));
            String url = "http://127.0.0.1:" + small.port() + "/?reviews=" + URLEncoder.encode(String.join("\n", lines), StandardCharsets.UTF_8);
            String dom = chromium("--dump-dom", url);
            assertThat(dom).contains("data-state=\"done\"").contains("1개 리뷰를 분석하지 못했습니다");
            Matcher failed = Pattern.compile("<article class=\"result failed\" data-line=\"(\\d+)\" data-error=\"([^\"]*)\"").matcher(dom);
            assertThat(failed.find()).isTrue();
            assertThat(failed.group(1)).isEqualTo("4");
            assertThat(failed.group(2)).isEqualTo("the review has 41 characters; at most 30 are allowed");
            assertThat(failed.find()).isFalse();
            assertThat(Pattern.compile("<article class=\"result\" data-label=").matcher(dom).results().count()).isEqualTo(6);
        }
    }

    /** Runs headless Chromium with a virtual-time budget, so the page's fetches finish before it dumps or shoots. */
    private String chromium(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--disable-extensions", "--user-data-dir=" + dir.resolve("profile"),
                "--virtual-time-budget=15000", "--lang=ko-KR"));
        command.addAll(List.of(args));
        Path out = dir.resolve("chromium.out"), err = dir.resolve("chromium.err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 90 s: " + Files.readString(err));
        }
        assertThat(p.exitValue()).as(Files.readString(err)).isZero();
        return Files.readString(out);
    }
}
