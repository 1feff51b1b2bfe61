package dev.raccoon.text;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;

/**
 * Splits text on added tokens the way the tokenizers crate's AddedVocabulary does: leftmost-longest matches, the
 * scan resuming after each match (also after a match dropped by single_word), lstrip/rstrip swallowing whitespace.
 * Immutable.
 */
final class AddedTokenMatcher {

    /** Receives the pieces of a split, in order, until it says it is done. */
    interface Sink {
        void text(CharSequence s, int from, int to);

        void token(int id);

        boolean done();
    }

    private final AddedToken[] tokens;
    /** What is searched for: the content, or its normalized form; longest first. */
    private final String[] patterns;
    private final BitSet firstChars = new BitSet();

    AddedTokenMatcher(List<AddedToken> addedTokens, BertNormalizer normalizerOrNull) {
        record Entry(AddedToken token, String pattern) {
        }
        List<Entry> entries = new ArrayList<>();
        for (AddedToken t : addedTokens) {
            String pattern = t.content();
            if (normalizerOrNull != null) {
                TextBuffer buf = new TextBuffer(pattern.length());
                normalizerOrNull.normalize(pattern, 0, pattern.length(), buf);
                pattern = buf.toString();
            }
            if (!pattern.isEmpty()) {
                entries.add(new Entry(t, pattern));
                firstChars.set(pattern.charAt(0));
            }
        }
        entries.sort(Comparator.comparingInt((Entry e) -> e.pattern().length()).reversed());
        tokens = entries.stream().map(Entry::token).toArray(AddedToken[]::new);
        patterns = entries.stream().map(Entry::pattern).toArray(String[]::new);
    }

    boolean isEmpty() {
        return tokens.length == 0;
    }

    /** Splits {@code s[from, to)}, which plays the role of the whole sentence for single_word and stripping. */
    void split(CharSequence s, int from, int to, Sink sink) {
        int startOffset = from;
        int pos = from;
        while (pos < to) {
            if (sink.done()) {
                return;
            }
            int matchStart = -1;
            int match = -1;
            for (int i = pos; i < to && match < 0; i++) {
                if (firstChars.get(s.charAt(i))) {
                    match = matchAt(s, i, to);
                    matchStart = i;
                }
            }
            if (match < 0) {
                break;
            }
            AddedToken token = tokens[match];
            int start = matchStart;
            int stop = matchStart + patterns[match].length();
            pos = stop;
            if (token.singleWord()
                    && ((start > from && BertNormalizer.isWordChar(Character.codePointBefore(s, start)))
                    || (stop < to && BertNormalizer.isWordChar(Character.codePointAt(s, stop))))) {
                continue;
            }
            if (token.lstrip()) {
                int newStart = start;
                while (newStart > from && BertNormalizer.isWhitespace(s.charAt(newStart - 1))) {
                    newStart--;
                }
                start = Math.max(newStart, startOffset);
            }
            if (token.rstrip()) {
                while (stop < to && BertNormalizer.isWhitespace(s.charAt(stop))) {
                    stop++;
                }
            }
            if (startOffset < start) {
                sink.text(s, startOffset, start);
            }
            sink.token(token.id());
            startOffset = stop;
        }
        if (startOffset < to && !sink.done()) {
            sink.text(s, startOffset, to);
        }
    }

    private int matchAt(CharSequence s, int at, int to) {
        for (int t = 0; t < patterns.length; t++) {
            String p = patterns[t];
            if (p.length() <= to - at && regionMatches(s, at, p)) {
                return t;
            }
        }
        return -1;
    }

    private static boolean regionMatches(CharSequence s, int at, String p) {
        for (int i = 0; i < p.length(); i++) {
            if (s.charAt(at + i) != p.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
