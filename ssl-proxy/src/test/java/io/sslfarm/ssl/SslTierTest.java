package io.sslfarm.ssl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sslfarm.cluster.LocalFarmCluster;
import io.sslfarm.cluster.seal.MasterKey;
import io.sslfarm.cluster.seal.SecretSealer;
import io.sslfarm.ssl.SslMetrics.Reject;
import io.sslfarm.ssl.testing.JavaClient;
import io.sslfarm.ssl.testing.MapCertificateSource;
import io.sslfarm.ssl.testing.SClient;
import io.sslfarm.ssl.testing.TestCertificates;
import io.sslfarm.ssl.testing.TestRouter;
import io.sslfarm.ssl.testing.TestTierContext;
import io.sslfarm.ssl.tls.TlsEngineKind;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The tier end to end with real clients ({@code openssl s_client}); routers are {@link TestRouter}s. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SslTierTest {

  static Vertx vertx;
  static LocalFarmCluster cluster;
  static SecretSealer sealer;
  static TestRouter router;
  static MapCertificateSource certs;

  final List<SslTier> tiers = new ArrayList<>();
  @TempDir
  Path tmp;

  @BeforeAll
  static void setUp() throws Exception {
    vertx = Vertx.vertx();
    cluster = new LocalFarmCluster();
    sealer = new SecretSealer(MasterKey.generate());
    router = new TestRouter("router-1");
    cluster.nodes().register(router.nodeInfo()).toCompletableFuture().get(5, TimeUnit.SECONDS);
    certs = new MapCertificateSource()
        .put(TestCertificates.selfSigned("a", 1, "a.example"), "a.example")
        .put(TestCertificates.selfSigned("b", 1, "b.example"), "b.example")
        .put(TestCertificates.selfSigned("wild", 1, "*.wild.example"), "*.wild.example")
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

  static SslOptions direct(TlsEngineKind engine) {
    return new SslOptions().setHost("127.0.0.1").setPort(0).setEngine(engine).setProxyProtocol(false);
  }

  int start(SslOptions o) {
    SslTier t = new SslTier(o, certs);
    tiers.add(t);
    return t.start(new TestTierContext("ssl-" + tiers.size(), vertx, cluster, sealer)).await().port();
  }

  @ParameterizedTest
  @EnumSource(TlsEngineKind.class)
  void tls13_h2_exactName_relaysWithTlvs(TlsEngineKind engine) throws Exception {
    int port = start(direct(engine));
    router.seen.clear();
    String out = SClient.run(port, "a.example", "1.3", "h2,http/1.1", null, null);
    assertThat(out).contains("CN = a.example").contains("ALPN protocol: h2").contains("New, TLSv1.3")
        .contains("router=router-1").contains("sni=a.example").contains("alpn=h2").contains("version=TLSv1.3")
        .contains("cipher=TLS_AES_");
    TestRouter.Seen seen = router.seen.poll(5, TimeUnit.SECONDS);
    assertThat(seen.source()).isEqualTo("127.0.0.1");
    assertThat(seen.tlvs()).containsEntry("ssl-client", "1");
  }

  @ParameterizedTest
  @EnumSource(TlsEngineKind.class)
  void tls12_http11_secondName(TlsEngineKind engine) throws Exception {
    int port = start(direct(engine));
    String out = SClient.run(port, "b.example", "1.2", "http/1.1", null, null);
    assertThat(out).contains("CN = b.example").contains("ALPN protocol: http/1.1").contains("New, TLSv1.2")
        .contains("version=TLSv1.2").contains("cipher=TLS_ECDHE_ECDSA_WITH_");
  }

  @ParameterizedTest
  @EnumSource(TlsEngineKind.class)
  void noAlpn_wildcardName_works(TlsEngineKind engine) throws Exception {
    int port = start(direct(engine));
    String out = SClient.run(port, "x.wild.example", "1.3", null, null, null);
    assertThat(out).contains("CN = *.wild.example").contains("No ALPN negotiated").contains("router=router-1")
        .contains("sni=x.wild.example").doesNotContain("alpn=");
  }

  @ParameterizedTest
  @EnumSource(TlsEngineKind.class)
  void unknownName_and_noSni_getDefaultCertificate(TlsEngineKind engine) throws Exception {
    int port = start(direct(engine));
    assertThat(SClient.run(port, "nobody.test", "1.3", "h2", null, null)).contains("CN = default.example")
        .contains("router=router-1");
    assertThat(SClient.run(port, null, "1.2", null, null, null)).contains("CN = default.example")
        .contains("router=router-1");
  }

  @ParameterizedTest
  @EnumSource(TlsEngineKind.class)
  void sameNode_resumes_tls13_and_tls12(TlsEngineKind engine) throws Exception {
    int port = start(direct(engine));
    for (String v : List.of("1.3", "1.2")) {
      Path sess = tmp.resolve(engine + "-" + v + ".pem");
      assertThat(SClient.run(port, "a.example", v, "h2", sess, null)).contains("New, TLSv" + v);
      assertThat(sess).exists();
      assertThat(SClient.run(port, "a.example", v, "h2", null, sess)).contains("Reused, TLSv" + v)
          .contains("router=router-1");
    }
    SslMetrics m = tiers.get(0).metrics();
    assertThat(m.handshakes("resumed")).isEqualTo(2);
    assertThat(m.handshakes("full")).isEqualTo(2);
  }

  @Test
  void openssl_crossNode_resumes_tls13_and_tls12() throws Exception {
    int a = start(direct(TlsEngineKind.OPENSSL));
    int b = start(direct(TlsEngineKind.OPENSSL));
    await().atMost(Duration.ofSeconds(5)).until(() -> tiers.get(1).ticketKeys().appliedGeneration() >= 1
        && tiers.get(0).ticketKeys().appliedGeneration() == tiers.get(1).ticketKeys().appliedGeneration());
    for (String v : List.of("1.3", "1.2")) {
      Path sess = tmp.resolve("x-" + v + ".pem");
      assertThat(SClient.run(a, "a.example", v, "h2", sess, null)).contains("New, TLSv" + v);
      assertThat(SClient.run(b, "a.example", v, "h2", null, sess)).contains("Reused, TLSv" + v)
          .contains("router=router-1");
    }
    assertThat(tiers.get(1).metrics().handshakes("resumed")).isEqualTo(2);
  }

  @Test
  void conscrypt_doesNotResumeOnAnotherNode() throws Exception {
    int a = start(direct(TlsEngineKind.CONSCRYPT));
    int b = start(direct(TlsEngineKind.CONSCRYPT));
    Path sess = tmp.resolve("c.pem");
    assertThat(SClient.run(a, "a.example", "1.3", "h2", sess, null)).contains("New, TLSv1.3");
    assertThat(SClient.run(b, "a.example", "1.3", "h2", null, sess)).contains("New, TLSv1.3")
        .contains("router=router-1");
  }

  @Test
  void openssl_ticketFromBeforeRotation_resumesAfter_andNotAfterTwo() throws Exception {
    int a = start(direct(TlsEngineKind.OPENSSL));
    int b = start(direct(TlsEngineKind.OPENSSL));
    SslTier ta = tiers.get(0);
    SslTier tb = tiers.get(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> tb.ticketKeys().appliedGeneration() >= 1);
    for (String v : List.of("1.3", "1.2")) {
      Path sess = tmp.resolve("r-" + v + ".pem");
      assertThat(SClient.run(a, "b.example", v, null, sess, null)).contains("New, TLSv" + v);
      long gen = cluster.ticketKeys().current().orElseThrow().generation();
      assertThat(ta.ticketKeys().rotateNow().toCompletableFuture().get(5, TimeUnit.SECONDS)).isTrue();
      await().atMost(Duration.ofSeconds(5)).until(() -> ta.ticketKeys().appliedGeneration() == gen + 1
          && tb.ticketKeys().appliedGeneration() == gen + 1);
      assertThat(SClient.run(b, "b.example", v, null, null, sess)).contains("Reused, TLSv" + v);
      assertThat(ta.ticketKeys().rotateNow().toCompletableFuture().get(5, TimeUnit.SECONDS)).isTrue();
      await().atMost(Duration.ofSeconds(5)).until(() -> tb.ticketKeys().appliedGeneration() == gen + 2);
      assertThat(SClient.run(b, "b.example", v, null, null, sess)).contains("New, TLSv" + v);
    }
  }

  @ParameterizedTest
  @EnumSource(TlsEngineKind.class)
  void certificateChange_reachesNextHandshake_openConnectionUnaffected(TlsEngineKind engine) throws Exception {
    MapCertificateSource own = new MapCertificateSource()
        .put(TestCertificates.selfSigned("hot", 1, "hot.example"), "hot.example");
    SslTier t = new SslTier(direct(engine), own);
    tiers.add(t);
    int port = t.start(new TestTierContext("ssl-hot", vertx, cluster, sealer)).await().port();
    try (JavaClient open = JavaClient.connect(port, "hot.example", "TLSv1.3", List.of("http/1.1"), null)) {
      assertThat(open.peerCn()).isEqualTo("hot.example");
      own.put(TestCertificates.selfSigned("hot", 2, "hot-v2.example", "hot.example"), "hot.example");
      long changed = System.nanoTime();
      await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(100))
          .until(() -> SClient.run(port, "hot.example", "1.3", null, null, null).contains("CN = hot-v2.example"));
      assertThat(Duration.ofNanos(System.nanoTime() - changed)).isLessThan(Duration.ofSeconds(2));
      assertThat(open.request("GET / HTTP/1.1\r\nHost: hot.example\r\n\r\n")).contains("router=router-1")
          .contains("sni=hot.example");
    }
  }

  @ParameterizedTest
  @EnumSource(TlsEngineKind.class)
  void garbageInsteadOfClientHello_closedAndCounted_othersUnaffected(TlsEngineKind engine) throws Exception {
    int port = start(direct(engine));
    try (JavaClient good = JavaClient.connect(port, "a.example", "TLSv1.2", List.of("h2"), null);
         Socket bad = new Socket("127.0.0.1", port)) {
      bad.setSoTimeout(5000);
      bad.getOutputStream().write("GET / HTTP/1.1\r\nHost: a.example\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(readToEof(bad.getInputStream())).isLessThan(100);
      SslMetrics m = tiers.get(0).metrics();
      await().atMost(Duration.ofSeconds(5)).until(() -> m.rejectedCount(Reject.TLS_ERROR) == 1);
      assertThat(good.request("GET / HTTP/1.1\r\n\r\n")).contains("router=router-1");
    }
  }

  @Test
  void silentClient_closedAfterHandshakeTimeout_andCounted() throws Exception {
    int port = start(direct(TlsEngineKind.CONSCRYPT).setHandshakeTimeout(Duration.ofMillis(500)));
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      long t0 = System.nanoTime();
      assertThat(s.getInputStream().read()).isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    }
    SslMetrics m = tiers.get(0).metrics();
    await().atMost(Duration.ofSeconds(2)).until(() -> m.rejectedCount(Reject.HANDSHAKE_TIMEOUT) == 1);
  }

  @Test
  void maxConnections_rejectsBeyondLimit() throws Exception {
    int port = start(direct(TlsEngineKind.CONSCRYPT).setMaxConnections(1));
    try (JavaClient first = JavaClient.connect(port, "a.example", "TLSv1.3", List.of("h2"), null);
         Socket second = new Socket("127.0.0.1", port)) {
      second.setSoTimeout(5000);
      assertThat(second.getInputStream().read()).isEqualTo(-1);
      assertThat(tiers.get(0).metrics().rejectedCount(Reject.MAX_CONNECTIONS)).isEqualTo(1);
      assertThat(first.request("GET / HTTP/1.1\r\n\r\n")).contains("router=router-1");
    }
  }

  @Test
  void noRouter_closesAndCountsNoUpstream() throws Exception {
    LocalFarmCluster empty = new LocalFarmCluster();
    SslTier t = new SslTier(direct(TlsEngineKind.OPENSSL), certs);
    tiers.add(t);
    int port = t.start(new TestTierContext("ssl-alone", vertx, empty, sealer)).await().port();
    String out = SClient.run(port, "a.example", "1.3", null, null, null);
    assertThat(out).contains("CN = a.example").doesNotContain("router=");
    await().atMost(Duration.ofSeconds(2)).until(() -> t.metrics().rejectedCount(Reject.NO_UPSTREAM) == 1);
    empty.close();
  }

  @Test
  void deadRouter_connectRetriedOnAnother_beforeAnyByte() throws Exception {
    LocalFarmCluster own = new LocalFarmCluster();
    int deadPort;
    try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      deadPort = ss.getLocalPort();
    }
    own.nodes().register(new io.sslfarm.cluster.NodeInfo("router-dead", io.sslfarm.cluster.NodeRole.ROUTER,
        "127.0.0.1:" + deadPort, "127.0.0.1:1", 10, io.sslfarm.cluster.NodeState.ACTIVE, "t", "m", 0))
        .toCompletableFuture().get(5, TimeUnit.SECONDS);
    own.nodes().register(router.nodeInfo()).toCompletableFuture().get(5, TimeUnit.SECONDS);
    SslTier t = new SslTier(direct(TlsEngineKind.CONSCRYPT), certs);
    tiers.add(t);
    int port = t.start(new TestTierContext("ssl-retry", vertx, own, sealer)).await().port();
    int attempts = 0;
    while (attempts < 20 && t.metrics().connectFailures() == 0) {
      attempts++;
      try (JavaClient c = JavaClient.connect(port, "a.example", "TLSv1.3", List.of("http/1.1"), null)) {
        assertThat(c.request("GET / HTTP/1.1\r\n\r\n")).contains("router=router-1");
      }
    }
    assertThat(t.metrics().connectFailures()).isEqualTo(1);
    assertThat(t.metrics().rejectedCount(Reject.NO_UPSTREAM)).isZero();
    own.close();
  }

  static int readToEof(InputStream in) throws java.io.IOException {
    int n = 0;
    while (in.read() >= 0) {
      n++;
    }
    return n;
  }

  static void write(OutputStream out, byte[] b) throws java.io.IOException {
    out.write(b);
    out.flush();
  }
}
