package dev.raccoon.text;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One encoded input: {@code [CLS] A [SEP]} or {@code [CLS] A [SEP] B [SEP]}, as transformers returns it
 * (no padding). The arrays are fresh per encoding; callers may keep or modify them. Two encodings are equal when
 * their ids, token types and tokens are, at the time they are compared.
 *
 * @param inputIds     token ids
 * @param tokenTypeIds 0 for [CLS], A and its [SEP]; 1 for B and its [SEP]
 * @param tokens       the token strings of {@code inputIds} (unmodifiable)
 */
public record Encoding(int[] inputIds, int[] tokenTypeIds, List<String> tokens) {

    public Encoding {
        Objects.requireNonNull(inputIds, "inputIds");
        Objects.requireNonNull(tokenTypeIds, "tokenTypeIds");
        tokens = List.copyOf(tokens);
        if (tokenTypeIds.length != inputIds.length || tokens.size() != inputIds.length) {
            throw new IllegalArgumentException("lengths differ: " + inputIds.length + " ids, "
                    + tokenTypeIds.length + " token type ids, " + tokens.size() + " tokens");
        }
        if (inputIds.length == 0) throw new IllegalArgumentException("an encoding holds at least [CLS] and [SEP], not nothing");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Encoding e && Arrays.equals(inputIds, e.inputIds) && Arrays.equals(tokenTypeIds, e.tokenTypeIds)
                && tokens.equals(e.tokens);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(inputIds) + Arrays.hashCode(tokenTypeIds)) + tokens.hashCode();
    }

    @Override
    public String toString() {
        return "Encoding[inputIds=" + Arrays.toString(inputIds) + ", tokenTypeIds=" + Arrays.toString(tokenTypeIds)
                + ", tokens=" + tokens + "]";
    }

    public int length() {
        return inputIds.length;
    }
}
