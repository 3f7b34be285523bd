package io.sslfarm.ssl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sslfarm.cluster.LocalFarmCluster;
import io.sslfarm.ssl.SslMetrics.Reject;
import io.sslfarm.ssl.testing.Curl;
import io.sslfarm.ssl.testing.JavaClient;
import io.sslfarm.ssl.testing.MapCertificateSource;
import io.sslfarm.ssl.testing.SClient;
import io.sslfarm.ssl.testing.TestCertificates;
import io.sslfarm.ssl.testing.TestRouter;
import io.sslfarm.ssl.testing.TierFixture;
import io.sslfarm.ssl.tls.TlsEngineKind;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The tier end to end with real clients (openssl s_client, curl, the JDK client); routers are {@link TestRouter}s. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SslTierTest {

  @RegisterExtension
  static final TierFixture fx = new TierFixture("router-1");
  @TempDir
  Path tmp;

  static SslOptions direct(TlsEngineKind engine) {
    return new SslOptions().setHost("127.0.0.1").setPort(0).setEngine(engine).setProxyProtocol(false);
  }

  int start(SslOptions o) {
    return fx.start(o).boundPort();
  }

  @ParameterizedTest
  @EnumSource(TlsEngineKind.class)
  void tls13_h2_exactName_relaysWithTlvs(TlsEngineKind engine) throws Exception {
    int port = start(direct(engine));
    fx.router().seen.clear();
    String out = SClient.run(port, "a.example", "1.3", "h2,http/1.1", null, null);
    assertThat(out).contains("CN = a.example").contains("ALPN protocol: h2").contains("New, TLSv1.3")
        .contains("router=router-1").contains("sni=a.example").contains("alpn=h2").contains("version=TLSv1.3")
        .contains("cipher=TLS_AES_");
    TestRouter.Seen seen = fx.router().seen.poll(5, TimeUnit.SECONDS);
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
  void curl_h2_http11_noAlpn_tls12(TlsEngineKind engine) throws Exception {
    int port = start(direct(engine));
    assertThat(Curl.get(port, "a.example", "--http2")).contains("router=router-1").contains("alpn=h2")
        .contains("version=TLSv1.3").endsWith("proto=2");
    assertThat(Curl.get(port, "b.example", "--http1.1")).contains("router=router-1").contains("alpn=http/1.1")
        .contains("sni=b.example").endsWith("proto=1.1");
    assertThat(Curl.get(port, "x.wild.example", "--no-alpn", "--tlsv1.2", "--tls-max", "1.2"))
        .contains("router=router-1").contains("sni=x.wild.example").contains("version=TLSv1.2")
        .doesNotContain("alpn=").endsWith("proto=1.1");
  }

  @org.junit.jupiter.api.Test
  void readyOnlyWithADefaultCertificate() {
    MapCertificateSource none = new MapCertificateSource();
    fx.start(direct(TlsEngineKind.CONSCRYPT), none, fx.cluster());
    fx.start(direct(TlsEngineKind.CONSCRYPT));

    assertThat(fx.context(0).readiness.get("certificate").getAsBoolean()).as("no certificate yet").isFalse();
    assertThat(fx.context(1).readiness.get("certificate").getAsBoolean()).as("default certificate").isTrue();
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
    SslMetrics m = fx.tiers().get(0).metrics();
    assertThat(m.handshakes("resumed")).isEqualTo(2);
    assertThat(m.handshakes("full")).isEqualTo(2);
  }

  @Test
  void openssl_crossNode_resumes_tls13_and_tls12() throws Exception {
    int a = start(direct(TlsEngineKind.OPENSSL));
    int b = start(direct(TlsEngineKind.OPENSSL));
    await().atMost(Duration.ofSeconds(5)).until(() -> fx.tiers().get(1).ticketKeys().appliedGeneration() >= 1
        && fx.tiers().get(0).ticketKeys().appliedGeneration() == fx.tiers().get(1).ticketKeys().appliedGeneration());
    for (String v : List.of("1.3", "1.2")) {
      Path sess = tmp.resolve("x-" + v + ".pem");
      assertThat(SClient.run(a, "a.example", v, "h2", sess, null)).contains("New, TLSv" + v);
      assertThat(SClient.run(b, "a.example", v, "h2", null, sess)).contains("Reused, TLSv" + v)
          .contains("router=router-1");
    }
    assertThat(fx.tiers().get(1).metrics().handshakes("resumed")).isEqualTo(2);
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
    SslTier ta = fx.tiers().get(0);
    SslTier tb = fx.tiers().get(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> tb.ticketKeys().appliedGeneration() >= 1);
    for (String v : List.of("1.3", "1.2")) {
      Path sess = tmp.resolve("r-" + v + ".pem");
      assertThat(SClient.run(a, "b.example", v, null, sess, null)).contains("New, TLSv" + v);
      long gen = fx.cluster().ticketKeys().current().orElseThrow().generation();
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
    int port = fx.start(direct(engine), own, fx.cluster()).boundPort();
    try (JavaClient open = JavaClient.connect(port, "hot.example", "TLSv1.3", List.of("http/1.1"), null)) {
      assertThat(open.peerCn()).isEqualTo("hot.example");
      own.put(TestCertificates.selfSigned("hot", 2, "hot-v2.example", "hot.example"), "hot.example");
      // The bound is on the tier (what the next handshake would be served), not on how fast a client process starts.
      await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
          .until(() -> servedCn(fx.tiers().get(0), "hot.example").equals("hot-v2.example"));
      assertThat(SClient.run(port, "hot.example", "1.3", null, null, null)).contains("CN = hot-v2.example");
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
      SslMetrics m = fx.tiers().get(0).metrics();
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
    SslMetrics m = fx.tiers().get(0).metrics();
    await().atMost(Duration.ofSeconds(2)).until(() -> m.rejectedCount(Reject.HANDSHAKE_TIMEOUT) == 1);
  }

  @Test
  void idleRelayedConnection_closedAfterIdleTimeout() throws Exception {
    int port = start(direct(TlsEngineKind.CONSCRYPT).setIdleTimeout(Duration.ofMillis(500)));
    try (JavaClient c = JavaClient.connect(port, "a.example", "TLSv1.3", List.of("http/1.1"), null)) {
      long t0 = System.nanoTime(); // the last relayed byte comes after this, the idle close 500 ms after that
      assertThat(c.request("GET / HTTP/1.1\r\n\r\n")).contains("router=router-1");
      assertThat(c.read()).isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(4));
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> fx.tiers().get(0).activeConnections() == 0);
  }

  @ParameterizedTest
  @EnumSource(TlsEngineKind.class)
  void onData_clientThatOnlyHandshakes_opensNoRouterConnection_andIsCounted(TlsEngineKind engine) throws Exception {
    int port = start(direct(engine));
    SslMetrics m = fx.tiers().get(0).metrics();
    int before = fx.router().accepted.get();
    double handshakes = m.handshakes("full") + m.handshakes("resumed");
    try (JavaClient silent = JavaClient.connect(port, "a.example", "TLSv1.3", List.of("http/1.1"), null)) {
      // the tier finished this handshake: a connect on handshake would have started right then
      await().atMost(Duration.ofSeconds(2)).until(() -> m.handshakes("full") + m.handshakes("resumed") > handshakes);
      assertThat(fx.tiers().get(0).activeConnections()).isEqualTo(1);
      // A client that speaks, after it, is relayed on one router connection. The router accepts in order, so by the
      // time this answer is back a router connection of the silent client would have been accepted as well.
      try (JavaClient speaking = JavaClient.connect(port, "a.example", "TLSv1.3", List.of("http/1.1"), null)) {
        assertThat(speaking.request("GET / HTTP/1.1\r\n\r\n")).contains("router=router-1");
      }
      assertThat(fx.router().accepted.get()).isEqualTo(before + 1);
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> m.unusedCount("client_closed") == 1);
    await().atMost(Duration.ofSeconds(2)).until(() -> fx.tiers().get(0).activeConnections() == 0);
    assertThat(fx.router().accepted.get()).isEqualTo(before + 1);
  }

  @Test
  void onData_silentClientAfterHandshake_closedAfterIdleTimeout_andCounted() throws Exception {
    int port = start(direct(TlsEngineKind.CONSCRYPT).setIdleTimeout(Duration.ofMillis(400)));
    int before = fx.router().accepted.get();
    try (JavaClient c = JavaClient.connect(port, "a.example", "TLSv1.3", List.of("http/1.1"), null)) {
      long t0 = System.nanoTime();
      assertThat(c.read()).isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(300), Duration.ofSeconds(4));
    }
    SslMetrics m = fx.tiers().get(0).metrics();
    await().atMost(Duration.ofSeconds(2)).until(() -> m.unusedCount("idle_timeout") == 1);
    assertThat(m.unusedCount("client_closed")).isZero();
    assertThat(fx.router().accepted.get()).isEqualTo(before);
  }

  @Test
  void onData_drainClosesUnusedConnections_relayedOnesContinue() throws Exception {
    SslTier t = fx.start(direct(TlsEngineKind.CONSCRYPT));
    int port = t.boundPort();
    try (JavaClient unused = JavaClient.connect(port, "a.example", "TLSv1.3", List.of("http/1.1"), null);
         JavaClient busy = JavaClient.connect(port, "a.example", "TLSv1.3", List.of("http/1.1"), null)) {
      assertThat(busy.request("GET / HTTP/1.1\r\n\r\n")).contains("router=router-1");
      await().atMost(Duration.ofSeconds(2)).until(() -> t.activeConnections() == 2);
      t.stopAccepting().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      long t0 = System.nanoTime();
      assertThat(unused.read()).isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
      await().atMost(Duration.ofSeconds(2)).until(() -> t.metrics().unusedCount("drain") == 1);
      // the relayed connection is untouched by the drain
      assertThat(busy.request("GET / HTTP/1.1\r\n\r\n")).contains("router=router-1");
      assertThat(t.activeConnections()).isEqualTo(1);
    }
  }

  @Test
  void onData_drainSparesAConnectionWhoseHandshakeJustEnded() throws Exception {
    SslTier t = fx.start(direct(TlsEngineKind.CONSCRYPT));
    try (JavaClient fresh = JavaClient.connect(t.boundPort(), "a.example", "TLSv1.3", List.of("http/1.1"), null)) {
      t.stopAccepting().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      // stopAccepting queued the drain's check on each connection's event loop: once every loop ran a task queued
      // after it, the check has seen this connection silent, and only the grace keeps it open
      for (io.netty.util.concurrent.EventExecutor loop
          : ((io.vertx.core.internal.VertxInternal) fx.vertx()).nettyEventLoopGroup()) {
        loop.submit(() -> { }).get(5, TimeUnit.SECONDS);
      }
      assertThat(fresh.request("GET / HTTP/1.1\r\n\r\n")).contains("router=router-1");
    }
    assertThat(t.metrics().unusedCount("drain")).isZero();
  }

  @Test
  void onHandshake_routerConnectionOpensBeforeTheFirstByte() throws Exception {
    int port = start(direct(TlsEngineKind.CONSCRYPT).setConnectOnData(false));
    int before = fx.router().accepted.get();
    try (JavaClient c = JavaClient.connect(port, "a.example", "TLSv1.3", List.of("http/1.1"), null)) {
      await().atMost(Duration.ofSeconds(3)).until(() -> fx.router().accepted.get() == before + 1);
      assertThat(c.request("GET / HTTP/1.1\r\n\r\n")).contains("router=router-1");
    }
    assertThat(fx.router().accepted.get()).isEqualTo(before + 1);
    assertThat(fx.tiers().get(0).metrics().unusedCount("client_closed")).isZero();
  }

  @Test
  void maxConnections_rejectsBeyondLimit() throws Exception {
    int port = start(direct(TlsEngineKind.CONSCRYPT).setMaxConnections(1));
    try (JavaClient first = JavaClient.connect(port, "a.example", "TLSv1.3", List.of("h2"), null);
         Socket second = new Socket("127.0.0.1", port)) {
      second.setSoTimeout(5000);
      assertThat(second.getInputStream().read()).isEqualTo(-1);
      assertThat(fx.tiers().get(0).metrics().rejectedCount(Reject.MAX_CONNECTIONS)).isEqualTo(1);
      assertThat(first.request("GET / HTTP/1.1\r\n\r\n")).contains("router=router-1");
    }
  }

  @Test
  void noRouter_closesAndCountsNoUpstream() throws Exception {
    LocalFarmCluster empty = new LocalFarmCluster();
    SslTier t = fx.start(direct(TlsEngineKind.OPENSSL), fx.certs(), empty);
    int port = t.boundPort();
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
    own.nodes().register(fx.router().nodeInfo()).toCompletableFuture().get(5, TimeUnit.SECONDS);
    SslTier t = fx.start(direct(TlsEngineKind.CONSCRYPT), fx.certs(), own);
    int port = t.boundPort();
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

  /** The CN of the certificate the tier would serve for {@code name} in its next handshake. */
  static String servedCn(SslTier tier, String name) {
    return tier.contexts().select(name).orElseThrow().certificate().chain()[0].getSubjectX500Principal().getName()
        .replaceFirst("^CN=", "");
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
