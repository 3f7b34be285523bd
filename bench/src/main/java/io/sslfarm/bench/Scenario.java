package io.sslfarm.bench;

import java.util.Locale;

/** The scenarios {@code sslfarm bench <scenario>} runs; each picks a default {@link ConnectionMode}. */
public enum Scenario {
    /** Every request on a new TCP connection with a new TLS session: no session is ever offered. */
    HANDSHAKE(ConnectionMode.NEW_SESSION),
    /** Every request on a new TCP connection that offers the session (ticket) the same user got last time. */
    RESUME(ConnectionMode.RESUME),
    /** Requests over persistent HTTP/1.1 connections. */
    KEEPALIVE(ConnectionMode.KEEPALIVE),
    /** N virtual users with own cookie jars; every answer from another backend than the user's first is reported. */
    STICKY(ConnectionMode.RESUME),
    /** Sticky users on persistent connections while a hook (or an operator) kills or drains nodes. */
    FAILOVER(ConnectionMode.KEEPALIVE);

    private final ConnectionMode defaultMode;

    Scenario(ConnectionMode defaultMode) {
        this.defaultMode = defaultMode;
    }

    public ConnectionMode defaultConnectionMode() {
        return defaultMode;
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Scenario parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("scenario: unknown '" + s + "' (handshake, resume, keepalive, sticky, failover)");
        }
    }
}
