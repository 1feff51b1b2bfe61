package dev.raccoon.serve;

import io.javalin.http.Context;

import java.util.List;

/**
 * Which web pages of other origins may call the API from a browser (CORS). An allowed origin gets
 * {@code Access-Control-Allow-Origin} on every response and an answer to its preflight; any other origin gets no such
 * header, so its browser keeps the response from the page, while the server still answers clients that are no
 * browser, and the server's own page, alike. Written here rather than with Javalin's CORS plugin, which answers a
 * request from an origin it does not know with status 400 and the handler's body all the same.
 */
final class CorsPolicy {
    private final List<String> origins;

    /** @param origins as {@link ServeConfig#corsOrigins()}: web origins, or {@code *} alone for any */
    CorsPolicy(List<String> origins) {
        this.origins = List.copyOf(origins);
    }

    private boolean allows(String origin) {
        return origin != null && (origins.contains("*") || origins.contains(origin));
    }

    /** Before every request: the allow header for an allowed origin. */
    void addHeaders(Context ctx) {
        if (origins.isEmpty()) return;
        // The headers depend on the origin unless every origin is allowed: a cache must not hand one origin's to another.
        if (!origins.contains("*")) ctx.header("Vary", "Origin");
        String origin = ctx.header("Origin");
        if (allows(origin)) ctx.header("Access-Control-Allow-Origin", origins.contains("*") ? "*" : origin);
    }

    /**
     * {@code OPTIONS} on an API path: a browser's preflight before a cross-origin POST of JSON, or a client asking what
     * the path allows.
     *
     * @throws ApiError 403 for a preflight from an origin that may not call the API, saying how to allow it
     */
    void options(Context ctx) {
        String origin = ctx.header("Origin");
        ctx.header("Allow", "POST, OPTIONS");
        if (origin != null && ctx.header("Access-Control-Request-Method") != null) {
            if (!allows(origin))
                throw new ApiError(403, "pages of " + origin + " may not call this API from a browser; start the server with"
                        + " --cors-origin " + origin);
            ctx.header("Access-Control-Allow-Methods", "POST");
            String headers = ctx.header("Access-Control-Request-Headers");
            if (headers != null) ctx.header("Access-Control-Allow-Headers", headers); // the API ignores headers it does not know
            ctx.header("Access-Control-Max-Age", "600");
        }
        ctx.status(204);
    }
}
