package io.sslfarm.farm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonArray;
import java.io.ByteArrayInputStream;
import java.net.CookieManager;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code sslfarm up} end to end, in-process: the whole farm starts, HTTPS through the edge reaches a demo backend,
 * the sticky cookie keeps a client on one backend, real clients (curl) work with and without ALPN, and
 * {@code sslfarm status} lists every node.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class UpCommandTest {

  @TempDir
  static Path dir;
  static UpCommand up;
  static Thread runner;
  static int offset = 1000 + ThreadLocalRandom.current().nextInt(0, 40) * 100;
  static int edge;
  static int admin;

  @BeforeAll
  static void start() {
    up = new UpCommand();
    new CommandLine(up).parseArgs("--dir", dir.toString(), "--port-offset", String.valueOf(offset));
    edge = 8443 + offset;
    admin = 9900 + offset;
    runner = new Thread(() -> {
      try {
        up.spec = new CommandLine(up).getCommandSpec();
        up.call();
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    }, "up");
    runner.start();
    await().atMost(Duration.ofSeconds(150)).until(() -> up.ready.getCount() == 0 || !runner.isAlive());
    assertThat(up.ready.getCount()).as("farm came up").isZero();
  }

  @AfterAll
  static void stop() throws Exception {
    if (up != null) {
      up.requestStop();
      runner.join(60_000);
    }
  }

  static HttpClient client(CookieManager cookies) throws Exception {
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    ks.setCertificateEntry("dev-ca", cf.generateCertificate(
        new ByteArrayInputStream(Files.readAllBytes(dir.resolve("dev-ca").resolve("ca.pem")))));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    HttpClient.Builder b = HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(5))
        .version(HttpClient.Version.HTTP_1_1);
    if (cookies != null) {
      b.cookieHandler(cookies);
    }
    return b.build();
  }

  @Test
  void httpsThroughTheEdge_reachesABackend_andTheStickyCookieKeepsEachUserOnOne() throws Exception {
    Set<String> firstBackends = new HashSet<>();
    for (int user = 0; user < 8; user++) {
      HttpClient c = client(new CookieManager());
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("https://localhost:" + edge + "/"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("backend=backend-");
        seen.add(r.body().trim());
      }
      assertThat(seen).as("user " + user + " stays on one backend").hasSize(1);
      firstBackends.addAll(seen);
    }
    assertThat(firstBackends).as("users are spread over both backends").hasSize(2);
  }

  @Test
  void curl_withAndWithoutAlpn_andHttp2() throws Exception {
    if (!new java.io.File("/usr/bin/curl").canExecute()) {
      throw new org.opentest4j.TestAbortedException("curl is not installed");
    }
    String ca = dir.resolve("dev-ca").resolve("ca.pem").toString();
    for (List<String> extra : List.of(List.<String>of(), List.of("--no-alpn"), List.of("--http2"),
        List.of("--tlsv1.2", "--tls-max", "1.2"))) {
      List<String> cmd = new java.util.ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "--cacert", ca,
          "-o", "-", "-w", "\\n%{http_code} %{http_version}", "https://localhost:" + edge + "/"));
      cmd.addAll(1, extra);
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
      String out = new String(p.getInputStream().readAllBytes());
      assertThat(out).as("curl " + extra).contains("backend=backend-").contains("\n200 ");
      if (extra.contains("--http2")) {
        assertThat(out).as("h2 negotiated").endsWith(" 2");
      }
    }
  }

  /**
   * One process: the edge hands the client's socket to an SSL node of the process and the SSL node reaches the router
   * in-process (node.in-process-hops, on by default), and what the PROXY headers carried over TCP still reaches the
   * backend: the client's address and port, https.
   */
  @Test
  void tiersOfOneProcess_talkInProcess_andTheClientAddressStillReachesTheBackend() throws Exception {
    HttpClient c = client(null);
    long before = metric("sslfarm_in_process_connections_total");
    long handoffsBefore = metric("sslfarm_in_process_handoffs_total");
    HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("https://localhost:" + edge + "/headers"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    io.vertx.core.json.JsonObject h = new io.vertx.core.json.JsonObject(r.body());
    assertThat(h.getString("x-forwarded-for")).isEqualTo("127.0.0.1");
    assertThat(h.getString("x-forwarded-proto")).isEqualTo("https");
    assertThat(h.getString("x-forwarded-port")).isEqualTo(String.valueOf(edge));
    // a new client connection: its socket handed from the edge to an SSL node, SSL node -> router in-process
    assertThat(metric("sslfarm_in_process_handoffs_total") - handoffsBefore).isGreaterThanOrEqualTo(1);
    assertThat(metric("sslfarm_in_process_connections_total") - before).isGreaterThanOrEqualTo(1);
  }

  private static long metric(String name) throws Exception {
    HttpResponse<String> m = client(null).send(HttpRequest.newBuilder(
        URI.create("https://127.0.0.1:" + admin + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    return m.body().lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in /metrics"));
  }

  @Test
  void statusCommand_listsEveryNode() throws Exception {
    CliTestSupport.Result r = CliTestSupport.run("status", "--json", "--admin", "127.0.0.1:" + admin,
        "--token-file", dir.resolve("admin.token").toString());
    assertThat(r.code()).as(r.err()).isZero();
    JsonArray nodes = new JsonArray(r.out());
    assertThat(nodes.stream().map(o -> ((io.vertx.core.json.JsonObject) o).getString("id")).toList())
        .containsExactlyInAnyOrder("edge-1", "ssl-1", "ssl-2", "router-1");
    try (Socket s = new Socket("127.0.0.1", admin)) {
      assertThat(s.isConnected()).isTrue();
    }
  }

  /** Every admin port of `sslfarm up` is HTTPS with a dev-CA certificate; the CLI verifies it with that CA. */
  @Test
  void adminPorts_answerOnlyOverTls_verifiedWithTheDevCa() throws Exception {
    String token = Files.readString(dir.resolve("admin.token")).trim();
    for (int port : new int[] {admin, admin + 1, admin + 2, admin + 3}) {
      HttpResponse<String> r = client(null).send(HttpRequest.newBuilder(URI.create("https://localhost:" + port
          + "/api/status")).header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as("admin port %d", port).isEqualTo(200);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/health/live")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString())).as("plain HTTP on %d", port).isInstanceOf(java.io.IOException.class);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("https://127.0.0.1:" + port + "/health/live")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString())).as("JDK trust store on %d", port)
          .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    }
    // the CLI without --admin-cacert finds dev-ca/ca.pem beside the token file; with another CA it refuses
    CliTestSupport.Result other = CliTestSupport.run("status", "--admin", "127.0.0.1:" + admin, "--token-file",
        dir.resolve("admin.token").toString(), "--admin-cacert", otherCa().toString());
    assertThat(other.code()).isNotZero();
    assertThat(other.err()).contains("TLS handshake failed");
    CliTestSupport.Result plain = CliTestSupport.run("status", "--admin", "http://127.0.0.1:" + admin, "--token-file",
        dir.resolve("admin.token").toString());
    assertThat(plain.code()).isNotZero();
    assertThat(plain.err()).contains("--admin https://");
  }

  private static Path otherCa() throws Exception {
    Path d = dir.resolve("other-ca");
    return io.sslfarm.certs.gen.DevCa.loadOrCreate(d).dir().resolve("ca.pem");
  }

  @Test
  void joinSecret_generatedOwnerOnlyInTheStateDir_everyNodeUsesIt() throws Exception {
    Path secret = dir.resolve("join.secret");
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(secret).trim()).hasSizeGreaterThanOrEqualTo(io.sslfarm.cluster.JoinSecret.MIN_LENGTH);
    // the four cluster nodes read this one file, so they form one cluster: statusCommand_listsEveryNode sees all four
  }
}
