package dev.raccoon.cli;

import dev.raccoon.api.Classifier;
import dev.raccoon.serve.BatchScorer;
import dev.raccoon.serve.TableFormat;
import dev.raccoon.serve.ScoreNotes;
import dev.raccoon.text.Truncation;
import dev.raccoon.train.run.InterruptNotice;
import dev.raccoon.train.run.OutputLock;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

@Command(name = "score", description = {"Scores a table of texts: every input row, in order, plus label, probability, "
        + "prob_<label> per label, truncated and error (prefixed pred_ when the input has such a column).",
        "A row without a usable text keeps its place with an empty label and the reason in error; one that does not "
                + "fit the header (a stray quote, too many fields) comes back whole in the first column, and a JSONL line "
                + "that is no JSON object under \"input\".",
        "The output is UTF-8; a TSV or CSV that came from Excel (CP949, or UTF-8 with a byte-order mark) goes back with a"
                + " byte-order mark, so that Excel opens its Hangul intact.",
        "Resumable: run the same command again after an interruption and it continues where it stopped."})
final class ScoreCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Spec
    CommandSpec spec;

    @Mixin
    TaskOption taskOption;

    @Mixin
    EncodingOption encoding;

    @Option(names = "--in", paramLabel = "FILE", required = true, description = "Input table (.tsv/.txt, .csv, .jsonl; gzipped too).")
    Path in;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "Output table, in the input's format.")
    Path out;

    @Option(names = "--format", description = "tsv, csv or jsonl, for both files (default: from the file extensions).")
    String format;

    @Option(names = "--text-column", paramLabel = "NAME",
            description = "Column (or JSON field) with the text (default: the first of text, document, review, sentence, sentence1, comments, content; JSONL: that each object has).")
    String textColumn;

    @Option(names = "--chunk-rows", defaultValue = "512", description = "Rows classified and written at a time (default: ${DEFAULT-VALUE}).")
    int chunkRows;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(out) && Files.exists(in) && Files.isSameFile(in, out))
            throw TrainingOptions.usage(spec, "--out " + out + " is the --in file; the scores go to a file of their own");
        if (TableFormat.gzipped(out))
            throw TrainingOptions.usage(spec, "--out " + out + ": the scores are written as plain text, which a rerun resumes by"
                    + " appending to; name it without .gz (and gzip it once it is complete)");
        TableFormat tableFormat = resolveFormat();
        long total = BatchScorer.countRows(in, tableFormat);
        BatchScorer.Summary summary;
        int tokensRead;
        Truncation truncation;
        // A bar only on a terminal: in a log or a pipe its carriage returns make one endless line.
        RowsProgress progress = new RowsProgress(total, ComputeOptions.bars(false));
        try (var _ = OutputLock.acquire(out); // two runs appending to one file would each write every row
             InterruptNotice onInterrupt = InterruptNotice.install("score-interrupted", () -> System.err.printf(Locale.ROOT,
                "%nraccoon score: interrupted; %s holds %d of %d rows; run the same command again to go on from there%n",
                out, progress.inOutput(), total));
             Classifier classifier = modelOptions.load(spec, taskOption.task);
             progress) {
            tokensRead = classifier.maxLength();
            truncation = classifier.truncation();
            summary = new BatchScorer(classifier).score(new BatchScorer.Job(in, out, tableFormat, textColumn, chunkRows, encoding.encoding),
                    progress);
        }
        System.err.printf("raccoon score: %s: %s scored, %d without a usable text%s%n", out, ScoreNotes.rows(summary.scored()),
                summary.failed(), summary.resumed() == 0 ? ""
                        : " (resumed after " + ScoreNotes.rows(summary.resumed()) + ", " + summary.resumedFailed() + " of them with an error)");
        LabelledDataOptions.noteTruncated("score", summary.truncated(), tokensRead, truncation, "truncated is true in their rows");
        long failed = summary.failed() + summary.resumedFailed();
        if (failed > 0) {
            System.err.println("raccoon score: " + ScoreNotes.notScored(failed)
                    + (summary.resumedFailed() > 0 ? " (to score them again, delete " + out + " and rerun)" : ""));
            if (summary.undecodable() > 0)
                System.err.println("raccoon score: " + ScoreNotes.undecodable(summary.undecodable(), encoding.encoding));
            return 1;
        }
        return 0;
    }

    /** The table format; one that options or extensions leave unclear is a usage error. */
    private TableFormat resolveFormat() {
        if (format != null) {
            try {
                return TableFormat.parse(format);
            } catch (IllegalArgumentException e) {
                throw TrainingOptions.usage(spec, "--format: " + e.getMessage());
            }
        }
        TableFormat byIn = TableFormat.byExtension(in), byOut = TableFormat.byExtension(out);
        if (byIn != null && byOut != null && byIn != byOut)
            throw TrainingOptions.usage(spec, in + " is " + byIn + " but " + out + " is " + byOut
                    + "; the output keeps the input's format (name it with --format)");
        TableFormat f = byIn != null ? byIn : byOut;
        if (f == null) throw TrainingOptions.usage(spec, "cannot tell the format of " + in + " from its extension; pass --format tsv|csv|jsonl");
        return f;
    }

    /**
     * The rows in the output, resumed ones included, and the bar, begun once the rows a resumed run kept are known:
     * started from them, it times only this run's rows, so its speed and ETA are not those of rows skipped in no time.
     */
    private static final class RowsProgress implements BatchScorer.Progress, AutoCloseable {
        private final long total;
        private final boolean shown;
        private final AtomicLong inOutput = new AtomicLong(); // read by the interrupt notice's thread
        private ProgressBar bar;

        RowsProgress(long total, boolean shown) {
            this.total = total;
            this.shown = shown;
        }

        long inOutput() {
            return inOutput.get();
        }

        @Override
        public void resumed(long rows) {
            inOutput.set(rows);
            if (shown) bar = new ProgressBarBuilder().setTaskName("score").setInitialMax(total).setUnit(" rows", 1)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).showSpeed()
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).startsFrom(rows, Duration.ZERO).build();
        }

        @Override
        public void written(long rows) {
            inOutput.addAndGet(rows);
            if (bar != null) bar.stepBy(rows);
        }

        @Override
        public void close() {
            if (bar != null) bar.close();
        }
    }
}
