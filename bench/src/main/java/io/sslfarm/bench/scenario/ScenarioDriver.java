package io.sslfarm.bench.scenario;

import io.sslfarm.bench.BenchOptions;
import io.sslfarm.bench.ConnectionMode;
import io.sslfarm.bench.internal.HttpExchange;
import io.sslfarm.bench.internal.TlsClient;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * Performs one operation (one HTTP request, with the connection work the mode asks for) for one virtual user.
 * Thread-safe across users; each user is driven by one thread at a time.
 *
 * <pre>
 *  NEW_SESSION  connect ─▶ full handshake (fresh context) ─▶ request "Connection: close" ─▶ close
 *  RESUME       connect ─▶ handshake offering the user's last session ─▶ request "Connection: close" ─▶ close
 *  KEEPALIVE    [connect ─▶ handshake, only when the user has no open connection] ─▶ request ─▶ keep the connection
 * </pre>
 */
public final class ScenarioDriver {

    private final BenchOptions options;
    private final ConnectionMode mode;
    private final TlsClient tls;
    private final TlsClient client;
    private final String host;
    private final int port;
    private final String sni;
    private final String hostHeader;
    private final String target;
    private final int timeoutMillis;
    private final boolean head;
    private final String backendHeader;
    private final Pattern backendPattern;

    public ScenarioDriver(BenchOptions options, TlsClient tls) {
        this.options = options;
        this.mode = options.effectiveConnectionMode();
        this.client = tls;
        this.tls = options.isTls() ? tls : null;
        this.host = options.getUrl().getHost();
        this.port = options.port();
        this.sni = options.getServerName() != null ? options.getServerName() : host;
        boolean defaultPort = options.getUrl().getPort() < 0;
        this.hostHeader = defaultPort ? sni : sni + ":" + port;
        this.target = options.requestTarget();
        this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, options.getTimeout().toMillis());
        this.head = options.getMethod().equals("HEAD");
        this.backendHeader = options.getBackendHeader() == null || options.getBackendHeader().isEmpty() ? null : options.getBackendHeader();
        this.backendPattern = options.getBackendPattern() == null || options.getBackendPattern().isEmpty() ? null
                : Pattern.compile(options.getBackendPattern());
    }

    public Outcome execute(VirtualUser u) {
        Outcome.Handshake hs = Outcome.Handshake.NONE;
        boolean lost = false;
        boolean close = mode != ConnectionMode.KEEPALIVE;
        boolean reused = u.socket != null;
        try {
            if (u.socket == null) {
                SSLContext ctx = null;
                if (tls != null) {
                    if (mode == ConnectionMode.NEW_SESSION) {
                        ctx = tls.newContext();
                    } else {
                        if (u.context == null) u.context = tls.newContext();
                        ctx = u.context;
                    }
                }
                TlsClient.Connected c = client.connect(ctx, host, port, sni, timeoutMillis);
                u.socket = c.socket();
                u.in = new BufferedInputStream(c.socket().getInputStream(), 16 * 1024);
                u.out = new BufferedOutputStream(c.socket().getOutputStream(), 1024);
                if (c.tls()) {
                    hs = c.fullHandshake() ? Outcome.Handshake.FULL : Outcome.Handshake.RESUMED;
                    lost = c.fullHandshake() && u.hadSession && mode != ConnectionMode.NEW_SESSION;
                    u.hadSession = true;
                }
            }
            HttpExchange.Response r;
            try {
                r = exchange(close, u);
            } catch (IOException e) {
                if (!reused || !options.retriesClosedKeepAlive()) throw e;
                // a persistent connection the server closed while idle (RFC 9112 §9.3.1): retry once on a new one
                closeConnection(u);
                return retryAfterStaleConnection(u);
            }
            u.requests++;
            if (close || !r.keepAlive()) closeConnection(u);
            return outcomeOf(u, r, hs, lost);
        } catch (IOException | RuntimeException e) {
            closeConnection(u);
            return Outcome.failure(classify(e), String.valueOf(e.getMessage()), hs, lost);
        }
    }

    private Outcome retryAfterStaleConnection(VirtualUser u) {
        Outcome o = execute(u);
        return new Outcome(o.ok(), o.error(), o.detail(), o.handshake(), o.status(), o.backendId(), o.sessionLost(), true);
    }

    private HttpExchange.Response exchange(boolean close, VirtualUser u) throws IOException {
        byte[] req = HttpExchange.request(options.getMethod(), target, hostHeader, options.getHeaders(), u.cookies.header(), close);
        HttpExchange.Response r = HttpExchange.exchange(u.out, u.in, req, head);
        u.cookies.store(r.headers("Set-Cookie"));
        return r;
    }

    private Outcome outcomeOf(VirtualUser u, HttpExchange.Response r, Outcome.Handshake hs, boolean lost) {
        String id = backendIdOf(r);
        if (id != null && u.firstBackend == null) u.firstBackend = id;
        if (r.status() >= 500) return new Outcome(false, "http_5xx", "HTTP " + r.status(), hs, r.status(), id, lost, false);
        return new Outcome(true, null, null, hs, r.status(), id, lost, false);
    }

    String backendIdOf(HttpExchange.Response r) {
        if (backendHeader != null) {
            String v = r.header(backendHeader);
            if (v != null && !v.isEmpty()) return v;
        }
        if (backendPattern != null && r.body().length > 0) {
            Matcher m = backendPattern.matcher(r.bodyText());
            if (m.find()) return m.group(1);
        }
        return null;
    }

    /** Closes the user's connection, if any (end of a request in close modes, errors, end of the run). */
    public void closeConnection(VirtualUser u) {
        Socket s = u.socket;
        u.socket = null;
        u.in = null;
        u.out = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already broken
            }
        }
    }

    static String classify(Throwable e) {
        String phase = e instanceof TlsClient.PhaseException p ? p.phase() : null;
        Throwable c = e instanceof TlsClient.PhaseException ? e.getCause() : e;
        if (c instanceof SocketTimeoutException) return "timeout";
        if ("connect".equals(phase) || c instanceof ConnectException) return "connect";
        if ("handshake".equals(phase) || c instanceof SSLException) return "handshake";
        if (c instanceof EOFException || c instanceof SocketException) return "reset";
        if (c instanceof IOException) return "protocol";
        return "client";
    }
}
