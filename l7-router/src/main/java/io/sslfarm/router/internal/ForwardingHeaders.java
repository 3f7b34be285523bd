package io.sslfarm.router.internal;

import io.sslfarm.router.listener.DownstreamConnection;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Builds the upstream request's headers from the downstream ones (Zuul's StripUntrustedProxyHeaders, RFC 9110 §7.6.1):
 *
 * <ol>
 *   <li>hop-by-hop headers go: {@code Connection} and every header it names, {@code Keep-Alive}, {@code TE},
 *       {@code Trailer}, {@code Transfer-Encoding} (re-framed upstream), {@code Upgrade}, every {@code Proxy-*} and
 *       {@code Proxy} (httpoxy), and {@code Expect} (the router answers 100-continue itself);</li>
 *   <li>the client's own {@code Forwarded}, {@code X-Forwarded-*}, {@code X-Real-IP} go — only the router says who
 *       the client is;</li>
 *   <li>then {@code X-Forwarded-For} (the PROXY source), {@code X-Forwarded-Proto} ({@code https} when the PROXY SSL
 *       TLV says the client used TLS), {@code X-Forwarded-Port} (the PROXY destination port), {@code X-Forwarded-Host},
 *       {@code Forwarded} (RFC 7239: for, proto, host) and {@code X-Request-Id}.</li>
 * </ol>
 *
 * <p>X-Request-Id: a client-supplied value is kept if it is 1–128 characters of {@code [A-Za-z0-9._:-]} (so an id
 * set by the client or a CDN in front traces end to end; the charset keeps it harmless in logs); otherwise the router
 * generates 32 hex digits. It is a correlation id, not a security token.
 */
public final class ForwardingHeaders {

  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "te", "trailer",
      "transfer-encoding", "upgrade", "proxy-connection", "proxy-authenticate", "proxy-authorization", "proxy",
      "expect", "http2-settings");
  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private ForwardingHeaders() {
  }

  /** True for headers never copied upstream or downstream. */
  static boolean isHopByHop(String lowerName) {
    return HOP_BY_HOP.contains(lowerName) || lowerName.startsWith("proxy-");
  }

  static boolean isForwarding(String lowerName) {
    return lowerName.equals("forwarded") || lowerName.startsWith("x-forwarded-") || lowerName.equals("x-real-ip");
  }

  /**
   * The lower-case name if it may be one that {@link #isHopByHop}, {@link #isForwarding}, a {@code Connection} token or
   * {@code x-request-id} could match, else null: every such name starts with one of {@code c e f h k p t u x} (after
   * lower-casing) or {@code :} (an HTTP/2 pseudo-header), so the common end-to-end headers (Accept, Cookie aside, User-Agent…) skip the lower-case copy.
   * Names listed in {@code Connection} can be anything: with such a list, every name is lower-cased.
   */
  private static String candidate(String name, boolean anyListed) {
    if (!anyListed && !name.isEmpty()) {
      switch (name.charAt(0)) {
        case 'c', 'C', 'e', 'E', 'f', 'F', 'h', 'H', 'k', 'K', 'p', 'P', 't', 'T', 'u', 'U', 'x', 'X', ':' -> {
        }
        default -> {
          return null;
        }
      }
    }
    return name.toLowerCase(Locale.ROOT);
  }

  /** Names listed in {@code Connection} (lower case). */
  static Set<String> connectionListed(MultiMap headers) {
    if (!headers.contains(HttpHeaders.CONNECTION)) {
      return Set.of();
    }
    Set<String> out = null;
    for (String v : headers.getAll(HttpHeaders.CONNECTION)) {
      for (String t : v.split(",")) {
        String n = t.trim().toLowerCase(Locale.ROOT);
        if (!n.isEmpty()) {
          if (out == null) {
            out = new HashSet<>();
          }
          out.add(n);
        }
      }
    }
    return out == null ? Set.of() : out;
  }

  /**
   * @param host the request's host (Host header or :authority), or null
   * @return the request id that was set
   */
  static String buildRequest(MultiMap in, MultiMap out, DownstreamConnection d, String host) {
    Set<String> listed = connectionListed(in);
    String requestId = null;
    for (Map.Entry<String, String> e : in) {
      String n = candidate(e.getKey(), !listed.isEmpty());
      if (n == null) {
        out.add(e.getKey(), e.getValue());
        continue;
      }
      if (isHopByHop(n) || isForwarding(n) || listed.contains(n) || n.startsWith(":")) {
        continue;
      }
      if (n.equals("x-request-id")) {
        if (requestId == null && REQUEST_ID.matcher(e.getValue()).matches()) {
          requestId = e.getValue();
        }
        continue;
      }
      out.add(e.getKey(), e.getValue());
    }
    if (requestId == null) {
      ThreadLocalRandom r = ThreadLocalRandom.current();
      requestId = hex16(r.nextLong()) + hex16(r.nextLong());
    }
    String ip = d.clientIp();
    String proto = d.scheme();
    out.set("X-Forwarded-For", ip);
    out.set("X-Forwarded-Proto", proto);
    out.set("X-Forwarded-Port", Integer.toString(d.frontPort()));
    StringBuilder fwd = new StringBuilder("for=");
    // RFC 7239 §6: IPv6 addresses are quoted and bracketed
    if (ip.indexOf(':') >= 0) {
      fwd.append("\"[").append(ip).append("]\"");
    } else {
      fwd.append(ip);
    }
    fwd.append(";proto=").append(proto);
    if (host != null && !host.isEmpty()) {
      out.set("X-Forwarded-Host", host);
      if (host.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '"' && c != '\\')) {
        fwd.append(";host=\"").append(host).append('"');
      }
    }
    out.set("Forwarded", fwd.toString());
    out.set("X-Request-Id", requestId);
    return requestId;
  }

  private static String hex16(long v) {
    String h = Long.toHexString(v);
    return h.length() == 16 ? h : "0".repeat(16 - h.length()) + h;
  }

  /** Copies an upstream response's end-to-end headers downstream. */
  static void copyResponse(MultiMap in, MultiMap out) {
    Set<String> listed = connectionListed(in);
    for (Map.Entry<String, String> e : in) {
      String n = candidate(e.getKey(), !listed.isEmpty());
      if (n != null && (isHopByHop(n) || listed.contains(n))) {
        continue;
      }
      out.add(e.getKey(), e.getValue());
    }
  }
}
