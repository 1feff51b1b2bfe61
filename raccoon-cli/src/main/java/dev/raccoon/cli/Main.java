package dev.raccoon.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code raccoon} command line. Exit codes: 0 success, 1 failure, 2 usage error. */
@Command(name = "raccoon", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, version = "raccoon 0.1.0",
        description = "ELECTRA sentiment analysis of Korean reviews, in pure Java.",
        subcommands = {TokenizeCommand.class, ExportCommand.class, LogitsCommand.class, PredictCommand.class, EvalCommand.class, BenchCommand.class,
                TrainCommand.class, DistillCommand.class, NgramCommand.class, TuneCommand.class, PretrainCommand.class, ServeCommand.class, ScoreCommand.class, VocabCommand.class, CorpusCommand.class, CommandLine.HelpCommand.class})
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
        return cli.execute(args);
    }

    /** One readable sentence for an error; the message chain without Java class names. */
    static String describe(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) message = e.getClass().getSimpleName();
        if (e instanceof java.nio.file.NoSuchFileException) message = message + ": no such file";
        if (e instanceof OutOfMemoryError) message = "out of memory (" + message + "); give Java more with RACCOON_JAVA_OPTS=-Xmx8g";
        return message;
    }
}
