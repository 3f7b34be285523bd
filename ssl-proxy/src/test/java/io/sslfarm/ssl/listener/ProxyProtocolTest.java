package io.sslfarm.ssl.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sslfarm.cluster.LocalFarmCluster;
import io.sslfarm.cluster.seal.MasterKey;
import io.sslfarm.cluster.seal.SecretSealer;
import io.sslfarm.ssl.SslMetrics;
import io.sslfarm.ssl.SslMetrics.Reject;
import io.sslfarm.ssl.SslOptions;
import io.sslfarm.ssl.SslTier;
import io.sslfarm.ssl.testing.JavaClient;
import io.sslfarm.ssl.testing.MapCertificateSource;
import io.sslfarm.ssl.testing.TestCertificates;
import io.sslfarm.ssl.testing.TestRouter;
import io.sslfarm.ssl.testing.TestTierContext;
import io.sslfarm.ssl.tls.TlsEngineKind;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The PROXY header gate in front of TLS (required mode), with raw sockets, curl and a JDK TLS client. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyProtocolTest {

  static Vertx vertx;
  static LocalFarmCluster cluster;
  static SecretSealer sealer;
  static TestRouter router;
  static MapCertificateSource certs;
  final List<SslTier> tiers = new ArrayList<>();

  @BeforeAll
  static void setUp() throws Exception {
    vertx = Vertx.vertx();
    cluster = new LocalFarmCluster();
    sealer = new SecretSealer(MasterKey.generate());
    router = new TestRouter("router-p");
    cluster.nodes().register(router.nodeInfo()).toCompletableFuture().get(5, TimeUnit.SECONDS);
    certs = new MapCertificateSource().put(TestCertificates.selfSigned("a", 1, "a.example"), "a.example")
        .defaultCertificate(TestCertificates.selfSigned("default", 1, "default.example"));
  }

  @AfterAll
  static void tearDown() {
    router.close();
    cluster.close();
    vertx.close().await();
  }

  @AfterEach
  void closeTiers() {
    tiers.forEach(t -> t.close().await());
  }

  SslTier start(SslOptions o) {
    SslTier t = new SslTier(o.setHost("127.0.0.1").setPort(0), certs);
    tiers.add(t);
    t.start(new TestTierContext("ssl-p" + tiers.size(), vertx, cluster, sealer)).await();
    return t;
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
    router.seen.clear();
    try (JavaClient c = JavaClient.connect(t.boundPort(), "a.example", "TLSv1.3", List.of("h2", "http/1.1"),
        proxyV2())) {
      assertThat(c.peerCn()).isEqualTo("a.example");
      assertThat(c.applicationProtocol()).isEqualTo("h2");
      assertThat(c.request("GET / HTTP/1.1\r\n\r\n")).contains("client=203.0.113.7:5555").contains("alpn=h2")
          .contains("sni=a.example").contains("version=TLSv1.3");
    }
  }

  @Test
  void curlWithProxyV1_http11_and_h2() throws Exception {
    SslTier t = start(new SslOptions());
    for (String v : List.of("--http1.1", "--http2")) {
      Process p = new ProcessBuilder("curl", "-sk", "--max-time", "10", v, "--haproxy-protocol",
          "--resolve", "a.example:" + t.boundPort() + ":127.0.0.1", "-w", "\\nproto=%{http_version}",
          "https://a.example:" + t.boundPort() + "/").redirectErrorStream(true).start();
      assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      // The test router speaks HTTP/1.1 only: with h2 negotiated curl cannot parse its reply, but the ALPN TLV
      // shows the TLS side offered and chose h2.
      if (v.equals("--http1.1")) {
        assertThat(out).contains("router=router-p").contains("client=127.0.0.1").contains("alpn=http/1.1")
            .contains("sni=a.example");
      } else {
        TestRouter.Seen seen = router.seen.poll(5, TimeUnit.SECONDS);
        while (seen != null && !"h2".equals(seen.tlvs().get("alpn"))) {
          seen = router.seen.poll(5, TimeUnit.SECONDS);
        }
        assertThat(seen).isNotNull();
        assertThat(seen.tlvs()).containsEntry("sni", "a.example");
      }
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
