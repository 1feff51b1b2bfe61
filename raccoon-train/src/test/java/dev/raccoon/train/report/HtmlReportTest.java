package dev.raccoon.train.report;

import dev.raccoon.train.metrics.ClassificationMetrics;
import dev.raccoon.train.metrics.Mistakes;
import dev.raccoon.train.metrics.RegressionMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class HtmlReportTest {
    @TempDir
    Path dir;

    private static void assertPng(Path file) throws IOException {
        assertThat(file).exists();
        BufferedImage image = ImageIO.read(file.toFile());
        assertThat(image).as(file + " decodes").isNotNull();
        assertThat(image.getWidth()).isEqualTo(640);
        assertThat(image.getHeight()).isEqualTo(480);
    }

    private Path trainingLog() throws IOException {
        StringBuilder log = new StringBuilder();
        for (int step = 10; step <= 300; step += 10) {
            log.append(String.format(java.util.Locale.ROOT, "{\"step\": %d, \"epoch\": %.2f, \"loss\": %.4f, \"lr\": %.3e}%n",
                    step, step / 100.0, 0.7 * Math.exp(-step / 120.0) + 0.2, 5e-5 * Math.min(1, step / 50.0) * (1 - step / 330.0)));
            if (step % 100 == 0) log.append(String.format(java.util.Locale.ROOT, "{\"step\": %d, \"dev_accuracy\": %.3f, \"dev_macro_f1\": %.3f}%n",
                    step, 0.7 + step / 2000.0, 0.69 + step / 2000.0));
        }
        log.append("{\"epoch\": 3}\nnot json, the writer was interrupted\n");
        return Files.writeString(dir.resolve("train.jsonl"), log);
    }

    @Test
    void classificationReportWithTrainingCurves() throws IOException {
        ClassificationMetrics m = new ClassificationMetrics(List.of("negative", "positive"));
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 2000; i++) {
            int gold = i % 2;
            double p = Math.clamp(0.5 + (gold == 1 ? 0.2 : -0.2) + random.nextGaussian() * 0.25, 0, 1);
            m.add(gold, new float[] {(float) (1 - p), (float) p});
        }
        Path out = dir.resolve("report");
        Path index = HtmlReport.write(out, "NSMC dev <model>", m, null, TrainingLog.read(trainingLog()));

        assertThat(index).isEqualTo(out.resolve("index.html"));
        String html = Files.readString(index);
        assertThat(html).contains("<title>NSMC dev &lt;model&gt;</title>").contains("ROC-AUC").contains("macro-F1")
                .contains("Training log: 34 entries, 1 unreadable lines ignored (line 35)")
                .contains("expected calibration error").contains("Brier score")
                .contains("<tr><td class=\"n\">0.50</td><td class=\"n\">2,000</td><td class=\"n\">100.0%</td>");
        for (String png : List.of("confusion_matrix.png", "roc.png", "reliability.png", "accuracy_coverage.png", "loss.png",
                "learning_rate.png", "dev_metrics.png")) {
            assertThat(html).contains("<img src=\"" + png + "\"");
            assertPng(out.resolve(png));
        }
        assertThat(out.resolve("index.html.tmp")).doesNotExist();
        // eval --report replaces a directory of these names only: every file a report writes must be one of them.
        try (var files = Files.list(out)) {
            assertThat(files.map(f -> f.getFileName().toString())).allMatch(HtmlReport::isReportFile);
        }
    }

    @Test
    void listsTheMostConfidentMistakesEscaped() throws IOException {
        ClassificationMetrics m = new ClassificationMetrics(List.of("negative", "positive"));
        Mistakes wrong = new Mistakes(m.labels());
        for (int i = 0; i < 30; i++) {
            m.add(i % 2, new float[] {0.3f, 0.7f});
            wrong.add(i + 2, "리뷰 <" + i + ">", null, i % 2, 1, 0.5f + i / 100f);
        }
        String html = Files.readString(HtmlReport.write(dir.resolve("mistakes"), "t", m, null, null, wrong, null));
        assertThat(html).contains("The most confident mistakes (15 of 15)")
                .contains("<tr><td class=\"n\">30</td><td>리뷰 &lt;28&gt;</td><td>negative</td><td>positive</td><td class=\"n\">0.7800</td></tr>")
                .doesNotContain("리뷰 <");
        assertThat(html.indexOf("리뷰 &lt;28&gt;")).isLessThan(html.indexOf("리뷰 &lt;26&gt;"));
        assertThat(Files.readString(HtmlReport.write(dir.resolve("none"), "t", m, null, null))).doesNotContain("mistakes");
    }

    /** A report of a model's evaluation says how it read the texts, from what metrics.json records of that. */
    @Test
    void saysHowTheModelReadTheData() throws IOException {
        ClassificationMetrics m = new ClassificationMetrics(List.of("negative", "positive"));
        m.add(1, new float[] {0.3f, 0.7f});
        com.fasterxml.jackson.databind.node.ObjectNode record = HtmlReport.json(m, null).put("max_length", 32)
                .put("truncation", "head").put("rows_truncated", 1380).put("compute_precision", "bf16");
        String html = Files.readString(HtmlReport.write(dir.resolve("read"), "t", m, null, null, null, record));
        assertThat(html).contains("<p>The model read up to 32 tokens of a text (--max-length); of a longer one the beginning"
                + " (--truncation head): 1,380 rows were longer. It computed in bf16.</p>");
        assertThat(Files.readString(HtmlReport.write(dir.resolve("baseline"), "t", m, null, null))).doesNotContain("model read");
    }

    /** The lexicon baseline's scores are no probabilities: its report has no calibration section or charts. */
    @Test
    void scoresWithoutProbabilitiesGetNoCalibration() throws IOException {
        ClassificationMetrics m = new ClassificationMetrics(List.of("negative", "positive"));
        m.add(0, 0, -2.0);
        m.add(1, 1, 3.0);
        Path out = dir.resolve("lexicon");
        String html = Files.readString(HtmlReport.write(out, "lexicon", m, null, null));
        assertThat(html).contains("<img src=\"roc.png\"").doesNotContain("calibration").doesNotContain("reliability.png")
                .doesNotContain("accuracy_coverage.png");
        assertThat(out.resolve("reliability.png")).doesNotExist();
    }

    @Test
    void saysWhichFiguresTheRowsLeaveUndefined() throws IOException {
        ClassificationMetrics m = new ClassificationMetrics(List.of("negative", "positive"));
        m.add(1, 1, 0.9);
        m.add(1, 1, 0.8);
        String html = Files.readString(HtmlReport.write(dir.resolve("one-class"), "one class", m, null, null));
        assertThat(html).contains("<p>ROC-AUC is undefined: every row's label is 'positive'</p>")
                .contains("precision and recall of 'negative' are 0/0").doesNotContain("roc.png");
    }

    @Test
    void regressionReportHasAScatterPlotAndNoRoc() throws IOException {
        RegressionMetrics m = new RegressionMetrics();
        SplittableRandom random = new SplittableRandom(9);
        for (int i = 0; i < 300; i++) {
            double gold = random.nextDouble() * 5;
            m.add(gold + random.nextGaussian() * 0.7, gold);
        }
        String html = Files.readString(HtmlReport.write(dir, "KorSTS dev", m, null, null));
        assertThat(html).contains("Pearson").contains("Spearman").contains("<img src=\"predictions.png\"").doesNotContain("roc.png")
                .doesNotContain("reliability.png");
        assertPng(dir.resolve("predictions.png"));
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).allMatch(HtmlReport::isReportFile);
        }
    }

    @Test
    void trainingLogToleratesMissingFields() throws IOException {
        TrainingLog log = TrainingLog.read(trainingLog());
        assertThat(log.badLines()).containsExactly(35); // 30 steps and 3 dev lines, then {"epoch": 3}, then the cut line
        assertThat(TrainingLog.lineList(log.badLines())).isEqualTo("line 35");
        assertThat(TrainingLog.lineList(java.util.stream.IntStream.rangeClosed(1, 12).boxed().toList()))
                .isEqualTo("lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, … (12 in all)");
        assertThat(log.fields()).containsExactly("epoch", "loss", "lr", "dev_accuracy", "dev_macro_f1");
        double[][] dev = log.series("dev_accuracy");
        assertThat(dev[0]).containsExactly(100, 200, 300);
        assertThat(log.series("loss")[0]).hasSize(30);
        // The entry without a step sits at its line number.
        assertThat(log.entries().getLast().step()).isEqualTo(34);
    }
}
