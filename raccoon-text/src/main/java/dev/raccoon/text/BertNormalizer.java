package dev.raccoon.text;

import java.text.Normalizer;

/**
 * The normalizer and character classes of Hugging Face's BERT tokenizer (tokenizers crate: BertNormalizer and
 * BertPreTokenizer), applied in the same order: clean text, space out CJK ideographs, strip accents, lowercase.
 * Categories follow the crate's older tables ({@link LegacyCategories}). Known gap: with lowercasing or accent
 * stripping on, 49 code points of scripts new in Unicode 16 (Garay, Tulu-Tigalari, Kirat Rai, a few Latin letters)
 * case-map or decompose differently from the crate. Immutable.
 */
final class BertNormalizer {

    private final boolean lowerCase;
    private final boolean stripAccents;
    private final boolean chineseChars;

    BertNormalizer(boolean lowerCase, boolean stripAccents, boolean chineseChars) {
        this.lowerCase = lowerCase;
        this.stripAccents = stripAccents;
        this.chineseChars = chineseChars;
    }

    /** Appends the normalized form of {@code s[from, to)} to {@code out}. */
    void normalize(CharSequence s, int from, int to, TextBuffer out) {
        int mark = out.length();
        boolean nonAscii = false;
        // Lowercasing must wait until after NFD when accents are stripped (the crate's order).
        boolean lowerNow = lowerCase && !stripAccents;
        for (int i = from; i < to; ) {
            char c = s.charAt(i);
            if (c < 0x80) {
                i++;
                if (c > ' ' && c != 0x7f) {
                    out.append(lowerNow && c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
                } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                    out.append(' ');
                } // other ASCII controls (NUL included) are dropped
                continue;
            }
            if (isHangulSyllable(c)) { // most of the text Raccoon sees; nothing below applies to it
                i++;
                nonAscii = true;
                out.append(c);
                continue;
            }
            int cp = Character.codePointAt(s, i);
            i += Character.charCount(cp);
            if (cp == 0xFFFD || isControl(cp)) {
                continue;
            }
            nonAscii = true;
            if (isWhitespace(cp)) {
                out.append(' ');
            } else if (chineseChars && isChinese(cp)) {
                out.append(' ');
                out.appendCodePoint(cp);
                out.append(' ');
            } else if (lowerNow) {
                appendLowerCase(cp, out);
            } else {
                out.appendCodePoint(cp);
            }
        }
        if (stripAccents) {
            if (nonAscii) {
                String nfd = Normalizer.normalize(out.subSequence(mark, out.length()), Normalizer.Form.NFD);
                out.setLength(mark);
                for (int i = 0; i < nfd.length(); ) {
                    int cp = nfd.codePointAt(i);
                    i += Character.charCount(cp);
                    if (isNonSpacingMark(cp)) {
                        continue;
                    }
                    if (lowerCase) {
                        appendLowerCase(cp, out);
                    } else {
                        out.appendCodePoint(cp);
                    }
                }
            } else if (lowerCase) {
                out.asciiLowerCase(mark);
            }
        }
    }

    /** Rust's char::to_lowercase uses the full mapping; U+0130 is the only unconditional multi-char lowercase. */
    private static void appendLowerCase(int cp, TextBuffer out) {
        if (cp == 0x130) {
            out.append('i');
            out.append('\u0307');
        } else {
            out.appendCodePoint(Character.toLowerCase(cp));
        }
    }

    /** Precomposed Hangul (category Lo): not whitespace, control, punctuation or CJK, and caseless. */
    static boolean isHangulSyllable(int cp) {
        return cp >= 0xAC00 && cp <= 0xD7A3;
    }

    /** Unicode White_Space (Rust's char::is_whitespace); BERT adds \t \n \r, which are in it already. */
    static boolean isWhitespace(int cp) {
        if (cp < 0x80) {
            return cp == ' ' || (cp >= 0x09 && cp <= 0x0d);
        }
        return cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a)
                || cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
    }

    /**
     * The crate's is_control: categories Cc, Cf and Co, except \t \n \r. Unpaired surrogates (Cs) cannot occur in a
     * Rust string at all; dropping them here lets any Java String through.
     */
    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int type = Character.getType(cp);
        if (type == Character.SURROGATE) {
            return true;
        }
        boolean other = type == Character.CONTROL || type == Character.FORMAT || type == Character.PRIVATE_USE;
        return other != LegacyCategories.flipsControl(cp);
    }

    /** Category Mn, as the crate classifies it. */
    static boolean isNonSpacingMark(int cp) {
        return (Character.getType(cp) == Character.NON_SPACING_MARK) != LegacyCategories.flipsNonSpacingMark(cp);
    }

    /** The CJK ideograph ranges of the tokenizers crate (Hangul, kana and CJK punctuation are not among them). */
    static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** ASCII punctuation (33-47, 58-64, 91-96, 123-126, symbols like $ + < included) or category P* (crate's). */
    static boolean isPunctuation(int cp) {
        if (cp < 0x80) {
            return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96)
                    || (cp >= 123 && cp <= 126);
        }
        boolean punctuation = switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                 Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
        return punctuation != LegacyCategories.flipsPunctuation(cp);
    }

    /** Rust regex's Unicode {@code \w}, used by single_word added tokens. */
    static boolean isWordChar(int cp) {
        if (Character.isAlphabetic(cp) || cp == 0x200C || cp == 0x200D) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                 Character.DECIMAL_DIGIT_NUMBER, Character.CONNECTOR_PUNCTUATION -> true;
            default -> false;
        };
    }
}
