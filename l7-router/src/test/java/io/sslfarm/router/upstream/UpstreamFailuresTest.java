package io.sslfarm.router.upstream;

import static io.sslfarm.router.RouterFixture.backend;
import static io.sslfarm.router.RouterFixture.config;
import static io.sslfarm.router.RouterFixture.directOptions;
import static io.sslfarm.router.RouterFixture.router;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sslfarm.router.internal.RouterEngine;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** 502 / 503 / 504 from the one error path, health checks with rise/fall, passive ejection. */
@Timeout(60)
class UpstreamFailuresTest {

  private Vertx vertx;
  private HttpClient client;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    client = vertx.createHttpClient();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private String get(int port) {
    return client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
            .setURI("/x"))
        .compose(r -> r.send().compose(resp -> resp.body().map(b -> resp.statusCode() + " " + b.toString().trim())))
        .await();
  }

  private static JsonObject poolOf(JsonArray backends) {
    return new JsonObject().put("backends", backends);
  }

  private static JsonObject b(String id, int port) {
    return new JsonObject().put("id", id).put("address", "127.0.0.1:" + port);
  }

  @Test
  void refusedConnection_502_andBackendEjected() {
    NetServer closed = vertx.createNetServer().connectHandler(s -> { }).listen(0, "127.0.0.1").await();
    int deadPort = closed.actualPort();
    closed.close().await();
    RouterEngine r = router(vertx, directOptions(), config(poolOf(new JsonArray().add(b("dead", deadPort)))), null);
    assertThat(get(r.port())).isEqualTo("502 bad gateway: upstream connect failed");
    // ejected now: no backend left for new sessions
    assertThat(get(r.port())).isEqualTo("503 no backend available");
    assertThat(r.metrics().registry().find("sslfarm.router.rejected").tag("reason", "upstream-connect").counter()
        .count()).isEqualTo(1.0);
  }

  @Test
  void silentBackend_504() {
    // accepts and reads, never answers
    NetServer silent = vertx.createNetServer().connectHandler(s -> s.handler(buf -> { })).listen(0, "127.0.0.1")
        .await();
    RouterEngine r = router(vertx, directOptions().setUpstreamResponseTimeout(Duration.ofMillis(300)),
        config(poolOf(new JsonArray().add(b("slow", silent.actualPort())))), null);
    assertThat(get(r.port())).isEqualTo("504 gateway timeout");
  }

  @Test
  void backendResetsMidResponse_502() {
    NetServer rude = vertx.createNetServer().connectHandler(s -> s.handler(buf -> s.close()))
        .listen(0, "127.0.0.1").await();
    RouterEngine r = router(vertx, directOptions(), config(poolOf(new JsonArray().add(b("rude", rude.actualPort())))),
        null);
    assertThat(get(r.port())).startsWith("502 bad gateway");
  }

  @Test
  void noRoute_503() {
    HttpServer ok = backend(vertx, "b0", false);
    RouterEngine r = router(vertx, directOptions(), io.sslfarm.router.config.FarmConfigValidator.validate(
        new JsonObject(), new JsonObject().put("web", poolOf(new JsonArray().add(b("b0", ok.actualPort()))))), null);
    assertThat(get(r.port())).isEqualTo("503 no route");
  }

  @Test
  void healthCheck_fallThenRise() {
    AtomicBoolean healthy = new AtomicBoolean(true);
    HttpServer flaky = vertx.createHttpServer().requestHandler(req -> {
      if (req.path().equals("/health")) {
        req.response().setStatusCode(healthy.get() ? 200 : 500).end();
      } else {
        req.response().end("flaky");
      }
    }).listen(0, "127.0.0.1").await();
    JsonObject pool = poolOf(new JsonArray().add(b("f", flaky.actualPort()))).put("health", new JsonObject()
        .put("path", "/health").put("interval", "100ms").put("timeout", "100ms").put("rise", 2).put("fall", 2));
    RouterEngine r = router(vertx, directOptions(), config(pool), null);
    assertThat(get(r.port())).isEqualTo("200 flaky");
    healthy.set(false);
    await().atMost(Duration.ofSeconds(5)).until(() -> !r.pools().pool("web").byId("f").healthy());
    assertThat(get(r.port())).isEqualTo("503 no backend available");
    healthy.set(true);
    await().atMost(Duration.ofSeconds(5)).until(() -> r.pools().pool("web").byId("f").healthy());
    assertThat(get(r.port())).isEqualTo("200 flaky");
    assertThat(r.metrics().registry().find("sslfarm.router.health.transitions").tag("state", "down").counter()
        .count()).isEqualTo(1.0);
  }
}
