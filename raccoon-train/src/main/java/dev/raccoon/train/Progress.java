package dev.raccoon.train;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * How fine-tuning and pretraining report progress: a bar on a terminal, or under {@code --no-progress} a plain line
 * at each dev evaluation or checkpoint, which reads well in a log file (a bar there is one endless line).
 */
public final class Progress {
    private Progress() {
    }

    /** A bar over {@code total} steps, {@code done} of them already done by an interrupted run. */
    public static ProgressBar bar(String task, int total, int done, PrintStream err) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(total).startsFrom(done, Duration.ZERO)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
                .setConsumer(new ConsoleProgressBarConsumer(err)).build();
    }

    /**
     * The plain line: {@code task step/total · measures · elapsed, time left}, the time left extrapolated from the
     * {@code stepsTimed} steps this process has run in {@code secondsTimed}.
     */
    public static String line(String task, int step, int total, int stepsTimed, double secondsTimed, String measures) {
        String left = stepsTimed == 0 ? "" : ", about " + duration((total - step) * secondsTimed / stepsTimed) + " left";
        return String.format(Locale.ROOT, "%s step %d/%d · %s · %s%s", task, step, total, measures, duration(secondsTimed), left);
    }

    /** 1h02m03s, 4m05s or 6.0s. */
    public static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : String.format(Locale.ROOT, "%.1fs", seconds);
    }
}
