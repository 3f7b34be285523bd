package io.sslfarm.ssl.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sslfarm.ssl.SslMetrics;
import io.sslfarm.ssl.SslMetrics.Reject;
import io.sslfarm.ssl.SslOptions;
import io.sslfarm.ssl.SslTier;
import io.sslfarm.ssl.testing.Curl;
import io.sslfarm.ssl.testing.JavaClient;
import io.sslfarm.ssl.testing.TierFixture;
import io.sslfarm.ssl.tls.TlsEngineKind;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The PROXY header gate in front of TLS (required mode), with raw sockets, curl and a JDK TLS client. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyProtocolTest {

  @RegisterExtension
  static final TierFixture fx = new TierFixture("router-p");

  SslTier start(SslOptions o) {
    return fx.start(o.setHost("127.0.0.1").setPort(0));
  }

  /** PROXY v2, TCP over IPv4, 203.0.113.7:5555 → 198.51.100.1:443, no TLVs. */
  static byte[] proxyV2() {
    return new byte[] {
        0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, // signature
        0x21, // v2, PROXY command
        0x11, // AF_INET, STREAM
        0x00, 0x0C, // 12 bytes of addresses
        (byte) 203, 0, 113, 7, // source 203.0.113.7
        (byte) 198, 51, 100, 1, // destination 198.51.100.1
        0x15, (byte) 0xB3, // source port 5555
        0x01, (byte) 0xBB}; // destination port 443
  }

  @ParameterizedTest
  @EnumSource(TlsEngineKind.class)
  void proxyV2FromTrustedEdge_clientAddressReachesRouter(TlsEngineKind engine) throws Exception {
    SslTier t = start(new SslOptions().setEngine(engine));
    fx.router().seen.clear();
    try (JavaClient c = JavaClient.connect(t.boundPort(), "a.example", "TLSv1.3", List.of("h2", "http/1.1"),
        proxyV2())) {
      assertThat(c.peerCn()).isEqualTo("a.example");
      assertThat(c.applicationProtocol()).isEqualTo("h2");
      String reply = c.request("GET / HTTP/1.1\r\n\r\n");
      assertThat(reply).contains("client=203.0.113.7:5555").contains("alpn=h2").contains("sni=a.example")
          .contains("version=TLSv1.3");
      assertThat(t.metrics().bytes("in")).isEqualTo("GET / HTTP/1.1\r\n\r\n".length());
      assertThat(t.metrics().bytes("out")).isEqualTo(reply.length());
    }
  }

  @Test
  void curlWithProxyV1Header_closedBeforeTls_countedMalformed_v2StillServed() throws Exception {
    SslTier t = start(new SslOptions());
    // curl --haproxy-protocol sends a PROXY v1 text line; edges send v2, so the gate refuses v1 (fail closed).
    String out = Curl.get(t.boundPort(), "a.example", "--http1.1", "--haproxy-protocol");
    assertThat(out).doesNotContain("router=").endsWith("proto=0");
    await().atMost(Duration.ofSeconds(2)).until(() -> t.metrics().rejectedCount(Reject.MALFORMED_HEADER) == 1);
    assertThat(t.metrics().handshakes("full")).isZero();
    try (JavaClient c = JavaClient.connect(t.boundPort(), "a.example", "TLSv1.3", List.of("http/1.1"), proxyV2())) {
      assertThat(c.request("GET / HTTP/1.1\r\n\r\n")).contains("client=203.0.113.7:5555");
    }
  }

  @Test
  void untrustedSourceWithoutHeader_closedBeforeTls_andCounted_othersUnaffected() throws Exception {
    SslTier strict = start(new SslOptions().setTrustedProxies(List.of("10.0.0.0/8")));
    SslTier open = start(new SslOptions());
    try (Socket s = new Socket("127.0.0.1", strict.boundPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01}); // the start of a ClientHello
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> strict.metrics().rejectedCount(Reject.UNTRUSTED_SOURCE) == 1);
    try (JavaClient c = JavaClient.connect(open.boundPort(), "a.example", "TLSv1.2", null, proxyV2())) {
      assertThat(c.request("GET / HTTP/1.1\r\n\r\n")).contains("router=router-p");
    }
  }

  @Test
  void trustedSourceWithoutHeader_closedAndCountedMalformed() throws Exception {
    SslTier t = start(new SslOptions());
    try (Socket s = new Socket("127.0.0.1", t.boundPort())) {
      s.setSoTimeout(5000);
      // A TLS ClientHello record header where a PROXY header must be.
      s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xf0, 0x01, 0x00, 0x00, (byte) 0xec,
          0x03, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
      assertThat(drain(s)).isZero();
    }
    SslMetrics m = t.metrics();
    await().atMost(Duration.ofSeconds(2)).until(() -> m.rejectedCount(Reject.MALFORMED_HEADER) == 1);
  }

  @Test
  void headerNeverSent_closedAtDeadline_countedHeaderTimeout() throws Exception {
    SslTier t = start(new SslOptions().setHandshakeTimeout(Duration.ofMillis(300)));
    try (Socket s = new Socket("127.0.0.1", t.boundPort())) {
      s.setSoTimeout(5000);
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> t.metrics().rejectedCount(Reject.HEADER_TIMEOUT) == 1);
  }

  static int drain(Socket s) throws java.io.IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = s.getInputStream().read()) >= 0) {
      b.write(c);
    }
    return b.size();
  }
}
