package dev.raccoon.model.io;

import java.io.IOException;

/** A checkpoint file that cannot be read or written; the message names the file and, where relevant, the tensor. */
public final class CheckpointException extends IOException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Keeps corrupt or hostile names (tensor keys, pickle globals) from putting control characters into messages. */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(200).forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return s.codePointCount(0, s.length()) > 200 ? b.append("...").toString() : b.toString();
    }
}
