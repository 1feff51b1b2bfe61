package dev.raccoon.text;

import java.util.Arrays;

/** A growable char array that exposes its storage, so the tokenizer can scan it without copies. Not thread-safe. */
final class TextBuffer implements CharSequence {

    private char[] chars;
    private int length;

    TextBuffer(int capacity) {
        chars = new char[Math.max(16, capacity)];
    }

    char[] array() {
        return chars;
    }

    @Override
    public int length() {
        return length;
    }

    void setLength(int newLength) {
        length = newLength;
    }

    void append(char c) {
        if (length == chars.length) {
            chars = Arrays.copyOf(chars, chars.length * 2);
        }
        chars[length++] = c;
    }

    void appendCodePoint(int cp) {
        if (Character.isBmpCodePoint(cp)) {
            append((char) cp);
        } else {
            append(Character.highSurrogate(cp));
            append(Character.lowSurrogate(cp));
        }
    }

    void asciiLowerCase(int from) {
        for (int i = from; i < length; i++) {
            char c = chars[i];
            if (c >= 'A' && c <= 'Z') {
                chars[i] = (char) (c + 32);
            }
        }
    }

    @Override
    public char charAt(int index) {
        return chars[index];
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new String(chars, start, end - start);
    }

    @Override
    public String toString() {
        return new String(chars, 0, length);
    }
}
