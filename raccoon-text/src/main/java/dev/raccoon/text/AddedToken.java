package dev.raccoon.text;

/**
 * A token matched in the raw (or, when {@code normalized}, the normalized) text before WordPiece runs, as in
 * transformers' added_tokens_decoder. The flags mean what they mean there.
 */
record AddedToken(int id, String content, boolean special, boolean normalized, boolean lstrip, boolean rstrip,
                  boolean singleWord) {

    /** How transformers adds a special token named in the config: matched verbatim, no stripping. */
    static AddedToken special(int id, String content) {
        return new AddedToken(id, content, true, false, false, false, false);
    }
}
