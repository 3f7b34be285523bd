package io.sslfarm.router.route;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One meaning per request target: the router routes on, and forwards, the same normalised origin-form path.
 *
 * <ul>
 *   <li>origin-form ({@code /a/b?q}): the path is normalised ({@link #normalizePath}), the query kept as sent;</li>
 *   <li>absolute-form ({@code http://host/a?q}, RFC 9112 §3.2.2): only {@code http} and {@code https}; its authority
 *       must equal the Host header (case-insensitive, default port of the scheme normalised: {@code a},
 *       {@code a:80} are one authority for {@code http}), else the request is answered 400 without forwarding;
 *       forwarded in origin-form, so that a backend cannot act on another host than the one routed on;</li>
 *   <li>asterisk-form ({@code *}, OPTIONS only): forwarded as is;</li>
 *   <li>anything else (authority-form, a fragment, control characters): invalid.</li>
 * </ul>
 *
 * Path normalisation (RFC 3986 §6.2.2): percent-encoded unreserved characters ({@code A-Z a-z 0-9 - . _ ~}) are
 * decoded, every other escape is kept encoded (upper-case hex), so {@code %2F} is not a separator; repeated slashes
 * are merged; dot-segments are removed (§5.2.4). Invalid, answered 400: a malformed escape, {@code %00}, a
 * {@code ..} that would climb above the root.
 */
public final class RequestTarget {

  /** Why a target was refused. */
  public enum Problem {
    /** The target is unparseable, not http(s), climbs above root, has %00 or a malformed escape. */
    INVALID,
    /** An absolute-form target whose authority differs from the Host header. */
    AUTHORITY_MISMATCH
  }

  /** The outcome: either a problem, or the path to route on and the URI to forward. */
  public record Result(Problem problem, String path, String uri, String authority) {

    public boolean ok() {
      return problem == null;
    }
  }

  private static final Result INVALID = new Result(Problem.INVALID, null, null, null);
  private static final Result MISMATCH = new Result(Problem.AUTHORITY_MISMATCH, null, null, null);

  private RequestTarget() {
  }

  /**
   * @param uri  the request target as received (HTTP/1.x request line, HTTP/2 {@code :path})
   * @param host the Host header (HTTP/1.x) or {@code :authority} (HTTP/2), or null if absent
   * @return the normalised path and origin-form URI, with the absolute-form's authority if there was one
   */
  public static Result parse(String uri, String host) {
    if (uri == null || uri.isEmpty()) {
      return INVALID;
    }
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c <= 0x20 || c == 0x7f || c == '#') {
        return INVALID;
      }
    }
    if ("*".equals(uri)) {
      return new Result(null, "*", "*", null);
    }
    String authority = null;
    String rest = uri;
    if (uri.charAt(0) != '/') {
      int sep = uri.indexOf("://");
      if (sep <= 0) {
        return INVALID;
      }
      String scheme = uri.substring(0, sep).toLowerCase(Locale.ROOT);
      int defaultPort;
      if (scheme.equals("http")) {
        defaultPort = 80;
      } else if (scheme.equals("https")) {
        defaultPort = 443;
      } else {
        return INVALID;
      }
      int start = sep + 3;
      int end = start;
      while (end < uri.length() && uri.charAt(end) != '/' && uri.charAt(end) != '?') {
        end++;
      }
      authority = uri.substring(start, end);
      String target = canonicalAuthority(authority, defaultPort);
      if (target == null) {
        return INVALID;
      }
      String h = host == null ? null : canonicalAuthority(host, defaultPort);
      if (host != null && !target.equals(h)) {
        return MISMATCH;
      }
      rest = end == uri.length() ? "/" : uri.charAt(end) == '?' ? "/" + uri.substring(end) : uri.substring(end);
    }
    int q = rest.indexOf('?');
    String rawPath = q < 0 ? rest : rest.substring(0, q);
    String path = normalizePath(rawPath);
    if (path == null) {
      return INVALID;
    }
    return new Result(null, path, q < 0 ? path : path + rest.substring(q), authority);
  }

  /**
   * {@code host[:port]} lower-cased with the port made explicit ({@code defaultPort} when absent or empty), or null
   * if it is not a valid authority (userinfo, empty host, non-numeric port, unbracketed colons).
   */
  static String canonicalAuthority(String a, int defaultPort) {
    if (a.isEmpty() || a.indexOf('@') >= 0) {
      return null;
    }
    String host;
    String port;
    if (a.charAt(0) == '[') {
      int close = a.indexOf(']');
      if (close < 0) {
        return null;
      }
      host = a.substring(0, close + 1);
      String after = a.substring(close + 1);
      if (!after.isEmpty() && after.charAt(0) != ':') {
        return null;
      }
      port = after.isEmpty() ? "" : after.substring(1);
    } else {
      int colon = a.indexOf(':');
      if (colon >= 0 && a.indexOf(':', colon + 1) >= 0) {
        return null;
      }
      host = colon < 0 ? a : a.substring(0, colon);
      port = colon < 0 ? "" : a.substring(colon + 1);
    }
    if (host.isEmpty() || host.equals("[]")) {
      return null;
    }
    int p;
    if (port.isEmpty()) {
      p = defaultPort;
    } else {
      if (port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return null;
      }
      p = Integer.parseInt(port);
      if (p > 65535) {
        return null;
      }
    }
    return host.toLowerCase(Locale.ROOT) + ":" + p;
  }

  /**
   * Normalises an origin-form path (no query) as described on the class, or returns null if it is invalid (does not
   * start with {@code /}, malformed escape, {@code %00}, climbs above root).
   */
  public static String normalizePath(String raw) {
    if (raw == null || raw.isEmpty() || raw.charAt(0) != '/') {
      return null;
    }
    if (raw.indexOf('%') < 0 && raw.indexOf("//") < 0 && raw.indexOf("/.") < 0) {
      return raw; // already normal (the common case, on every request): no escape, no empty or dot segment
    }
    // 1. percent-encoding normalisation (RFC 3986 §6.2.2.1, §6.2.2.2)
    StringBuilder d = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c != '%') {
        d.append(c);
        continue;
      }
      if (i + 2 >= raw.length()) {
        return null;
      }
      int hi = Character.digit(raw.charAt(i + 1), 16);
      int lo = Character.digit(raw.charAt(i + 2), 16);
      if (hi < 0 || lo < 0 || raw.charAt(i + 1) > 0x7f || raw.charAt(i + 2) > 0x7f) {
        return null;
      }
      int b = hi * 16 + lo;
      if (b == 0) {
        return null;
      }
      if (unreserved(b)) {
        d.append((char) b);
      } else {
        d.append('%').append(Character.toUpperCase(raw.charAt(i + 1))).append(Character.toUpperCase(raw.charAt(i + 2)));
      }
      i += 2;
    }
    // 2. merge repeated slashes, 3. remove dot-segments (RFC 3986 §5.2.4), refusing to climb above root
    List<String> out = new ArrayList<>();
    boolean trailingSlash = false;
    int i = 1;
    int n = d.length();
    while (i <= n) {
      int j = d.indexOf("/", i);
      if (j < 0) {
        j = n;
      }
      String seg = d.substring(i, j);
      boolean last = j >= n;
      if (seg.isEmpty()) {
        trailingSlash = last; // "//" merged; a final empty segment is a trailing slash
      } else if (seg.equals(".")) {
        trailingSlash = last;
      } else if (seg.equals("..")) {
        if (out.isEmpty()) {
          return null;
        }
        out.remove(out.size() - 1);
        trailingSlash = last;
      } else {
        out.add(seg);
        trailingSlash = false;
      }
      i = j + 1;
    }
    StringBuilder p = new StringBuilder(d.length());
    for (String s : out) {
      p.append('/').append(s);
    }
    if (out.isEmpty() || trailingSlash) {
      p.append('/');
    }
    return p.toString();
  }

  private static boolean unreserved(int b) {
    return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' || b == '.'
        || b == '_' || b == '~';
  }
}
