package dev.raccoon.cli;

import dev.raccoon.text.TextEncodings;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/** The character encoding of the input: shared by the commands that read labelled data, tables, corpora or stdin lines. */
final class EncodingOption {
    static final class Converter implements CommandLine.ITypeConverter<Charset> {
        @Override
        public Charset convert(String value) {
            try {
                return TextEncodings.named(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @Option(names = "--encoding", paramLabel = "NAME", converter = Converter.class,
            description = "Character encoding of the input (files, or predict's stdin): UTF-8 (default), CP949 (what Excel on Korean"
                    + " Windows saves) or EUC-KR; output is UTF-8.")
    Charset encoding = StandardCharsets.UTF_8;
}
