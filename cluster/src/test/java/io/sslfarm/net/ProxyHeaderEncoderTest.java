package io.sslfarm.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxySSLTLV;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import io.sslfarm.net.ProxyInfo.Ssl;
import io.sslfarm.net.ProxyInfo.Tlv;
import io.vertx.core.buffer.Buffer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Byte vectors per haproxy proxy-protocol.txt §2.2, each also decoded by Netty's HAProxyMessageDecoder. */
class ProxyHeaderEncoderTest {

  private static final int[] SIGNATURE = {
      0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A}; // \r\n\r\n\0\r\nQUIT\n

  static InetSocketAddress addr(String ip, int port) throws Exception {
    return new InetSocketAddress(InetAddress.getByName(ip), port);
  }

  static byte[] bytes(int... v) {
    byte[] b = new byte[SIGNATURE.length + v.length];
    for (int i = 0; i < SIGNATURE.length; i++) {
      b[i] = (byte) SIGNATURE[i];
    }
    for (int i = 0; i < v.length; i++) {
      b[SIGNATURE.length + i] = (byte) v[i];
    }
    return b;
  }

  static byte[] encode(ProxyInfo info) {
    ByteBuf buf = ProxyHeaderEncoder.encode(info, ByteBufAllocator.DEFAULT);
    try {
      assertThat(buf.readableBytes()).isEqualTo(ProxyHeaderEncoder.encodedLength(info));
      return ByteBufUtil.getBytes(buf);
    } finally {
      buf.release();
    }
  }

