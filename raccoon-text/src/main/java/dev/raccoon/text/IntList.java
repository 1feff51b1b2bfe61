package dev.raccoon.text;

import java.util.Arrays;

/** A growable int array for token ids. Not thread-safe. */
final class IntList {

    private int[] values = new int[64];
    private int size;

    int size() {
        return size;
    }

    int get(int index) {
        return values[index];
    }

    void add(int value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = value;
    }

    void truncate(int newSize) {
        size = Math.min(size, newSize);
    }
}
