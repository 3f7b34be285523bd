package io.sslfarm.net;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxySSLTLV;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import io.sslfarm.net.internal.IpAddresses;
import io.sslfarm.net.internal.Pp2Tlvs;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a PROXY protocol v2 header says about a connection (haproxy proxy-protocol.txt §2.2), typed.
 *
 * <p>{@code source} is the original client, {@code destination} the address it connected to. Both are null for the
 * LOCAL command (a health check or a proxy's own connection: use the real connection endpoints) and for a PROXY header
 * whose family is UNSPEC. TLVs the farm uses are typed fields; any other TLV is kept, raw, in {@code otherTlvs}.
 *
 * @param command     PROXY or LOCAL
 * @param source      the client address, or null (LOCAL, UNSPEC)
 * @param destination the address the client connected to, or null (LOCAL, UNSPEC)
 * @param authority   PP2_TYPE_AUTHORITY (0x02): the host name the client asked for (TLS SNI), or null
 * @param alpn        PP2_TYPE_ALPN (0x01): the negotiated application protocol, e.g. {@code h2}, or null
 * @param ssl         PP2_TYPE_SSL (0x20) with its sub-TLVs, or null if the client did not use TLS
 * @param uniqueId    PP2_TYPE_UNIQUE_ID (0x05): an opaque connection id of at most 128 bytes, or null
 * @param otherTlvs   every other TLV in header order (never null; never one of the typed kinds above)
 */
public record ProxyInfo(Command command, InetSocketAddress source, InetSocketAddress destination, String authority,
    String alpn, Ssl ssl, byte[] uniqueId, List<Tlv> otherTlvs) {

  /** PP2_TYPE_ALPN: application protocol, US-ASCII bytes. */
  public static final int PP2_TYPE_ALPN = 0x01;
  /** PP2_TYPE_AUTHORITY: host name (SNI), UTF-8. */
  public static final int PP2_TYPE_AUTHORITY = 0x02;
  /** PP2_TYPE_CRC32C: header checksum. */
  public static final int PP2_TYPE_CRC32C = 0x03;
  /** PP2_TYPE_NOOP: padding, ignored. */
  public static final int PP2_TYPE_NOOP = 0x04;
  /** PP2_TYPE_UNIQUE_ID: opaque connection id, at most 128 bytes. */
  public static final int PP2_TYPE_UNIQUE_ID = 0x05;
  /** PP2_TYPE_SSL: client flags (1 byte), verify result (4 bytes), then sub-TLVs. */
  public static final int PP2_TYPE_SSL = 0x20;
  /** PP2_SUBTYPE_SSL_VERSION: e.g. {@code TLSv1.3}, US-ASCII. */
  public static final int PP2_SUBTYPE_SSL_VERSION = 0x21;
  /** PP2_SUBTYPE_SSL_CN: client certificate common name, UTF-8. */
  public static final int PP2_SUBTYPE_SSL_CN = 0x22;
  /** PP2_SUBTYPE_SSL_CIPHER: e.g. {@code TLS_AES_128_GCM_SHA256}, US-ASCII. */
  public static final int PP2_SUBTYPE_SSL_CIPHER = 0x23;
  /** PP2_SUBTYPE_SSL_SIG_ALG: certificate signature algorithm. */
  public static final int PP2_SUBTYPE_SSL_SIG_ALG = 0x24;
  /** PP2_SUBTYPE_SSL_KEY_ALG: certificate key algorithm. */
  public static final int PP2_SUBTYPE_SSL_KEY_ALG = 0x25;
  /** PP2_TYPE_NETNS: network namespace name. */
  public static final int PP2_TYPE_NETNS = 0x30;

  /** The unique-id TLV's limit (§2.2.6). */
  public static final int MAX_UNIQUE_ID_BYTES = 128;

  /** The PROXY v2 command (low nibble of byte 13). */
  public enum Command {
    /** The connection was relayed on behalf of the client whose address the header carries. */
    PROXY,
    /** The sender's own connection (health check): the receiver uses the real endpoints. */
    LOCAL
  }

  public ProxyInfo {
    Objects.requireNonNull(command, "command");
    if ((source == null) != (destination == null)) {
      throw new IllegalArgumentException("source and destination must both be set or both be null");
    }
    if (command == Command.LOCAL && source != null) {
      throw new IllegalArgumentException("a LOCAL header carries no addresses");
    }
    if (source != null && (source.getAddress() == null || destination.getAddress() == null)) {
      throw new IllegalArgumentException("addresses must be resolved IP addresses: " + source + ", " + destination);
    }
    authority = authority == null || authority.isEmpty() ? null : authority;
    alpn = alpn == null || alpn.isEmpty() ? null : alpn;
    if (uniqueId != null) {
      if (uniqueId.length > MAX_UNIQUE_ID_BYTES) {
        throw new IllegalArgumentException("unique id longer than 128 bytes: " + uniqueId.length);
      }
      uniqueId = uniqueId.length == 0 ? null : uniqueId.clone();
    }
    otherTlvs = otherTlvs == null ? List.of() : List.copyOf(otherTlvs);
    for (Tlv t : otherTlvs) {
      if (t.type() == PP2_TYPE_ALPN || t.type() == PP2_TYPE_AUTHORITY || t.type() == PP2_TYPE_UNIQUE_ID
          || t.type() == PP2_TYPE_SSL) {
        throw new IllegalArgumentException("TLV type 0x" + Integer.toHexString(t.type())
            + " has a typed field in ProxyInfo; set that instead");
      }
    }
  }

  /** A PROXY header for a TCP connection from {@code source} to {@code destination}, no TLVs. */
  public static ProxyInfo proxy(InetSocketAddress source, InetSocketAddress destination) {
    return new ProxyInfo(Command.PROXY, Objects.requireNonNull(source, "source"),
        Objects.requireNonNull(destination, "destination"), null, null, null, null, List.of());
  }

  /** A LOCAL header (health checks): no addresses, no TLVs. */
  public static ProxyInfo local() {
    return new ProxyInfo(Command.LOCAL, null, null, null, null, null, null, List.of());
  }

  /**
   * The channel's own endpoints as a PROXY info: remote address as source, local address as destination. What a tier
   * running without a PROXY header in front (direct mode) uses, so the rest of its code has one shape.
   */
  public static ProxyInfo fromChannel(Channel channel) {
    if (channel.remoteAddress() instanceof InetSocketAddress r && channel.localAddress() instanceof InetSocketAddress l
        && r.getAddress() != null && l.getAddress() != null) {
      return proxy(r, l);
    }
    return new ProxyInfo(Command.PROXY, null, null, null, null, null, null, List.of());
  }

  public ProxyInfo withAuthority(String authority) {
    return new ProxyInfo(command, source, destination, authority, alpn, ssl, uniqueId, otherTlvs);
  }

  public ProxyInfo withAlpn(String alpn) {
    return new ProxyInfo(command, source, destination, authority, alpn, ssl, uniqueId, otherTlvs);
  }

  public ProxyInfo withSsl(Ssl ssl) {
    return new ProxyInfo(command, source, destination, authority, alpn, ssl, uniqueId, otherTlvs);
  }

  public ProxyInfo withUniqueId(byte[] uniqueId) {
    return new ProxyInfo(command, source, destination, authority, alpn, ssl, uniqueId, otherTlvs);
  }

  /** Adds a raw TLV (a type without a typed field). */
  public ProxyInfo withTlv(int type, byte[] value) {
    List<Tlv> l = new ArrayList<>(otherTlvs);
    l.add(new Tlv(type, value));
    return new ProxyInfo(command, source, destination, authority, alpn, ssl, uniqueId, l);
  }

  /** A copy of the unique id, or null. */
  @Override
  public byte[] uniqueId() {
    return uniqueId == null ? null : uniqueId.clone();
  }

  public boolean isLocal() {
    return command == Command.LOCAL;
  }

  /** True if the header carried client addresses (PROXY command over TCP4/TCP6). */
  public boolean hasAddresses() {
    return source != null;
  }

  /** The TLS version from the SSL TLV, or null. */
  public String sslVersion() {
    return ssl == null ? null : ssl.version();
  }

  /** The cipher from the SSL TLV, or null. */
  public String sslCipher() {
    return ssl == null ? null : ssl.cipher();
  }

  /**
   * Converts a message decoded by Netty's {@link io.netty.handler.codec.haproxy.HAProxyMessageDecoder}. Does not release
   * {@code msg}. UNIX-socket and UNSPEC families give null addresses.
   *
   * @throws IllegalArgumentException if an address is not a literal IP (Netty validated it, so this is a bug)
   */
  public static ProxyInfo fromNetty(HAProxyMessage msg) {
    if (msg.command() == HAProxyCommand.LOCAL) {
      return local();
    }
    InetSocketAddress src = null;
    InetSocketAddress dst = null;
    HAProxyProxiedProtocol proto = msg.proxiedProtocol();
    if ((proto.addressFamily() == HAProxyProxiedProtocol.AddressFamily.AF_IPv4
        || proto.addressFamily() == HAProxyProxiedProtocol.AddressFamily.AF_IPv6) && msg.sourceAddress() != null) {
      src = socketAddress(msg.sourceAddress(), msg.sourcePort());
      dst = socketAddress(msg.destinationAddress(), msg.destinationPort());
    }
    Builder b = new Builder();
    // Netty's tlvs() lists an SSL TLV's sub-TLVs again right after it (flattened): skip those copies
    Set<HAProxyTLV> nested = Collections.newSetFromMap(new IdentityHashMap<>());
    for (HAProxyTLV tlv : msg.tlvs()) {
      if (tlv instanceof HAProxySSLTLV s) {
        nested.addAll(s.encapsulatedTLVs());
      }
    }
    for (HAProxyTLV tlv : msg.tlvs()) {
      if (nested.contains(tlv)) {
        continue;
      }
      int type = tlv.typeByteValue() & 0xff;
      if (type == PP2_TYPE_SSL && tlv instanceof HAProxySSLTLV s) {
        String version = null;
        String cipher = null;
        List<Tlv> others = new ArrayList<>();
        for (HAProxyTLV sub : s.encapsulatedTLVs()) {
          int st = sub.typeByteValue() & 0xff;
          byte[] v = ByteBufUtil.getBytes(sub.content());
          if (st == PP2_SUBTYPE_SSL_VERSION && version == null) {
            version = new String(v, StandardCharsets.ISO_8859_1);
          } else if (st == PP2_SUBTYPE_SSL_CIPHER && cipher == null) {
            cipher = new String(v, StandardCharsets.ISO_8859_1);
          } else {
            others.add(new Tlv(st, v));
          }
        }
        b.typed(type, null, new Ssl(s.client() & 0xff, s.verify(), version, cipher, others));
      } else {
        b.typed(type, ByteBufUtil.getBytes(tlv.content()), null);
      }
    }
    return b.build(src, dst);
  }

  /**
   * Builds a ProxyInfo from what Vert.x 5 exposes after its own PROXY decoding ({@code setUseProxyProtocol(true)}):
   * the overridden remote/local addresses and {@code proxyProtocolV2HeaderTLVs()} (raw type/value pairs; the SSL TLV's
   * sub-TLVs are parsed here). Vert.x does not expose the command: a LOCAL header shows as PROXY with the real
   * endpoints.
   *
   * @param remote the connection's {@code remoteAddress()} (the client, after Vert.x applied the header)
   * @param local  the connection's {@code localAddress()}
   * @param tlvs   {@code proxyProtocolV2HeaderTLVs()}, may be null
   * @throws IllegalArgumentException if the SSL TLV is malformed
   */
  public static ProxyInfo fromVertxTlvs(SocketAddress remote, SocketAddress local, List<Map.Entry<Buffer, Buffer>> tlvs) {
    Builder b = new Builder();
    if (tlvs != null) {
      for (Map.Entry<Buffer, Buffer> e : tlvs) {
        if (e.getKey() == null || e.getKey().length() != 1) {
          continue;
        }
        int type = e.getKey().getByte(0) & 0xff;
        byte[] value = e.getValue() == null ? new byte[0] : e.getValue().getBytes();
        if (type == PP2_TYPE_SSL) {
          b.typed(type, null, Pp2Tlvs.parseSsl(value));
        } else {
          b.typed(type, value, null);
        }
      }
    }
    return b.build(toInet(remote), toInet(local));
  }

  /** {@link #fromVertxTlvs} for a {@link NetSocket} of a server with {@code setUseProxyProtocol(true)}. */
  public static ProxyInfo fromVertx(NetSocket socket) {
    return fromVertxTlvs(socket.remoteAddress(), socket.localAddress(), socket.proxyProtocolV2HeaderTLVs());
  }

  /** {@link #fromVertxTlvs} for an {@link HttpConnection} of a server with {@code setUseProxyProtocol(true)}. */
  public static ProxyInfo fromVertx(HttpConnection connection) {
    return fromVertxTlvs(connection.remoteAddress(), connection.localAddress(),
        connection.proxyProtocolV2HeaderTLVs());
  }

  private static InetSocketAddress toInet(SocketAddress a) {
    if (a == null || !a.isInetSocket() || a.hostAddress() == null) {
      return null;
    }
    InetAddress ip = IpAddresses.toInetAddress(a.hostAddress());
    return ip == null ? null : new InetSocketAddress(ip, a.port());
  }

  private static InetSocketAddress socketAddress(String literal, int port) {
    InetAddress ip = IpAddresses.toInetAddress(literal);
    if (ip == null) {
      throw new IllegalArgumentException("not an IP address literal: " + literal);
    }
    return new InetSocketAddress(ip, port);
  }

  /** Collects typed TLVs, first occurrence wins for the typed kinds. */
  private static final class Builder {
    String authority;
    String alpn;
    Ssl ssl;
    byte[] uniqueId;
    final List<Tlv> others = new ArrayList<>();

    void typed(int type, byte[] value, Ssl sslValue) {
      switch (type) {
        case PP2_TYPE_AUTHORITY -> {
          if (authority == null) {
            authority = new String(value, StandardCharsets.UTF_8);
          }
        }
        case PP2_TYPE_ALPN -> {
          if (alpn == null) {
            alpn = new String(value, StandardCharsets.ISO_8859_1);
          }
        }
        case PP2_TYPE_UNIQUE_ID -> {
          if (uniqueId == null && value.length <= MAX_UNIQUE_ID_BYTES) {
            uniqueId = value;
          }
        }
        case PP2_TYPE_SSL -> {
          if (ssl == null) {
            ssl = sslValue;
          }
        }
        default -> others.add(new Tlv(type, value));
      }
    }

    ProxyInfo build(InetSocketAddress src, InetSocketAddress dst) {
      if (src == null || dst == null) {
        src = null;
        dst = null;
      }
      return new ProxyInfo(Command.PROXY, src, dst, authority, alpn, ssl, uniqueId, others);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProxyInfo p && p.command == command && Objects.equals(p.source, source)
        && Objects.equals(p.destination, destination) && Objects.equals(p.authority, authority)
        && Objects.equals(p.alpn, alpn) && Objects.equals(p.ssl, ssl) && Arrays.equals(p.uniqueId, uniqueId)
        && p.otherTlvs.equals(otherTlvs);
  }

  @Override
  public int hashCode() {
    return Objects.hash(command, source, destination, authority, alpn, ssl, Arrays.hashCode(uniqueId), otherTlvs);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("ProxyInfo[").append(command);
    if (source != null) {
      sb.append(' ').append(source).append(" -> ").append(destination);
    }
    if (authority != null) {
      sb.append(", authority=").append(authority);
    }
    if (alpn != null) {
      sb.append(", alpn=").append(alpn);
    }
    if (ssl != null) {
      sb.append(", ").append(ssl);
    }
    if (uniqueId != null) {
      sb.append(", uniqueId=").append(HexFormat.of().formatHex(uniqueId));
    }
    if (!otherTlvs.isEmpty()) {
      sb.append(", tlvs=").append(otherTlvs);
    }
    return sb.append(']').toString();
  }

  /**
   * The PP2_TYPE_SSL TLV (§2.2.5).
   *
   * @param client       PP2_CLIENT_* bit field: {@link #CLIENT_SSL} (TLS was used), {@link #CLIENT_CERT_CONN} (a client
   *                     certificate on this connection), {@link #CLIENT_CERT_SESS} (in this session)
   * @param verify       0 if the client certificate was verified (or none was presented), non-zero otherwise
   * @param version      PP2_SUBTYPE_SSL_VERSION, e.g. {@code TLSv1.3}, or null
   * @param cipher       PP2_SUBTYPE_SSL_CIPHER, e.g. {@code TLS_AES_256_GCM_SHA384}, or null
   * @param otherSubTlvs every other sub-TLV (CN, signature and key algorithms), raw; never null
   */
  public record Ssl(int client, int verify, String version, String cipher, List<Tlv> otherSubTlvs) {

    public static final int CLIENT_SSL = 0x01;
    public static final int CLIENT_CERT_CONN = 0x02;
    public static final int CLIENT_CERT_SESS = 0x04;

    public Ssl {
      if (client < 0 || client > 0xff) {
        throw new IllegalArgumentException("client flags are one byte: " + client);
      }
      version = version == null || version.isEmpty() ? null : version;
      cipher = cipher == null || cipher.isEmpty() ? null : cipher;
      otherSubTlvs = otherSubTlvs == null ? List.of() : List.copyOf(otherSubTlvs);
      for (Tlv t : otherSubTlvs) {
        if (t.type() == PP2_SUBTYPE_SSL_VERSION || t.type() == PP2_SUBTYPE_SSL_CIPHER) {
          throw new IllegalArgumentException("sub-TLV 0x" + Integer.toHexString(t.type()) + " has a typed field");
        }
      }
    }

    /** A TLS connection without a client certificate: client = CLIENT_SSL, verify = 0. */
    public static Ssl of(String version, String cipher) {
      return new Ssl(CLIENT_SSL, 0, version, cipher, List.of());
    }

    public boolean clientSsl() {
      return (client & CLIENT_SSL) != 0;
    }

    public boolean clientCertConn() {
      return (client & CLIENT_CERT_CONN) != 0;
    }

    public boolean clientCertSess() {
      return (client & CLIENT_CERT_SESS) != 0;
    }

    /** True if the client certificate (if any) was verified. */
    public boolean verified() {
      return verify == 0;
    }
  }

  /**
   * One raw TLV.
   *
   * @param type  0-255
   * @param value at most 65535 bytes (the array is copied)
   */
  public record Tlv(int type, byte[] value) {

    public Tlv {
      if (type < 0 || type > 0xff) {
        throw new IllegalArgumentException("TLV type is one byte: " + type);
      }
      Objects.requireNonNull(value, "value");
      if (value.length > 0xffff) {
        throw new IllegalArgumentException("TLV value longer than 65535 bytes: " + value.length);
      }
      value = value.clone();
    }

    @Override
    public byte[] value() {
      return value.clone();
    }

    /** The value without a copy, for the encoder. */
    byte[] valueUnsafe() {
      return value;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Tlv t && t.type == type && Arrays.equals(t.value, value);
    }

    @Override
    public int hashCode() {
      return 31 * type + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return "0x" + Integer.toHexString(type) + "=" + HexFormat.of().formatHex(value);
    }
  }
}
