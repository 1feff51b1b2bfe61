package dev.raccoon.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.text.WordPieceTokenizer;
import dev.raccoon.text.WordPieceTrainer;
import dev.raccoon.train.run.AtomicDirectory;
import dev.raccoon.train.corpus.CorpusFiles;
import dev.raccoon.train.corpus.WordCounting;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "vocab", description = {
        "Learns a WordPiece vocabulary from corpus files (plain or .gz, one item a line).",
        "It trains as Hugging Face's BertWordPieceTokenizer trainer does, without lowercasing, and "
                + "writes vocab.txt and tokenizer_config.json into DIR. Prints a JSON summary."})
final class VocabCommand implements Callable<Integer> {
    @Option(names = "--corpus", paramLabel = "FILE", required = true, arity = "1..*", description = "Corpus files.")
    List<Path> corpus;

    @Mixin
    EncodingOption encoding;

    @Option(names = "--size", paramLabel = "N", required = true, description = "Vocabulary size, special tokens included.")
    int size;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Directory to write the vocabulary into.")
    Path out;

    @Option(names = "--min-frequency", paramLabel = "N", defaultValue = "2",
            description = "Fewest occurrences of a pair to merge it (default: ${DEFAULT-VALUE}).")
    int minFrequency;

    @Option(names = "--limit-alphabet", paramLabel = "N", defaultValue = "1000",
            description = "Keep at most this many initial characters, the most frequent (default: ${DEFAULT-VALUE}, as Hugging Face; "
                    + "words with any other character become [UNK], so Korean wants about 4000).")
    int limitAlphabet;

    @Option(names = "--max-words", paramLabel = "N", defaultValue = "8000000",
            description = "Distinct words held before the rarest are pruned (default: ${DEFAULT-VALUE}).")
    int maxWords;

    @Option(names = "--morphemes",
            description = "Learn along morpheme boundaries found by Lucene's Nori; the vocabulary still tokenizes plain text.")
    boolean morphemes;

    @Option(names = "--max-lines", paramLabel = "N", description = "Read at most this many lines in all.")
    Long maxLines;

    @Spec
    CommandSpec spec;

    @Option(names = "--no-progress", description = "No progress bars on stderr (none either when stderr is not a terminal).")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        WordPieceTrainer.Options options;
        try {
            options = new WordPieceTrainer.Options(size, minFrequency, limitAlphabet, maxWords);
        } catch (IllegalArgumentException e) {
            throw TrainingOptions.usage(spec, e.getMessage());
        }
        if (maxLines != null && maxLines < 1) throw TrainingOptions.usage(spec, "--max-lines must be positive");
        TrainingOptions.requireOutputDirectory(spec, out, "--out");
        AtomicDirectory.checkReplaceable(out, SUMMARY_FILE, OWN_FILES::contains);
        long started = System.nanoTime();
        WordCounting.Result counted;
        CorpusFiles files = new CorpusFiles(corpus, encoding.encoding);
        try (ProgressBar bar = bar("vocab: count words", files.size()).setUnit(" MiB", 1 << 20).build()) {
            counted = WordCounting.count(files, maxLines == null ? Long.MAX_VALUE : maxLines, options, morphemes,
                    Runtime.getRuntime().availableProcessors(), bar::stepTo);
        }
        WordPieceTrainer trainer = counted.trainer();
        double countSeconds = (System.nanoTime() - started) / 1e9;
        List<String> vocab;
        try (ProgressBar bar = bar("vocab: merge", size).build()) {
            vocab = trainer.train(bar::stepTo);
        }
        if (trainer.summary().distinct() == 0)
            throw new IOException("no words in " + files + " (" + counted.lines() + " lines read); nothing was written");
        WordPieceTrainer.Summary s = trainer.summary();
        if (vocab.size() > size)
            throw TrainingOptions.usage(spec, "the alphabet (" + s.alphabet() + " characters, and their ## forms) already makes "
                    + vocab.size() + " tokens, more than --size " + size + ": give a larger --size or a smaller --limit-alphabet;"
                    + " nothing was written");
        ObjectNode json = JsonLines.JSON.createObjectNode()
                .put("out", out.toString())
                .put("vocab_size", vocab.size())
                .put("morphemes", morphemes)
                .put("lines", counted.lines())
                .put("words", s.words())
                .put("distinct_words", s.distinct())
                .put("pruned_words", s.pruned())
                .put("long_words_skipped", s.longSkipped())
                .put("alphabet", s.alphabet())
                .put("merges", s.merges())
                .put("count_seconds", Math.round(countSeconds * 10) / 10.0)
                .put("seconds", Math.round((System.nanoTime() - started) / 1e8) / 10.0);
        AtomicDirectory.replace(out, SUMMARY_FILE, OWN_FILES::contains, dir -> {
            WordPieceTrainer.save(vocab, dir);
            JsonLines.JSON.writeValue(dir.resolve(SUMMARY_FILE).toFile(), json);
        });
        System.out.println(JsonLines.JSON.writeValueAsString(json));
        if (vocab.size() < size) {
            System.err.println("raccoon vocab: no pair occurs " + Math.max(1, minFrequency) + " times any more, so the vocabulary has "
                    + vocab.size() + " tokens, not " + size);
        }
        return 0;
    }

    /**
     * What the vocabulary was learned from and how, beside it; it marks the directory as this command's, so that a
     * rerun replaces it while a model's or a user's vocab.txt is never written over.
     */
    static final String SUMMARY_FILE = "vocab_summary.json";
    private static final Set<String> OWN_FILES = Set.of(WordPieceTokenizer.VOCAB_FILE_NAME, WordPieceTokenizer.CONFIG_FILE_NAME, SUMMARY_FILE);

    private ProgressBarBuilder bar(String task, long max) {
        PrintStream to = ComputeOptions.bars(noProgress) ? System.err : new PrintStream(OutputStream.nullOutputStream());
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500).setConsumer(new ConsoleProgressBarConsumer(to));
    }
}
