package io.sslfarm.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sslfarm.admin.AdminCertificateIssuer;
import io.sslfarm.admin.AdminTlsCertificate;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.config.ConfigException;
import io.sslfarm.config.ConfigSchema;
import io.sslfarm.config.NodeConfig;
import io.sslfarm.config.NodeConfigLoader;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** admin.tls, admin.tls-cert-file/-key-file and admin.read-token as a node reads them at start. */
@Timeout(60)
class AdminTlsOptionsTest {

  private static final ConfigSchema SCHEMA = ConfigSchema.of(NodeOptions.KEYS);
  private static final String TOKEN = "full-token-0123456789abcdef";

  @TempDir
  Path dir;

  @Test
  void certAndKeyFiles_theNodeServesHttps_andTheReadTokenMayOnlyGet() throws Exception {
    Map<String, Object> o = base();
    o.put("admin.tls-cert-file", copy("admin.pem").toString());
    o.put("admin.tls-key-file", copy("admin.key").toString());
    o.put("admin.read-token", "read-token-0123456789abcdef");
    FarmNode n = start(o, AdminCertificateIssuer.NONE);
    try {
      HttpClient c = trustingTestCa();
      String base = "https://127.0.0.1:" + n.adminAddress().port();
      assertThat(c.send(req(base + "/api/status", "read-token-0123456789abcdef").GET().build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      HttpResponse<String> w = c.send(req(base + "/api/nodes/x/weight", "read-token-0123456789abcdef")
          .PUT(HttpRequest.BodyPublishers.ofString("{\"weight\":1}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(w.statusCode()).isEqualTo(403);
      assertThat(c.send(req(base + "/api/status", TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString())
          .statusCode()).isEqualTo(200);
    } finally {
      n.stop().toCompletableFuture().join();
    }
  }

  @Test
  void auto_withADevCa_usesItsCertificateForTheAdminNames_on_asksItToCreateOne() throws Exception {
    AtomicReference<List<String>> names = new AtomicReference<>();
    AtomicReference<Boolean> created = new AtomicReference<>();
    AdminCertificateIssuer issuer = (n, create) -> {
      names.set(n);
      created.set(create);
      return Optional.of(new AdminTlsCertificate(read("admin.pem"), read("admin.key"), "test CA"));
    };
    FarmNode n = start(base(), issuer);
    try {
      assertThat(names.get()).contains("127.0.0.1", "localhost");
      assertThat(created.get()).as("auto never creates a CA").isFalse();
      assertThat(trustingTestCa().send(req("https://localhost:" + n.adminAddress().port() + "/health/live", TOKEN)
          .GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    } finally {
      n.stop().toCompletableFuture().join();
    }
  }

  @Test
  void on_withoutFilesOrDevCa_isAConfigErrorNamingAdminTls() {
    Map<String, Object> o = base();
    o.put("admin.tls", "on");
    assertThat(startError(o)).isInstanceOf(ConfigException.class).hasMessageContaining("admin.tls");
  }

  @Test
  void certFileWithoutKeyFile_isAConfigError() throws Exception {
    Map<String, Object> o = base();
    o.put("admin.tls-cert-file", copy("admin.pem").toString());
    assertThat(startError(o)).isInstanceOf(ConfigException.class).hasMessageContaining("admin.tls-key-file");
  }

  @Test
  void readTokenEqualToTheFullToken_orShort_isAConfigError() {
    Map<String, Object> o = base();
    o.put("admin.read-token", TOKEN);
    assertThat(startError(o)).isInstanceOf(ConfigException.class).hasMessageContaining("admin.read-token")
        .hasMessageContaining("differ");
    o.put("admin.read-token", "short");
    assertThat(startError(o)).isInstanceOf(ConfigException.class).hasMessageContaining("16");
  }

  @Test
  void unknownTlsMode_isAConfigError() {
    Map<String, Object> o = base();
    o.put("admin.tls", "maybe");
    assertThatThrownBy(() -> config(o)).isInstanceOf(ConfigException.class).hasMessageContaining("admin.tls");
  }

  private Throwable startError(Map<String, Object> o) {
    try {
      FarmNode n = start(o, AdminCertificateIssuer.NONE);
      n.stop().toCompletableFuture().join();
      return null;
    } catch (CompletionException e) {
      return e.getCause();
    }
  }

  private static HttpRequest.Builder req(String uri, String token) {
    return HttpRequest.newBuilder(URI.create(uri)).header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(5));
  }

  private static HttpClient trustingTestCa() throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    try (InputStream in = AdminTlsOptionsTest.class.getResourceAsStream("/admin-tls/ca.pem")) {
      ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(5)).build();
  }

  private static String read(String name) {
    try (InputStream in = AdminTlsOptionsTest.class.getResourceAsStream("/admin-tls/" + name)) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Path copy(String name) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, read(name));
    return p;
  }

  private Map<String, Object> base() {
    Map<String, Object> o = new HashMap<>();
    o.put("node.id", "backend-admin-tls");
    o.put("node.role", "backend");
    o.put("node.data-dir", dir.resolve("data").toString());
    o.put("node.drain-timeout", "0s");
    o.put("cluster.mode", "none");
    o.put("admin.port", 0);
    o.put("admin.token", TOKEN);
    return o;
  }

  private static NodeConfig config(Map<String, Object> o) {
    return new NodeConfigLoader(SCHEMA).load(null, Map.of(), o);
  }

  private static FarmNode start(Map<String, Object> o, AdminCertificateIssuer issuer) {
    return new FarmNode(config(o), NodeRole.BACKEND, new EchoTier(), issuer).start().toCompletableFuture().join();
  }
}
