package dev.raccoon.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raccoon.text.Encoding;
import dev.raccoon.text.Truncation;
import dev.raccoon.text.WordPieceTokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedInputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "tokenize", description = {
        "Tokenizes JSON lines from stdin as BertTokenizerFast does (text composed to NFC first, as BertTokenizer does).",
        "Reads {\"text\": ..., \"text_pair\": ...} and writes {\"input_ids\": [...], \"token_type_ids\": [...]} per line.",
        "A bad line gets {\"error\": ...} in its place (and a message on stderr); the exit code is then 1."})
final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    static final class Source {
        @Option(names = "--model", paramLabel = "DIR", description = "Model directory with vocab.txt and tokenizer_config.json, or transformers 5's tokenizer.json.")
        Path model;

        @Option(names = "--vocab", paramLabel = "FILE", description = "A WordPiece vocab.txt.")
        Path vocab;
    }

    @ArgGroup(multiplicity = "1")
    Source source;

    @Option(names = "--lower-case", description = "Lower-case and strip accents (with --vocab only).")
    boolean lowerCase;

    @Option(names = "--max-length", defaultValue = "128", description = "Truncate to this many tokens (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--truncation", paramLabel = "HOW", defaultValue = "head",
            description = "Which tokens of a longer text are kept: head (its start, as transformers; the default) or "
                    + "head-tail (its first quarter and its end, what predict, score and serve read by default).")
    String truncation;

    @Override
    public Integer call() throws Exception {
        if (maxLength < 3) throw TrainingOptions.usage(spec, "--max-length must be at least 3, got " + maxLength);
        if (lowerCase && source.model != null)
            throw TrainingOptions.usage(spec, "--lower-case goes with --vocab; a --model directory's tokenizer_config.json says whether it lower-cases");
        Truncation cut;
        try {
            cut = Truncation.of(truncation);
        } catch (IllegalArgumentException e) {
            throw TrainingOptions.usage(spec, e.getMessage());
        }
        WordPieceTokenizer tokenizer = source.model != null
                ? WordPieceTokenizer.load(source.model)
                : WordPieceTokenizer.fromVocab(source.vocab, lowerCase);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        JsonLines in = new JsonLines(new BufferedInputStream(System.in));
        int errors = 0;
        for (JsonLines.Line line = in.next(); line != null; line = in.next()) {
            ObjectNode result = JsonLines.JSON.createObjectNode();
            if (line.error() != null) {
                errors++;
                System.err.println("raccoon tokenize: " + line.error());
                result.put("error", line.error());
            } else {
                Encoding e = tokenizer.encode(line.text(), line.textPair(), maxLength, cut);
                var ids = result.putArray("input_ids");
                for (int id : e.inputIds()) ids.add(id);
                var types = result.putArray("token_type_ids");
                for (int t : e.tokenTypeIds()) types.add(t);
            }
            out.println(JsonLines.JSON.writeValueAsString(result));
            if (!in.ready()) out.flush(); // a tool that writes a line and waits gets its answer
        }
        out.flush();
        return errors == 0 ? 0 : 1;
    }
}
