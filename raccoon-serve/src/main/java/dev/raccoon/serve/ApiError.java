package dev.raccoon.serve;

/** A client error with the HTTP status to answer and a one-sentence message for {@code {"error": ...}}. */
final class ApiError extends RuntimeException {
    final int status;

    ApiError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }
}
