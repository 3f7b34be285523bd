package io.sslfarm.certs.gen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sslfarm.admin.AdminServer;
import io.sslfarm.admin.AdminTlsCertificate;
import io.sslfarm.node.NodeMetrics;
import io.vertx.core.Vertx;
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
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The admin port's certificate from the dev CA: only when a CA exists (or is asked for), verifiable with ca.pem. */
@Timeout(30)
class DevCaAdminIssuerTest {

  @TempDir
  Path dir;

  @Test
  void noDevCa_andNoCreate_issuesNothing_andCreatesNothing() throws Exception {
    Path ca = dir.resolve("dev-ca");
    assertThat(new DevCaAdminIssuer(ca).issue(List.of("127.0.0.1"), false)).isEmpty();
    assertThat(Files.exists(ca)).isFalse();
  }

  @Test
  void adminServerWithTheIssuedCertificate_trustsOnlyClientsWithTheDevCa() throws Exception {
    Path ca = dir.resolve("dev-ca");
    Optional<AdminTlsCertificate> cert = new DevCaAdminIssuer(ca).issue(List.of("127.0.0.1", "localhost"), true);
    assertThat(cert).isPresent();
    assertThat(cert.get().toString()).doesNotContain("PRIVATE");
    assertThat(new DevCaAdminIssuer(ca).issue(List.of("127.0.0.1"), false)).as("the CA now exists").isPresent();
    Vertx vertx = Vertx.vertx();
    try {
      int port = new AdminServer(vertx, "full-token-0123456789abcdef", new NodeMetrics())
          .listen("127.0.0.1", 0, cert.get()).await();
      HttpRequest live = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/health/live"))
          .timeout(Duration.ofSeconds(5)).build();
      assertThat(trusting(ca.resolve(DevCa.CERT_FILE)).send(live, HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);
      assertThatThrownBy(() -> HttpClient.newHttpClient().send(live, HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(SSLHandshakeException.class);
    } finally {
      vertx.close().await();
    }
  }

  private static HttpClient trusting(Path caPem) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ctx).build();
  }
}