  /** Feeds the header plus a payload through Netty's decoder; returns the message (caller releases). */
  static HAProxyMessage nettyDecode(byte[] header) {
    EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder());
    ch.writeInbound(Unpooled.wrappedBuffer(header, "payload".getBytes(StandardCharsets.US_ASCII)));
    HAProxyMessage msg = ch.readInbound();
    ByteBuf rest = ch.readInbound();
    assertThat(rest.toString(StandardCharsets.US_ASCII)).isEqualTo("payload");
    rest.release();
    assertThat(ch.finish()).isFalse();
    return msg;
  }

  static ProxyInfo roundTrip(ProxyInfo info) {
    HAProxyMessage msg = nettyDecode(encode(info));
    try {
      return ProxyInfo.fromNetty(msg);
    } finally {
      assertThat(msg.release()).isTrue();
    }
  }

  @Test
  void tcp4_noTlvs() throws Exception {
    ProxyInfo info = ProxyInfo.proxy(addr("192.0.2.1", 56324), addr("198.51.100.2", 443));
    assertThat(encode(info)).containsExactly(bytes(
        0x21,                   // version 2, command PROXY
        0x11,                   // AF_INET, STREAM (TCP over IPv4)
        0x00, 0x0C,             // 12 bytes follow: 4 + 4 + 2 + 2
        192, 0, 2, 1,           // source address 192.0.2.1
        198, 51, 100, 2,        // destination address 198.51.100.2
        0xDC, 0x04,             // source port 56324
        0x01, 0xBB));           // destination port 443
    HAProxyMessage msg = nettyDecode(encode(info));
    assertThat(msg.command()).isEqualTo(HAProxyCommand.PROXY);
    assertThat(msg.proxiedProtocol()).isEqualTo(HAProxyProxiedProtocol.TCP4);
    assertThat(msg.sourceAddress()).isEqualTo("192.0.2.1");
    assertThat(msg.sourcePort()).isEqualTo(56324);
    assertThat(msg.destinationAddress()).isEqualTo("198.51.100.2");
    assertThat(msg.destinationPort()).isEqualTo(443);
    msg.release();
    assertThat(roundTrip(info)).isEqualTo(info);
  }

  @Test
  void tcp6_noTlvs() throws Exception {
    ProxyInfo info = ProxyInfo.proxy(addr("2001:db8::1", 1234), addr("2001:db8::2", 443));
    assertThat(encode(info)).containsExactly(bytes(
        0x21,                   // version 2, command PROXY
        0x21,                   // AF_INET6, STREAM (TCP over IPv6)
        0x00, 0x24,             // 36 bytes follow: 16 + 16 + 2 + 2
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,   // source 2001:db8::1
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,   // destination 2001:db8::2
        0x04, 0xD2,             // source port 1234
        0x01, 0xBB));           // destination port 443
    assertThat(roundTrip(info)).isEqualTo(info);
  }

  @Test
  void mixedFamilies_ipv4SideIsWrittenIpv4Mapped() throws Exception {
    ProxyInfo info = ProxyInfo.proxy(addr("192.0.2.1", 40000), addr("2001:db8::2", 443));
    assertThat(encode(info)).containsExactly(bytes(
        0x21,                   // version 2, command PROXY
        0x21,                   // TCP over IPv6: one family for both addresses
        0x00, 0x24,             // 36 bytes follow
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, 2, 1,          // source ::ffff:192.0.2.1
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,   // destination 2001:db8::2
        0x9C, 0x40,             // source port 40000
        0x01, 0xBB));           // destination port 443
    ProxyInfo back = roundTrip(info);
    // the JDK reads ::ffff:192.0.2.1 back as the IPv4 address: the client is the same
    assertThat(back.source()).isEqualTo(info.source());
    assertThat(back.destination()).isEqualTo(info.destination());
  }

  @Test
  void local_hasNoAddressesAndNoTlvs() {
    assertThat(encode(ProxyInfo.local())).containsExactly(bytes(
        0x20,                   // version 2, command LOCAL
        0x00,                   // AF_UNSPEC, UNSPEC
        0x00, 0x00));           // nothing follows
    HAProxyMessage msg = nettyDecode(encode(ProxyInfo.local()));
    assertThat(msg.command()).isEqualTo(HAProxyCommand.LOCAL);
    msg.release();
    assertThat(roundTrip(ProxyInfo.local())).isEqualTo(ProxyInfo.local());
  }

  @Test
  void proxyWithoutAddresses_isUnspec() {
    ProxyInfo info = new ProxyInfo(ProxyInfo.Command.PROXY, null, null, null, null, null, null, List.of());
    assertThat(encode(info)).containsExactly(bytes(
        0x21,                   // version 2, command PROXY
        0x00,                   // AF_UNSPEC: the receiver uses the real endpoints
        0x00, 0x00));
  }

  @Test
  void tcp4_withTlvs() throws Exception {
    ProxyInfo info = ProxyInfo.proxy(addr("192.0.2.1", 56324), addr("198.51.100.2", 443))
        .withAlpn("h2")
        .withAuthority("example.com")
        .withUniqueId(new byte[] {1, 2, 3, 4})
        .withSsl(Ssl.of("TLSv1.3", "TLS_AES_128_GCM_SHA256"))
        .withTlv(0xE0, new byte[] {'x'});
    byte[] expected = concat(bytes(
        0x21,                   // version 2, command PROXY
        0x11,                   // TCP over IPv4
        0x00, 0x55,             // 85 bytes follow: 12 addresses + 5 + 14 + 7 + 43 + 4 TLVs
        192, 0, 2, 1,           // source address
        198, 51, 100, 2,        // destination address
        0xDC, 0x04,             // source port 56324
        0x01, 0xBB,             // destination port 443
        0x01, 0x00, 0x02),      // PP2_TYPE_ALPN, length 2
        ascii("h2"),
        bytes0(0x02, 0x00, 0x0B),      // PP2_TYPE_AUTHORITY, length 11
        ascii("example.com"),
        bytes0(0x05, 0x00, 0x04,       // PP2_TYPE_UNIQUE_ID, length 4
            1, 2, 3, 4,
            0x20, 0x00, 0x28,          // PP2_TYPE_SSL, length 40
            0x01,                      // client: PP2_CLIENT_SSL
            0x00, 0x00, 0x00, 0x00,    // verify: 0 = success
            0x21, 0x00, 0x07),         // PP2_SUBTYPE_SSL_VERSION, length 7
        ascii("TLSv1.3"),
        bytes0(0x23, 0x00, 0x16),      // PP2_SUBTYPE_SSL_CIPHER, length 22
        ascii("TLS_AES_128_GCM_SHA256"),
        bytes0(0xE0, 0x00, 0x01,       // a custom TLV (0xE0 is in the PP2_TYPE_MIN_CUSTOM range), length 1
            'x'));
    assertThat(encode(info)).containsExactly(expected);

    HAProxyMessage msg = nettyDecode(expected);
    try {
      List<HAProxyTLV> tlvs = msg.tlvs();
      // Netty lists the SSL TLV's sub-TLVs again right after it: ProxyInfo.fromNetty must not count them twice
      assertThat(tlvs).extracting(HAProxyTLV::type).containsExactly(HAProxyTLV.Type.PP2_TYPE_ALPN,
          HAProxyTLV.Type.PP2_TYPE_AUTHORITY, HAProxyTLV.Type.OTHER, HAProxyTLV.Type.PP2_TYPE_SSL,
          HAProxyTLV.Type.PP2_TYPE_SSL_VERSION, HAProxyTLV.Type.OTHER, HAProxyTLV.Type.OTHER);
      HAProxySSLTLV ssl = (HAProxySSLTLV) tlvs.get(3);
      assertThat(ssl.isPP2ClientSSL()).isTrue();
      assertThat(ssl.verify()).isZero();
      assertThat(ssl.encapsulatedTLVs()).hasSize(2);
    } finally {
      msg.release();
    }
    ProxyInfo back = roundTrip(info);
    assertThat(back).isEqualTo(info);
    assertThat(back.authority()).isEqualTo("example.com");
    assertThat(back.alpn()).isEqualTo("h2");
    assertThat(back.sslVersion()).isEqualTo("TLSv1.3");
    assertThat(back.sslCipher()).isEqualTo("TLS_AES_128_GCM_SHA256");
    assertThat(back.uniqueId()).containsExactly(1, 2, 3, 4);
    assertThat(back.otherTlvs()).containsExactly(new Tlv(0xE0, new byte[] {'x'}));
  }

  @Test
  void tcp6_withSslClientCertificateFlagsAndSubTlvs_roundTrips() throws Exception {
    Ssl ssl = new Ssl(Ssl.CLIENT_SSL | Ssl.CLIENT_CERT_CONN | Ssl.CLIENT_CERT_SESS, 19, "TLSv1.2",
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        List.of(new Tlv(ProxyInfo.PP2_SUBTYPE_SSL_CN, "client one".getBytes(StandardCharsets.UTF_8))));
    ProxyInfo info = ProxyInfo.proxy(addr("2001:db8::1", 1), addr("::1", 65535))
        .withAuthority("bücher.example").withSsl(ssl);
    ProxyInfo back = roundTrip(info);
    assertThat(back).isEqualTo(info);
    assertThat(back.ssl().clientCertConn()).isTrue();
    assertThat(back.ssl().verified()).isFalse();
  }

  @Test
  void encodeToBuffer_matchesByteBuf() throws Exception {
    ProxyInfo info = ProxyInfo.proxy(addr("10.0.0.1", 5), addr("10.0.0.2", 6)).withAlpn("http/1.1");
    Buffer b = ProxyHeaderEncoder.encodeToBuffer(info);
    assertThat(b.getBytes()).containsExactly(encode(info));
  }

  @Test
  void oversizedTlvs_areRefused() throws Exception {
    ProxyInfo info = ProxyInfo.proxy(addr("10.0.0.1", 5), addr("10.0.0.2", 6))
        .withTlv(0xE1, new byte[65535 - 12 - 3]); // exactly 65535 after the fixed part: fits
    assertThat(ProxyHeaderEncoder.encodedLength(info)).isEqualTo(16 + 65535);
    ProxyInfo tooBig = info.withTlv(0xE2, new byte[0]);
    assertThatThrownBy(() -> ProxyHeaderEncoder.encode(tooBig, ByteBufAllocator.DEFAULT))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65535");
    assertThatThrownBy(() -> info.withUniqueId(new byte[129])).isInstanceOf(IllegalArgumentException.class);
  }

  private static byte[] bytes0(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return b;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int o = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return out;
  }
}
