package dev.raccoon.train.pretrain;

import dev.raccoon.train.report.Charts;
import dev.raccoon.train.report.TrainingLog;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The pretraining curves as one PNG: the losses on the left; in the middle the discriminator's replaced-token
 * accuracy against its base rate (always answering "original") and the generator's MLM accuracy; for ELECTRA, on
 * the right, what the discriminator knows beyond the base rate (StepStats.discInformation), the curve that shows
 * whether it learns at all.
 */
final class PretrainCurves {
    private static final int WIDTH = 560, HEIGHT = 420;

    static {
        // XChart draws with AWT; on a server without a display AWT must not look for one.
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    private PretrainCurves() {}

    static void write(Path logFile, Path png, Objective objective) throws IOException {
        TrainingLog log = TrainingLog.read(logFile);
        boolean electra = objective == Objective.ELECTRA;
        XYChart losses = chart("Losses", "loss", electra ? List.of("mlm_loss", "disc_loss") : List.of("mlm_loss"), log);
        XYChart accuracy = chart("Accuracy", "accuracy",
                electra ? List.of("disc_accuracy", "disc_base_rate", "mlm_accuracy") : List.of("mlm_accuracy"), log);
        List<XYChart> charts = electra
                ? List.of(losses, accuracy, chart("Discriminator information", "nats per token", List.of("disc_information"), log))
                : List.of(losses, accuracy);
        BufferedImage image = new BufferedImage(charts.size() * WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        for (int i = 0; i < charts.size(); i++) g.drawImage(BitmapEncoder.getBufferedImage(charts.get(i)), i * WIDTH, 0, null);
        g.dispose();
        Path tmp = png.resolveSibling("." + png.getFileName() + ".tmp");
        javax.imageio.ImageIO.write(image, "png", tmp.toFile());
        Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static XYChart chart(String title, String yAxis, List<String> fields, TrainingLog log) {
        XYChart chart = Charts.curves(log, title, yAxis, fields, WIDTH, HEIGHT);
        return chart != null ? chart : Charts.placeholder(title, yAxis, WIDTH, HEIGHT);
    }
}
