package io.sslfarm.router.listener;

import io.sslfarm.net.ProxyInfo;
import java.net.InetSocketAddress;

/**
 * One accepted downstream connection as the request path needs it: an id for logs and the {@link ProxyInfo} the
 * {@link io.sslfarm.net.ProxyProtocolGate} accepted (in direct mode, the connection's own addresses), with the two
 * strings every request uses computed once per connection rather than once per request.
 *
 * @param id        connection id for logs ({@code conn#id})
 * @param proxy     the PROXY header: client address, ALPN, SSL TLV
 * @param clientIp  the client address literal (no brackets), or "" if the header carried none (LOCAL, UNSPEC)
 * @param frontPort the port the client connected to (the PROXY destination port; the listener port in direct mode)
 */
public record DownstreamConnection(long id, ProxyInfo proxy, String clientIp, int frontPort) {

  /** Builds it from an accepted header; {@code listenerPort} stands in when the header has no addresses. */
  public static DownstreamConnection of(long id, ProxyInfo proxy, int listenerPort) {
    InetSocketAddress src = proxy.source();
    InetSocketAddress dst = proxy.destination();
    return new DownstreamConnection(id, proxy, src == null ? "" : src.getAddress().getHostAddress(),
        dst == null ? listenerPort : dst.getPort());
  }

  /** True if the SSL TLV says the client's connection used TLS. */
  public boolean tls() {
    return proxy.ssl() != null && proxy.ssl().clientSsl();
  }

  /** {@code https} if the client used TLS to the SSL tier, else {@code http}. */
  public String scheme() {
    return tls() ? "https" : "http";
  }
}
