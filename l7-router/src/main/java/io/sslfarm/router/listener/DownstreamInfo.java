package io.sslfarm.router.listener;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * What the router knows about a downstream connection, from the PROXY v2 header (or the TCP peer in direct mode).
 * Immutable, one per connection.
 *
 * @param id         connection id for logs
 * @param clientIp   the original client address (PROXY source), without brackets
 * @param clientPort the original client port
 * @param frontPort  the port the client connected to (PROXY destination port; the listener port in direct mode)
 * @param tls        true if the SSL TLV says the client connection used TLS
 * @param tlsVersion e.g. {@code TLSv1.3}, or null
 * @param cipher     e.g. {@code TLS_AES_128_GCM_SHA256}, or null
 * @param sni        the AUTHORITY TLV (SNI the client sent), or null
 * @param alpn       the ALPN TLV ({@code h2}, {@code http/1.1}), or null
 */
public record DownstreamInfo(long id, String clientIp, int clientPort, int frontPort, boolean tls, String tlsVersion,
    String cipher, String sni, String alpn) {

  // PROXY protocol v2 §2.2.x TLV types
  static final int PP2_TYPE_ALPN = 0x01;
  static final int PP2_TYPE_AUTHORITY = 0x02;
  static final int PP2_TYPE_SSL = 0x20;
  static final int PP2_SUBTYPE_SSL_VERSION = 0x21;
  static final int PP2_SUBTYPE_SSL_CIPHER = 0x23;
  static final int PP2_CLIENT_SSL = 0x01;

  /**
   * Builds the info from the TLVs Vert.x exposes as raw (type, value) pairs. The SSL TLV value is
   * {@code client (1) ‖ verify (4) ‖ sub-TLVs}; its presence with the PP2_CLIENT_SSL bit means TLS.
   */
  static DownstreamInfo of(long id, String ip, int port, int frontPort,
      List<Map.Entry<Buffer, Buffer>> tlvs) {
    boolean tls = false;
    String version = null;
    String cipher = null;
    String sni = null;
    String alpn = null;
    if (tlvs != null) {
      for (Map.Entry<Buffer, Buffer> e : tlvs) {
        if (e.getKey() == null || e.getKey().length() < 1 || e.getValue() == null) {
          continue;
        }
        int type = e.getKey().getUnsignedByte(0);
        byte[] v = e.getValue().getBytes();
        switch (type) {
          case PP2_TYPE_ALPN -> alpn = new String(v, StandardCharsets.US_ASCII);
          case PP2_TYPE_AUTHORITY -> sni = new String(v, StandardCharsets.UTF_8);
          case PP2_TYPE_SSL -> {
            if (v.length >= 5) {
              tls = (v[0] & PP2_CLIENT_SSL) != 0;
              int i = 5;
              while (i + 3 <= v.length) {
                int st = v[i] & 0xff;
                int len = ((v[i + 1] & 0xff) << 8) | (v[i + 2] & 0xff);
                if (i + 3 + len > v.length) {
                  break;
                }
                String s = new String(v, i + 3, len, StandardCharsets.US_ASCII);
                if (st == PP2_SUBTYPE_SSL_VERSION) {
                  version = s;
                } else if (st == PP2_SUBTYPE_SSL_CIPHER) {
                  cipher = s;
                }
                i += 3 + len;
              }
            }
          }
          default -> {
          }
        }
      }
    }
    return new DownstreamInfo(id, ip, port, frontPort, tls, version, cipher, sni, alpn);
  }

  /** {@code https} if the client used TLS to the SSL tier, else {@code http}. */
  public String scheme() {
    return tls ? "https" : "http";
  }
}
