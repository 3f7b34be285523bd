package io.sslfarm.certs.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sslfarm.admin.AdminException;
import io.sslfarm.admin.AdminHandler;
import io.sslfarm.admin.AdminRequest;
import io.sslfarm.admin.AdminResponse;
import io.sslfarm.admin.AdminRoutes;
import io.sslfarm.certs.CertsMetrics;
import io.sslfarm.certs.gen.DevCa;
import io.sslfarm.certs.gen.GeneratedCertificate;
import io.sslfarm.certs.store.CertificateOpener;
import io.sslfarm.certs.sni.CertificateWatcher;
import io.sslfarm.certs.store.CertificateService;
import io.sslfarm.cluster.LocalFarmCluster;
import io.sslfarm.cluster.seal.MasterKey;
import io.sslfarm.cluster.seal.SecretSealer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The /api/certs handlers, called on a Vert.x event loop through the routes they register. */
class CertsAdminApiTest {

  @TempDir
  Path dir;

  private final Vertx vertx = Vertx.vertx();
  private final LocalFarmCluster cluster = new LocalFarmCluster();
  private final SecretSealer sealer = new SecretSealer(MasterKey.generate());
  private final CertificateService service = new CertificateService(cluster.certificates(), cluster.nodes(), sealer,
      30, CertsMetrics.noop());
  private final Map<String, AdminHandler> routes = new HashMap<>();

