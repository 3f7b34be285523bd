package io.sslfarm.bench;

import java.util.Locale;

/** How a virtual user gets the connection for its next request. */
public enum ConnectionMode {
    /** New TCP connection and a fresh TLS client context per request: no session can be offered. */
    NEW_SESSION,
    /** New TCP connection per request; the user's own TLS context offers the session it got last time. */
    RESUME,
    /** One persistent connection per user, re-opened (offering its session) only when it breaks or the server closes it. */
    KEEPALIVE;

    public static ConnectionMode parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "new", "new-session", "new_session" -> NEW_SESSION;
            case "resume" -> RESUME;
            case "keepalive", "keep-alive" -> KEEPALIVE;
            default -> throw new IllegalArgumentException("connection-mode: unknown '" + s + "' (new, resume, keepalive)");
        };
    }
}
