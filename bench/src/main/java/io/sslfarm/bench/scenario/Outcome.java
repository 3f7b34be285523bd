package io.sslfarm.bench.scenario;

/**
 * What one operation did.
 *
 * @param ok           a response with status &lt; 500 arrived
 * @param error        failure kind when not ok: connect, handshake, timeout, reset, protocol, http_5xx
 * @param detail       exception text or status line, for the first errors of each kind
 * @param handshake    the TLS handshake this operation made, if any
 * @param backendId    the backend that answered (header or body), null when it did not say
 * @param sessionLost  a full handshake although the user offered a session (its TLS session was lost)
 * @param retried      the user's persistent connection had been closed by the server; the request was sent again
 *                     once on a new connection (what browsers do for idempotent requests)
 */
public record Outcome(boolean ok, String error, String detail, Handshake handshake, int status, String backendId,
                      boolean sessionLost, boolean retried) {

    /** The handshake an operation made. */
    public enum Handshake { NONE, FULL, RESUMED }

    public static Outcome failure(String error, String detail, Handshake hs, boolean sessionLost) {
        return new Outcome(false, error, detail, hs, 0, null, sessionLost, false);
    }
}
