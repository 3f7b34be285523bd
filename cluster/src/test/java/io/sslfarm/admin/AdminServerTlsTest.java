package io.sslfarm.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sslfarm.node.NodeMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The admin port over TLS: only a client that trusts the admin CA talks to it; plain HTTP gets nothing. */
@Timeout(30)
class AdminServerTlsTest {

  static final String TOKEN = "test-token-0123456789abcdef";

  Vertx vertx;
  int port;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    AdminServer server = new AdminServer(vertx, TOKEN, new NodeMetrics());
    server.route(HttpMethod.GET, "/api/status", req -> Future.succeededFuture(AdminResponse.ok(
        new JsonObject().put("ok", true))));
    port = server.listen("127.0.0.1", 0, AdminTlsFixtures.serverCertificate()).await();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private HttpRequest get(String scheme, String host, String path) {
    return HttpRequest.newBuilder(URI.create(scheme + "://" + host + ":" + port + path))
        .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(5)).build();
  }

  @Test
  void clientTrustingTheAdminCa_gets200_onApiHealthAndMetrics() throws Exception {
    HttpClient client = AdminTlsFixtures.clientTrusting("ca.pem");
    for (String host : new String[] {"127.0.0.1", "localhost"}) {
      HttpResponse<String> r = client.send(get("https", host, "/api/status"), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(host).isEqualTo(200);
      assertThat(new JsonObject(r.body()).getBoolean("ok")).isTrue();
    }
    assertThat(client.send(get("https", "127.0.0.1", "/health/live"), HttpResponse.BodyHandlers.ofString())
        .statusCode()).isEqualTo(200);
    assertThat(client.send(get("https", "127.0.0.1", "/metrics"), HttpResponse.BodyHandlers.ofString())
        .statusCode()).isEqualTo(200);
  }

  @Test
  void plainHttpClient_getsNoAnswer() {
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    assertThatThrownBy(() -> plain.send(get("http", "127.0.0.1", "/api/status"), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
  }

  @Test
  void clientWithoutTheCa_failsTheHandshake() throws Exception {
    HttpClient jdkDefaults = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    assertThatThrownBy(() -> jdkDefaults.send(get("https", "127.0.0.1", "/api/status"),
        HttpResponse.BodyHandlers.ofString())).isInstanceOf(SSLHandshakeException.class);
    HttpClient otherCa = AdminTlsFixtures.clientTrusting("other-ca.pem");
    assertThatThrownBy(() -> otherCa.send(get("https", "127.0.0.1", "/api/status"),
        HttpResponse.BodyHandlers.ofString())).isInstanceOf(SSLHandshakeException.class);
  }

  @Test
  void tls12Client_isServed_andNothingBelow12IsNegotiated() throws Exception {
    HttpClient tls12 = AdminTlsFixtures.clientTrusting("ca.pem", "TLSv1.2");
    assertThat(tls12.send(get("https", "127.0.0.1", "/api/status"), HttpResponse.BodyHandlers.ofString())
        .statusCode()).isEqualTo(200);
    // a client offering TLS 1.1 and 1.0 only (if this JDK still allows offering them) gets no session
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(null, new javax.net.ssl.TrustManager[] {new TrustAll()}, null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      String[] old = java.util.Arrays.stream(s.getSupportedProtocols())
          .filter(p -> p.equals("TLSv1.1") || p.equals("TLSv1")).toArray(String[]::new);
      if (old.length == 0) {
        return; // this JDK cannot even offer them
      }
      s.setEnabledProtocols(old);
      assertThatThrownBy(s::startHandshake).isInstanceOf(IOException.class);
    }
  }

  /** Only to probe protocol versions: a handshake that never gets far enough to matter. */
  private static final class TrustAll implements javax.net.ssl.X509TrustManager {
    @Override
    public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
    }

    @Override
    public java.security.cert.X509Certificate[] getAcceptedIssuers() {
      return new java.security.cert.X509Certificate[0];
    }
  }
}
