package dev.raccoon.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A command line to suggest after this one: the options the user gave here that the other command takes too, as
 * typed, so that a suggestion reads the data (encoding, columns, length) as this run did.
 */
final class SuggestedCommand {
    private static final Pattern PLAIN = Pattern.compile("[\\w@%+=:,./-]+");

    private SuggestedCommand() {}

    /**
     * {@code raccoon COMMAND FIRST... OPTIONS...}: {@code first} as given, then every option matched on
     * {@code given}'s command line that {@code command} also has, but for those named in {@code leaveOut}.
     */
    static String of(CommandSpec given, String command, List<String> first, Set<String> leaveOut) {
        CommandSpec suggested = given.root().subcommands().get(command).getCommandSpec();
        List<String> words = new ArrayList<>(List.of("raccoon", command));
        words.addAll(first);
        for (OptionSpec option : given.commandLine().getParseResult().matchedOptions()) {
            String name = option.longestName();
            if (leaveOut.contains(name) || suggested.findOption(name) == null) continue;
            if (option.arity().max() == 0) {
                words.add(name);
                continue;
            }
            for (String value : option.originalStringValues()) {
                words.add(name);
                words.add(value);
            }
        }
        return String.join(" ", words.stream().map(SuggestedCommand::quoted).toList());
    }

    /** A word as a POSIX shell reads it back. */
    static String quoted(String word) {
        return PLAIN.matcher(word).matches() ? word : "'" + word.replace("'", "'\\''") + "'";
    }
}