  @AfterEach
  void close() throws Exception {
    cluster.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** One-time JVM costs (Jackson, worker pool, BouncyCastle classes) are not what the event-loop check measures. */
  @org.junit.jupiter.api.BeforeEach
  void warmUp() throws Exception {
    new JsonObject("{\"a\":[1]}").toBuffer().toJsonObject();
    vertx.executeBlocking(() -> 1, false).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    io.sslfarm.certs.pem.PemCodec.readChain(io.sslfarm.certs.gen.SelfSigned.generate(java.util.List.of("w.test"),
        java.time.Duration.ofDays(1), io.sslfarm.certs.gen.KeyType.EC_P256).chainPem());
  }

  private void register(CertificateWatcher watcher) {
    CertsAdminApi.register(new AdminRoutes() {
      @Override
      public void route(HttpMethod method, String pattern, AdminHandler handler) {
        routes.put(method + " " + pattern, handler);
      }

      @Override
      public void readiness(String name, BooleanSupplier check) {
      }
    }, service, vertx, dir.resolve("dev-ca"), watcher);
  }

  /** Calls a handler on an event loop, as the admin server does, and checks it did not block there. */
  private AdminResponse call(String route, Map<String, String> params, JsonObject body) throws Exception {
    CompletableFuture<AdminResponse> result = new CompletableFuture<>();
    vertx.runOnContext(v -> {
      long start = System.nanoTime();
      Future<AdminResponse> f;
      try {
        f = routes.get(route).handle(new AdminRequest(HttpMethod.GET, route, params, Map.of(),
            body == null ? Buffer.buffer() : body.toBuffer()));
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      long onLoopMillis = (System.nanoTime() - start) / 1_000_000;
      if (onLoopMillis > 200) { // coarse: a loaded 2-core box; guards against key generation or PBKDF on the loop
        result.completeExceptionally(new AssertionError(route + " held the event loop " + onLoopMillis + " ms"));
        return;
      }
      f.onComplete(ar -> {
        if (ar.succeeded()) {
          result.complete(ar.result());
        } else {
          result.completeExceptionally(ar.cause());
        }
      });
    });
    return result.get(30, TimeUnit.SECONDS);
  }

  @Test
  void addListGetDelete_roundTrip_neverReturnsKeys() throws Exception {
    register(null);
    DevCa ca = DevCa.loadOrCreate(dir.resolve("upload-ca"));
    GeneratedCertificate g = ca.issue("api.example.com");
    AdminResponse added = call("POST /api/certs", Map.of(),
        new JsonObject().put("chainPem", g.chainPem()).put("keyPem", g.keyPem()));
    assertThat(added.status()).isEqualTo(201);
    JsonObject body = added.body().toJsonObject();
    assertThat(body.getJsonObject("certificate").getString("id")).isEqualTo("api.example.com");
    assertThat(body.getJsonArray("warnings")).isEmpty();
    assertThat(body.getBoolean("replaced")).isFalse();

    AdminResponse list = call("GET /api/certs", Map.of(), null);
    JsonArray certs = list.body().toJsonObject().getJsonArray("certificates");
    assertThat(certs).hasSize(1);
    assertThat(certs.getJsonObject(0).getInteger("daysLeft")).isBetween(395, 397);
    assertThat(list.body().toString()).doesNotContain("PRIVATE").doesNotContain("sealedKey");

    AdminResponse one = call("GET /api/certs/:id", Map.of("id", "api.example.com"), null);
    assertThat(one.body().toJsonObject().getString("chainPem")).startsWith("-----BEGIN CERTIFICATE-----");
    assertThat(one.body().toString()).doesNotContain("PRIVATE");

    assertThat(call("DELETE /api/certs/:id", Map.of("id", "api.example.com"), null).status()).isEqualTo(200);
    AdminResponse gone = call("DELETE /api/certs/:id", Map.of("id", "api.example.com"), null);
    assertThat(gone.status()).isEqualTo(404);
    assertThat(gone.body().toJsonObject().getString("error")).isEqualTo("no certificate 'api.example.com'");
  }

  @Test
  void invalidUpload_400WithPreciseMessage() throws Exception {
    register(null);
    DevCa ca = DevCa.loadOrCreate(dir.resolve("upload-ca"));
    GeneratedCertificate g = ca.issue("a.example.com");
    GeneratedCertificate other = ca.issue("b.example.com");
    AdminResponse r = call("POST /api/certs", Map.of(),
        new JsonObject().put("chainPem", g.chainPem()).put("keyPem", other.keyPem()));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body().toJsonObject().getString("error"))
        .startsWith("private key does not match certificate CN=a.example.com");
    assertThat(r.body().toJsonObject().getString("reason")).isEqualTo("key-mismatch");

    AdminResponse pem = call("POST /api/certs", Map.of(),
        new JsonObject().put("chainPem", "garbage").put("keyPem", g.keyPem()));
    assertThat(pem.status()).isEqualTo(400);
    assertThat(pem.body().toJsonObject().getString("error")).startsWith("certificate chain: no PEM block found");

    assertThatThrownBy(() -> call("POST /api/certs", Map.of(), new JsonObject().put("keyPem", "x")))
        .hasCauseInstanceOf(AdminException.class).hasMessageContaining("chainPem: required");
    assertThat(cluster.certificates().snapshot()).isEmpty();
  }

  @Test
  void generate_issuesFromDevCa_storesAndReturnsCa() throws Exception {
    CertificateWatcher watcher = new CertificateWatcher(cluster.certificates(), new CertificateOpener(sealer), null,
        CertsMetrics.noop()).start();
    register(watcher);
    AdminResponse r = call("POST /api/certs/generate", Map.of(),
        new JsonObject().put("names", new JsonArray().add("localhost").add("*.farm.test").add("127.0.0.1"))
            .put("id", "dev"));
    assertThat(r.status()).isEqualTo(201);
    JsonObject body = r.body().toJsonObject();
    assertThat(body.getJsonObject("certificate").getJsonArray("names").getList())
        .containsExactly("localhost", "*.farm.test");
    assertThat(body.getString("caPem")).startsWith("-----BEGIN CERTIFICATE-----");
    assertThat(dir.resolve("dev-ca/ca.key")).exists();
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
        .until(() -> watcher.current().selectOrNull("x.farm.test") != null);

    assertThatThrownBy(() -> call("POST /api/certs/generate", Map.of(),
        new JsonObject().put("names", new JsonArray().add("bad name!"))))
        .hasCauseInstanceOf(AdminException.class).hasMessageContaining("names: not a DNS name");
    watcher.close();
  }

}
