package dev.raccoon.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** The {@code raccoon} command line. Exit codes: 0 success, 1 failure, 2 usage error. */
@Command(name = "raccoon", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, version = "raccoon 0.1.0",
        description = "ELECTRA sentiment analysis of Korean reviews, in pure Java.",
        subcommands = {PredictCommand.class, ScoreCommand.class, ServeCommand.class, EvalCommand.class, CompareCommand.class,
                CalibrateCommand.class, TrainCommand.class, DistillCommand.class, TuneCommand.class, NgramCommand.class,
                PretrainCommand.class, VocabCommand.class, CorpusCommand.class, ExportCommand.class, TokenizeCommand.class,
                LogitsCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces of errors.")
    static boolean verbose;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (verbose) e.printStackTrace(commandLine.getErr());
            commandLine.getErr().println("raccoon " + commandLine.getCommandName() + ": " + describe(e));
            return 1;
        });
        // A usage error is one line and a pointer to --help: the whole option list would bury the line that matters.
        cli.setParameterExceptionHandler((e, ignored) -> {
            CommandLine c = e.getCommandLine();
            PrintWriter err = c.getErr();
            boolean unknownCommand = c.getParent() == null && e instanceof CommandLine.UnmatchedArgumentException u
                    && !u.getUnmatched().isEmpty() && !u.getUnmatched().getFirst().startsWith("-");
            err.println(c.getCommandSpec().qualifiedName() + ": " + (unknownCommand
                    ? "unknown command '" + ((CommandLine.UnmatchedArgumentException) e).getUnmatched().getFirst() + "' (commands: "
                    + String.join(", ", c.getSubcommands().keySet()) + ")" : e.getMessage()));
            // A Korean review may well open with a dash ("-_- 별로"), which the parser takes for an option.
            if (e instanceof CommandLine.UnmatchedArgumentException u && !c.getCommandSpec().positionalParameters().isEmpty()
                    && !u.getUnmatched().isEmpty() && u.getUnmatched().getFirst().startsWith("-")
                    && !u.getUnmatched().getFirst().matches("--?[A-Za-z][A-Za-z0-9-]*(=.*)?"))
                err.println("A text that starts with '-' goes after '--', which ends the options: "
                        + c.getCommandSpec().qualifiedName() + " -- '" + u.getUnmatched().getFirst() + "'");
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err))
                err.println("See '" + c.getCommandSpec().qualifiedName() + " --help' for its options.");
            return c.getCommandSpec().exitCodeOnInvalidInput();
        });
        // picocli answers "raccoon foo --help" with the root help, as if foo were not there: say foo is no command
        if (args.length > 0 && !args[0].startsWith("-") && !cli.getSubcommands().containsKey(args[0])) {
            try {
                return cli.getParameterExceptionHandler().handleParseException(
                        new CommandLine.UnmatchedArgumentException(cli, java.util.List.of(args[0])), args);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) { // picocli hands its handler exceptions only
            if (verbose) e.printStackTrace();
            String command = args.length > 0 && cli.getSubcommands().containsKey(args[0]) ? " " + args[0] : "";
            System.err.println("raccoon" + command + ": " + describe(e));
            return 1;
        }
    }

    /** One readable sentence for an error; the message chain without Java class names. */
    static String describe(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) message = e.getClass().getSimpleName();
        if (e instanceof FileSystemException f && f.getFile() != null) message = f.getFile() + ": " + switch (f) {
            case NoSuchFileException x -> x.getReason() != null ? x.getReason() : "no such file or directory";
            case FileAlreadyExistsException x -> "already exists";
            case AccessDeniedException x -> "permission denied";
            case NotDirectoryException x -> "not a directory";
            case DirectoryNotEmptyException x -> "directory not empty";
            default -> f.getReason() != null ? f.getReason() : "cannot be used";
        } + (f.getOtherFile() != null ? " (" + f.getOtherFile() + ")" : "");
        if (e instanceof OutOfMemoryError) message = "out of memory (" + message + ") " + moreMemory(Runtime.getRuntime().maxMemory());
        return message;
    }

    /** Advice for a heap of {@code maxBytes} that was not enough: twice as much, in whole gigabytes, at least 2. */
    static String moreMemory(long maxBytes) {
        double gib = maxBytes / (double) (1L << 30);
        long twice = Math.max(2, (long) Math.ceil(2 * gib));
        String heap = gib < 1 ? String.format(java.util.Locale.ROOT, "%d MB", maxBytes >> 20) : String.format(java.util.Locale.ROOT, "%.1f GB", gib);
        return "with a " + heap + " heap; give Java more, e.g. RACCOON_JAVA_OPTS=-Xmx" + twice + "g";
    }
}
