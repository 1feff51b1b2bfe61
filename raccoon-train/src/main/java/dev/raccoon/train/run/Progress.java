package dev.raccoon.train.run;

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
     * The steps this process runs, timed: the first carries one-time costs (compiling the code paths, the first
     * evaluation's and checkpoint's warm-up) that would make a short run's or a resumed run's time left look many times
     * too long, so the pace is taken from the steps after it.
     */
    public static final class Pace {
        private final long started = System.nanoTime();
        private long firstDone, lastDone;
        private int steps;

        /** Marks the end of a step. */
        public void step() {
            lastDone = System.nanoTime();
            if (steps++ == 0) firstDone = lastDone;
        }

        /** Seconds since this process started its steps. */
        public double elapsedSeconds() {
            return (System.nanoTime() - started) / 1e9;
        }

        /** Seconds the {@code remaining} steps should take at the pace after the first, or NaN before a second step. */
        public double secondsFor(int remaining) {
            return steps < 2 ? Double.NaN : remaining * (lastDone - firstDone) / 1e9 / (steps - 1);
        }
    }

    /** The plain line: {@code task step/total · measures · elapsed, time left} ({@link Pace}). */
    public static String line(String task, int step, int total, Pace pace, String measures) {
        return line(task, step, total, pace.elapsedSeconds(), pace.secondsFor(total - step), measures);
    }

    static String line(String task, int step, int total, double elapsed, double left, String measures) {
        return String.format(Locale.ROOT, "%s step %d/%d · %s · %s%s", task, step, total, measures, duration(elapsed),
                Double.isNaN(left) ? "" : ", about " + duration(left) + " left");
    }

    /** 1h02m03s, 4m05s or 6.0s. */
    public static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : String.format(Locale.ROOT, "%.1fs", seconds);
    }
}
