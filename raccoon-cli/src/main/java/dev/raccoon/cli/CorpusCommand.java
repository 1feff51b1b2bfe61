package dev.raccoon.cli;

import dev.raccoon.text.WordPieceTokenizer;
import dev.raccoon.train.run.OutputLock;
import dev.raccoon.train.corpus.CorpusPipeline;
import dev.raccoon.train.corpus.SequenceShard;
import dev.raccoon.train.corpus.CorpusFiles;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "corpus", description = {
        "Builds pretraining data from corpus files (plain or .gz, one item a line).",
        "It normalises them (NFC, whitespace), drops short lines and duplicates, shuffles, "
                + "tokenises and packs [CLS] A [SEP] B [SEP] sequences as ELECTRA does, into the "
                + "binary sequence file FILE with a summary FILE.json. Prints the summary.",
        "As in ELECTRA, a line that overflows its sequence is cut there (tokens_cut counts what is lost); "
                + "a line longer than a sequence goes on into the next ones."})
final class CorpusCommand implements Callable<Integer> {
    @Option(names = "--corpus", paramLabel = "FILE", required = true, arity = "1..*", description = "Corpus files.")
    List<Path> corpus;

    @Mixin
    EncodingOption encoding;

    @Option(names = "--vocab", paramLabel = "DIR|FILE", required = true,
            description = "Tokenizer directory (vocab.txt, tokenizer_config.json), e.g. from raccoon vocab, or a bare vocab.txt (cased).")
    Path vocab;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "Sequence file to write.")
    Path out;

    @Option(names = "--seq-length", paramLabel = "N", defaultValue = "128",
            description = "Tokens a sequence, [CLS] and [SEP]s included (default: ${DEFAULT-VALUE}).")
    int seqLength;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed of the shuffle and the packing (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-lines", paramLabel = "N", description = "Read at most this many lines in all.")
    Long maxLines;

    @Option(names = "--min-chars", paramLabel = "N", defaultValue = "3",
            description = "Drop lines shorter than this many characters (default: ${DEFAULT-VALUE}).")
    int minChars;

    @Spec
    CommandSpec spec;

    @Option(names = "--no-progress", description = "No progress bars on stderr (none either when stderr is not a terminal).")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        CorpusPipeline.Options options;
        try {
            options = new CorpusPipeline.Options(seqLength, seed, maxLines == null ? Long.MAX_VALUE : maxLines, minChars);
        } catch (IllegalArgumentException e) {
            throw TrainingOptions.usage(spec, e.getMessage());
        }
        CorpusPipeline.Summary summary;
        // Two runs would each rename their sequence file and summary into place, and could leave one's beside the other's.
        try (var _ = OutputLock.acquire(out)) {
            requireReplaceableOutput();
            WordPieceTokenizer tokenizer = WordPieceTokenizer.loadVocabulary(vocab);
            summary = CorpusPipeline.run(new CorpusFiles(corpus, encoding.encoding), tokenizer, out, options,
                    ComputeOptions.bars(noProgress) ? System.err : null);
        }
        System.out.println(CorpusPipeline.JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(summary));
        return 0;
    }

    /**
     * --out names a file to write: not a directory, not an input, and nothing but an earlier sequence file is replaced,
     * nor anything but an earlier run's files beside it.
     */
    private void requireReplaceableOutput() throws IOException {
        if (Files.isDirectory(out))
            throw TrainingOptions.usage(spec, "--out " + out + " is a directory; it names the sequence file to write");
        CorpusPipeline.requireOwnSiblings(out);
        if (!Files.exists(out)) return;
        for (Path c : corpus)
            if (Files.exists(c) && Files.isSameFile(c, out))
                throw TrainingOptions.usage(spec, "--out " + out + " is one of the --corpus files; writing it would lose that text");
        if (!SequenceShard.looksLikeShard(out))
            throw new IllegalArgumentException("--out " + out + " exists and is no sequence file of raccoon corpus, so it is not"
                    + " replaced; choose another name or delete it");
    }
}
