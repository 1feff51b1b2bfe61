package dev.raccoon.train.data;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Class names in id order. A raw label in a data file maps to an id by name (case-insensitive) or by its
 * number, so NSMC's "0"/"1", "negative"/"positive" and a model's "LABEL_0"/"LABEL_1" all work.
 */
public record Labels(List<String> names) {
    public static final Labels BINARY = new Labels(List.of("negative", "positive"));
    public static final Labels THREE_CLASS = new Labels(List.of("negative", "neutral", "positive"));
    /** A label given by its id: up to three digits, and ".0" after them as pandas writes a float column. */
    private static final Pattern LABEL_NUMBER = Pattern.compile("(\\d{1,3})(?:\\.0+)?");

    public Labels {
        names = List.copyOf(names);
        if (names.size() < 2) throw new IllegalArgumentException("a classification needs at least 2 labels, got " + names);
        // Labels match case-insensitively, so "Good" and "good" would be one class with two ids.
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).isBlank()) throw new IllegalArgumentException("label " + i + " is empty");
            for (int j = 0; j < i; j++)
                if (names.get(i).equalsIgnoreCase(names.get(j)))
                    throw new IllegalArgumentException("label " + names.get(i) + " is given twice");
        }
    }

    public int size() { return names.size(); }

    public String name(int id) { return names.get(id); }

    /**
     * The id of a raw label, or −1 when it is none of the names and not a number in [0, size). A number may end in
     * ".0", as pandas writes a label column that held a missing value.
     */
    public int id(String raw) {
        String s = raw.strip();
        for (int i = 0; i < names.size(); i++) if (names.get(i).equalsIgnoreCase(s)) return i;
        Matcher number = LABEL_NUMBER.matcher(s);
        if (number.matches()) {
            int n = Integer.parseInt(number.group(1));
            if (n < names.size()) return n;
        }
        return -1;
    }


    /**
     * The id for an NSMC crawl rating (1–10): binary 1–4 negative, 9–10 positive, 5–8 −1 (neutral, not used);
     * three classes 1–4 / 5–8 / 9–10, the split of NSMC and reviews3.
     */
    public int fromRating(int rating) {
        if (rating < 1 || rating > 10) throw new IllegalArgumentException("rating " + rating + " is outside 1–10");
        return switch (names.size()) {
            case 2 -> rating <= 4 ? 0 : rating >= 9 ? 1 : -1;
            case 3 -> rating <= 4 ? 0 : rating <= 8 ? 1 : 2;
            default -> throw new IllegalArgumentException(
                    "ratings map to 2 or 3 classes, not " + names.size() + " (" + String.join(", ", names) + ")");
        };
    }

    @Override
    public String toString() {
        return String.join(", ", names);
    }
}
