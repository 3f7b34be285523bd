package io.sslfarm.router.route;

import io.sslfarm.router.config.RouteRule;
import io.sslfarm.router.config.RouterFarmConfig;
import java.util.List;
import java.util.Locale;

/**
 * Immutable host/path → pool matcher built from one config snapshot. Rules are tried in order; the first whose host
 * and path prefix both match wins, else the default pool. Thread-safe (no state).
 *
 * <p>The path is the normalised one ({@link RequestTarget#normalizePath}); prefixes are normalised the same way.
 * A prefix matches on segment boundaries: {@code /api} matches {@code /api}, {@code /api/} and {@code /api/x}, not
 * {@code /apix}; a prefix ending with {@code /} ({@code /api/}, {@code /}) matches every path that starts with it.
 */
public final class RouteTable {

  /** A matched route: the rule's index ({@code -1} = default pool) and the pool. */
  public record Match(int rule, String pool) {

    /** A short name for metrics and the access log: {@code rule-N} or {@code default}. */
    public String routeName() {
      return rule < 0 ? "default" : "rule-" + rule;
    }
  }

  private final List<RouteRule> rules;
  private final String[] prefixes;
  private final Match defaultMatch;

  public RouteTable(RouterFarmConfig config) {
    this.rules = config.rules();
    this.prefixes = new String[rules.size()];
    for (int i = 0; i < prefixes.length; i++) {
      String p = rules.get(i).pathPrefix();
      String n = RequestTarget.normalizePath(p);
      // compared with normalised paths, so "/%61pi" or "/api//v1" in the config still match; invalid ones as written
      prefixes[i] = n == null ? p : n;
    }
    this.defaultMatch = config.defaultPool() == null ? null : new Match(-1, config.defaultPool());
  }

  /**
   * @param host the Host header or :authority, with or without port; null if absent
   * @param path the normalised request path (no query), see {@link RequestTarget}
   * @return the match, or null when nothing matches and there is no default pool
   */
  public Match match(String host, String path) {
    String h = normalizeHost(host);
    for (int i = 0; i < rules.size(); i++) {
      RouteRule r = rules.get(i);
      if (hostMatches(r.host(), h) && pathMatches(prefixes[i], path)) {
        return new Match(i, r.pool());
      }
    }
    return defaultMatch;
  }

  /** Segment-boundary prefix match (see the class comment). */
  static boolean pathMatches(String prefix, String path) {
    if (path == null || !path.startsWith(prefix)) {
      return false;
    }
    return prefix.endsWith("/") || path.length() == prefix.length() || path.charAt(prefix.length()) == '/';
  }

  static boolean hostMatches(String pattern, String host) {
    if (pattern == null) {
      return true;
    }
    if (host == null) {
      return false;
    }
    if (pattern.startsWith("*.")) {
      String suffix = pattern.substring(1); // ".example.com"
      return host.length() > suffix.length() && host.endsWith(suffix);
    }
    return pattern.equals(host);
  }

  /** Lower-cases and drops the port (and IPv6 brackets stay as they are). */
  static String normalizeHost(String host) {
    if (host == null || host.isEmpty()) {
      return null;
    }
    String h = host;
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      h = end > 0 ? h.substring(0, end + 1) : h;
    } else {
      int colon = h.lastIndexOf(':');
      if (colon >= 0) {
        h = h.substring(0, colon);
      }
    }
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    return h.toLowerCase(Locale.ROOT);
  }
}
