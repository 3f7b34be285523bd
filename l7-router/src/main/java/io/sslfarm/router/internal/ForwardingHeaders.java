package io.sslfarm.router.internal;

import io.sslfarm.router.RouterMetrics;
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
 *   <li>the client's own {@code Forwarded}, {@code X-Forwarded-*}, {@code X-Real-IP} and the other client-IP
 *       headers a backend or framework may trust ({@code True-Client-IP}, {@code CF-Connecting-IP},
 *       {@code X-Client-IP}, {@code X-Cluster-Client-IP}, {@code Fastly-Client-IP}, {@code X-Original-Forwarded-For},
 *       {@code Client-IP}) go — only the router says who the client is;</li>
 *   <li>names containing {@code _} go too ({@link Underscores#DROP}, the default): CGI-style backends map {@code _}
 *       and {@code -} alike, so {@code X_Forwarded_For} would arrive as {@code HTTP_X_FORWARDED_FOR}. With
 *       {@link Underscores#ALLOW} they are forwarded, except a name that is one of the above once {@code _} reads
 *       {@code -};</li>
 *   <li>then {@code X-Forwarded-For} (the PROXY source; omitted when the PROXY header carried no address, LOCAL or
 *       UNSPEC), {@code X-Forwarded-Proto} ({@code https} when the PROXY SSL
 *       TLV says the client used TLS), {@code X-Forwarded-Port} (the PROXY destination port), {@code X-Forwarded-Host},
 *       {@code Forwarded} (RFC 7239: for, proto, host; {@code for=unknown} without a client address, §6.3) and
 *       {@code X-Request-Id}.</li>
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
  /**
   * Client-IP headers stripped besides {@code forwarded} and {@code x-forwarded-*} (lower case). Each starts with a
   * letter {@link #candidate} lower-cases ({@code c f t x}); {@code ForwardingHeadersUnitTest} checks it.
   */
  static final Set<String> CLIENT_IP = Set.of("x-real-ip", "true-client-ip", "cf-connecting-ip", "x-client-ip",
      "x-cluster-client-ip", "fastly-client-ip", "x-original-forwarded-for", "client-ip");
  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  /** What {@code router.headers-with-underscores} does with request header names containing {@code _}. */
  public enum Underscores {
    /** Not forwarded, counted in {@code sslfarm.router.headers.dropped{reason=underscore}} (the default). */
    DROP,
    /** 400 {@code underscore-in-header}, before routing ({@link #hasUnderscoreName}). */
    REJECT,
    /** Forwarded, unless the name reads as a stripped one with {@code _} as {@code -}. */
    ALLOW;

    /** From the config value {@code drop}, {@code reject} or {@code allow}. */
    public static Underscores of(String value) {
      return valueOf(value.toUpperCase(Locale.ROOT));
    }
  }

  private ForwardingHeaders() {
  }

  /** True for headers never copied upstream or downstream. */
  static boolean isHopByHop(String lowerName) {
    return HOP_BY_HOP.contains(lowerName) || lowerName.startsWith("proxy-");
  }

  static boolean isForwarding(String lowerName) {
    return lowerName.equals("forwarded") || lowerName.startsWith("x-forwarded-") || CLIENT_IP.contains(lowerName);
  }

  /** True if some header name contains {@code _}. */
  static boolean hasUnderscoreName(Iterable<Map.Entry<String, String>> headers) {
    for (Map.Entry<String, String> e : headers) {
      if (e.getKey().indexOf('_') >= 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * Where {@link #buildRequest} and {@link #filterResponse} put their result: into a copy (the HTTP/2 path, Vert.x
   * headers) or back into the message's own headers, edited in place (the HTTP/1.x path, Netty headers: nothing is
   * copied for the headers that stay, which are nearly all).
   */
  interface Target {
    /** An end-to-end header that stays. */
    void keep(String name, String value);

    /** Every header of this name goes. */
    void drop(String name);

    /** Sets (replaces) a header the router writes. */
    void set(String name, String value);

    /** A copy into {@code out} (which starts empty). */
    static Target copyInto(MultiMap out) {
      return new Target() {
        @Override
        public void keep(String name, String value) {
          out.add(name, value);
        }

        @Override
        public void drop(String name) {
        }

        @Override
        public void set(String name, String value) {
          out.set(name, value);
        }
      };
    }
  }

  /** Edits Netty headers in place; {@link #apply} removes what was dropped (not while iterating). */
  static final class InPlace implements Target {
    private final io.netty.handler.codec.http.HttpHeaders headers;
    private java.util.List<String> dropped;

    InPlace(io.netty.handler.codec.http.HttpHeaders headers) {
      this.headers = headers;
    }

    @Override
    public void keep(String name, String value) {
    }

    @Override
    public void drop(String name) {
      if (dropped == null) {
        dropped = new java.util.ArrayList<>(4);
      }
      dropped.add(name);
    }

    @Override
    public void set(String name, String value) {
      apply();
      headers.set(name, value);
    }

    /** Removes the dropped names; called by {@link #set} and by the caller when done. */
    void apply() {
      if (dropped != null) {
        for (String n : dropped) {
          headers.remove(n);
        }
        dropped = null;
      }
    }
  }

  /**
   * The lower-case name if it may be one that {@link #isHopByHop}, {@link #isForwarding}, a {@code Connection} token or
   * {@code x-request-id} could match, else null: every such name ({@link #CLIENT_IP} included) starts with one of
   * {@code c e f h k p t u x} (after
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
  static Set<String> connectionListed(java.util.List<String> connectionValues) {
    if (connectionValues.isEmpty()) {
      return Set.of();
    }
    Set<String> out = null;
    for (String v : connectionValues) {
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
   * @param host        the request's host (Host header or :authority), or null
   * @param underscores what to do with names containing {@code _} ({@link Underscores#REJECT} is checked before, by
   *                    the caller; here it drops like {@link Underscores#DROP})
   * @param metrics     counts the dropped headers
   * @return the request id that was set
   */
  static String buildRequest(MultiMap in, MultiMap out, DownstreamConnection d, String host, Underscores underscores,
      RouterMetrics metrics) {
    return buildRequest(in, in.getAll(HttpHeaders.CONNECTION), Target.copyInto(out), d, host, underscores, metrics);
  }

  /** The HTTP/1.x path: edits the request's own headers. */
  static String buildRequest(io.netty.handler.codec.http.HttpHeaders in, DownstreamConnection d, String host,
      Underscores underscores, RouterMetrics metrics) {
    InPlace t = new InPlace(in);
    String id = buildRequest(in, in.getAll(io.netty.handler.codec.http.HttpHeaderNames.CONNECTION), t, d, host,
        underscores, metrics);
    t.apply();
    return id;
  }

  /**
   * @param in               the downstream request's headers
   * @param connectionValues the values of its {@code Connection} headers
   * @param out              receives the upstream request's headers (a copy, or {@code in} edited in place)
   */
  private static String buildRequest(Iterable<Map.Entry<String, String>> in, java.util.List<String> connectionValues,
      Target out, DownstreamConnection d, String host, Underscores underscores, RouterMetrics metrics) {
    Set<String> listed = connectionListed(connectionValues);
    boolean allowUnderscores = underscores == Underscores.ALLOW;
    int dropped = 0;
    String requestId = null;
    for (Map.Entry<String, String> e : in) {
      String name = e.getKey();
      boolean underscore = name.indexOf('_') >= 0;
      if (underscore && !allowUnderscores) {
        dropped++;
        out.drop(name);
        continue;
      }
      String n = candidate(name, !listed.isEmpty());
      if (n == null) {
        out.keep(name, e.getValue());
        continue;
      }
      if (isHopByHop(n) || isForwarding(n) || listed.contains(n) || n.startsWith(":")
          || underscore && isForwarding(n.replace('_', '-'))) {
        out.drop(name);
        continue;
      }
      if (n.equals("x-request-id")) {
        if (requestId == null && REQUEST_ID.matcher(e.getValue()).matches()) {
          requestId = e.getValue();
        }
        out.drop(name);
        continue;
      }
      out.keep(name, e.getValue());
    }
    if (dropped > 0) {
      metrics.headersDropped("underscore", dropped);
    }
    if (requestId == null) {
      ThreadLocalRandom r = ThreadLocalRandom.current();
      requestId = hex16(r.nextLong()) + hex16(r.nextLong());
    }
    String ip = d.clientIp();
    String proto = d.scheme();
    StringBuilder fwd = new StringBuilder("for=");
    if (ip.isEmpty()) {
      // PROXY LOCAL / UNSPEC: no client address; RFC 7239 §6.3 "unknown", and no X-Forwarded-For rather than an
      // empty or invented one
      fwd.append("unknown");
    } else {
      out.set("X-Forwarded-For", ip);
      // RFC 7239 §6: IPv6 addresses are quoted and bracketed
      if (ip.indexOf(':') >= 0) {
        fwd.append("\"[").append(ip).append("]\"");
      } else {
        fwd.append(ip);
      }
    }
    out.set("X-Forwarded-Proto", proto);
    out.set("X-Forwarded-Port", Integer.toString(d.frontPort()));
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
    filterResponse(in, in.getAll(HttpHeaders.CONNECTION), Target.copyInto(out));
  }

  /** The HTTP/1.x path: removes an upstream response's hop-by-hop headers in place. */
  static void filterResponse(io.netty.handler.codec.http.HttpHeaders h) {
    InPlace t = new InPlace(h);
    filterResponse(h, h.getAll(io.netty.handler.codec.http.HttpHeaderNames.CONNECTION), t);
    t.apply();
  }

  private static void filterResponse(Iterable<Map.Entry<String, String>> in, java.util.List<String> connectionValues,
      Target out) {
    Set<String> listed = connectionListed(connectionValues);
    for (Map.Entry<String, String> e : in) {
      String n = candidate(e.getKey(), !listed.isEmpty());
      if (n != null && (isHopByHop(n) || listed.contains(n))) {
        out.drop(e.getKey());
        continue;
      }
      out.keep(e.getKey(), e.getValue());
    }
  }
}
