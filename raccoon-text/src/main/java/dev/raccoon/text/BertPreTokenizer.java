package dev.raccoon.text;

/**
 * BertPreTokenizer of the tokenizers crate, over text that {@link BertNormalizer} has produced: whitespace
 * separates words and is dropped; each punctuation character is a word of its own.
 */
final class BertPreTokenizer {

    /** Receives the words of a text in order, and may stop the split early. */
    interface WordSink {
        void word(char[] text, int from, int to);

        default boolean done() {
            return false;
        }
    }

    private BertPreTokenizer() {
    }

    static void split(char[] text, int from, int to, WordSink sink) {
        int wordStart = -1;
        for (int i = from; i < to && !sink.done(); ) {
            char c = text[i];
            int cp = c;
            if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text[i + 1])) {
                cp = Character.toCodePoint(c, text[i + 1]);
            }
            int next = i + Character.charCount(cp);
            if (BertNormalizer.isHangulSyllable(cp)) { // the bulk of Korean text: skip the category look-ups
                if (wordStart < 0) {
                    wordStart = i;
                }
            } else if (BertNormalizer.isWhitespace(cp)) {
                if (wordStart >= 0) {
                    sink.word(text, wordStart, i);
                    wordStart = -1;
                }
            } else if (BertNormalizer.isPunctuation(cp)) {
                if (wordStart >= 0) {
                    sink.word(text, wordStart, i);
                    wordStart = -1;
                }
                if (!sink.done()) {
                    sink.word(text, i, next);
                }
            } else if (wordStart < 0) {
                wordStart = i;
            }
            i = next;
        }
        if (wordStart >= 0 && !sink.done()) {
            sink.word(text, wordStart, to);
        }
    }
}
