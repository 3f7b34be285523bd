package io.sslfarm.router.affinity;

import io.sslfarm.router.config.StickySpec;
import io.sslfarm.router.upstream.Upstream;
import io.sslfarm.router.upstream.UpstreamPool;
import java.util.Locale;
import java.util.Optional;

/**
 * What a request's affinity says before any backend is contacted: socket-free, shared by the HTTP/1.x and HTTP/2 paths.
 *
 * <pre>
 *  insert: cookie ─▶ absent: NEW │ forged: FORGED │ expired: STALE │ valid ─▶ backend available: HIT (refresh?)
 *                                                                          └▶ not: strict ? DOWN : RESTICK
 *  learn:  table answer ─▶ absent: UNKNOWN │ backend available: HIT │ not: strict ? DOWN : RESTICK
 * </pre>
 *
 * A decision with a backend forwards to it; {@link Outcome#DOWN} answers 503; any other picks a new backend.
 *
 * @param outcome       the metric and access-log tag
 * @param upstream      the bound backend (HIT only), else null
 * @param refreshCookie HIT in insert mode with a cookie older than half its idle TTL: set a fresh one
 */
public record StickyDecision(Outcome outcome, Upstream upstream, boolean refreshCookie) {

  /** Sticky outcomes, as counted in {@code sslfarm.router.sticky{outcome}} and written in the access log. */
  public enum Outcome {
    /** The pool is not sticky. */
    NONE,
    /** No binding yet (no cookie, or no session id). */
    NEW,
    /** The bound backend serves the request. */
    HIT,
    /** The bound backend cannot serve (down, ejected, removed): a new one is picked and bound. */
    RESTICK,
    /** An insert cookie past its idle TTL. */
    STALE,
    /** An insert cookie that does not verify (tampered, other pool, other key). */
    FORGED,
    /** Strict stickiness and the bound backend cannot serve: 503. */
    DOWN,
    /** Learn mode: a session id the table does not know. */
    UNKNOWN;

    private final String tag = name().toLowerCase(Locale.ROOT);

    public String tag() {
      return tag;
    }

    /** True for outcomes that are counted per pool (every one but {@link #NONE}). */
    public boolean counted() {
      return this != NONE;
    }
  }

  private static final StickyDecision NEW = new StickyDecision(Outcome.NEW, null, false);
  private static final StickyDecision NONE = new StickyDecision(Outcome.NONE, null, false);
  private static final StickyDecision STALE = new StickyDecision(Outcome.STALE, null, false);
  private static final StickyDecision FORGED = new StickyDecision(Outcome.FORGED, null, false);
  private static final StickyDecision UNKNOWN = new StickyDecision(Outcome.UNKNOWN, null, false);
  private static final StickyDecision DOWN = new StickyDecision(Outcome.DOWN, null, false);
  private static final StickyDecision RESTICK = new StickyDecision(Outcome.RESTICK, null, false);

  /** A pool without stickiness. */
  public static StickyDecision none() {
    return NONE;
  }

  /** No cookie / no session id. */
  public static StickyDecision fresh() {
    return NEW;
  }

  /**
   * Insert mode.
   *
   * @param cookieValue the request's sticky cookie value, or null
   */
  public static StickyDecision insert(UpstreamPool pool, StickySpec s, StickyCookieCodec codec, String cookieValue,
      long nowEpochSeconds, long nowNanos) {
    if (cookieValue == null) {
      return NEW;
    }
    StickyCookieCodec.Decoded d = codec.decode(pool.name(), cookieValue, nowEpochSeconds, s.idleTtl());
    return switch (d.status()) {
      case VALID -> bound(pool, s, d.backendId(), nowNanos,
          StickyCookieCodec.needsRefresh(d.issuedEpochSeconds(), nowEpochSeconds, s.idleTtl()));
      case STALE -> STALE;
      default -> FORGED;
    };
  }

  /** Learn mode, once the session table answered (empty = unknown session, or the lookup failed). */
  public static StickyDecision learned(UpstreamPool pool, StickySpec s, Optional<String> backendId, long nowNanos) {
    return backendId.isEmpty() ? UNKNOWN : bound(pool, s, backendId.get(), nowNanos, false);
  }

  private static StickyDecision bound(UpstreamPool pool, StickySpec s, String backendId, long nowNanos,
      boolean refresh) {
    Upstream u = pool.byId(backendId);
    if (u != null && u.available(nowNanos)) {
      return new StickyDecision(Outcome.HIT, u, refresh);
    }
    return s.strict() ? DOWN : RESTICK;
  }

  /** The {@code Set-Cookie} value binding a new session of {@code pool} to {@code u} (insert mode). */
  public static String setCookie(StickyCookieCodec codec, String pool, StickySpec s, Upstream u, boolean tls,
      long nowEpochSeconds) {
    String v = codec.encode(pool, u.id(), nowEpochSeconds);
    return s.cookie() + "=" + v + "; Path=/; HttpOnly; SameSite=Lax" + (tls ? "; Secure" : "");
  }

  /**
   * The value of cookie {@code name} in the request's Cookie header(s) (RFC 6265 §5.4: {@code name=value} pairs
   * separated by {@code ;}, a quoted value unquoted), or null.
   */
  public static String cookieValue(Iterable<String> cookieHeaders, String name) {
    for (String h : cookieHeaders) {
      String v = cookieValue(h, name);
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  /** The value of cookie {@code name} in one Cookie header value, or null. */
  public static String cookieValue(String h, String name) {
    int i = 0;
    int n = h.length();
    while (i < n) {
      while (i < n && (h.charAt(i) == ' ' || h.charAt(i) == ';')) {
        i++;
      }
      int eq = h.indexOf('=', i);
      int semi = h.indexOf(';', i);
      if (semi < 0) {
        semi = n;
      }
      if (eq < 0 || eq > semi) {
        i = semi + 1;
        continue;
      }
      if (eq - i == name.length() && h.regionMatches(i, name, 0, name.length())) {
        String v = h.substring(eq + 1, semi).trim();
        if (v.length() >= 2 && v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"') {
          v = v.substring(1, v.length() - 1);
        }
        return v;
      }
      i = semi + 1;
    }
    return null;
  }

  /**
   * Learn mode: the session id a backend's {@code Set-Cookie} value sets for cookie {@code name}, or null if it sets
   * another cookie or an empty value.
   */
  public static String learnedSession(String setCookie, String name) {
    String t = setCookie.trim();
    if (t.length() <= name.length() || !t.startsWith(name) || t.charAt(name.length()) != '=') {
      return null;
    }
    int end = t.indexOf(';');
    String sid = (end < 0 ? t.substring(name.length() + 1) : t.substring(name.length() + 1, end)).trim();
    return sid.isEmpty() ? null : sid;
  }
}
