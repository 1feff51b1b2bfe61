package dev.raccoon.train;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.time.Duration;

/** The progress bar that fine-tuning and pretraining draw. */
public final class Progress {
    private Progress() {
    }

    /** A bar over {@code total} steps, {@code done} of them already done by an interrupted run. */
    public static ProgressBar bar(String task, int total, int done, PrintStream err) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(total).startsFrom(done, Duration.ZERO)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
                .setConsumer(new ConsoleProgressBarConsumer(err)).build();
    }
}
