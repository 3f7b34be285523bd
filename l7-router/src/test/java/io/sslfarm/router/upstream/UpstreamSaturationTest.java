package io.sslfarm.router.upstream;

import static io.sslfarm.router.RouterFixture.config;
import static io.sslfarm.router.RouterFixture.directOptions;
import static io.sslfarm.router.RouterFixture.router;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sslfarm.router.RouterOptions;
import io.sslfarm.router.affinity.StickyCookieCodec;
import io.sslfarm.router.internal.RouterEngine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A busy backend is not a failed one (HAProxy {@code maxconn} + {@code timeout queue}; Envoy's circuit-breaker overflow
 * never feeds outlier detection): beyond {@code router.upstream-max-connections} requests wait in a bounded queue;
 * a full queue or a wait past {@code router.upstream-queue-timeout} is a 503 and the backend stays in. Only a real
 * connect failure ejects.
 */
@Timeout(60)
class UpstreamSaturationTest {

  private Vertx vertx;
  private HttpClient client;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    client = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(32));
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  /** A backend that holds {@code /hold} requests until {@link #release()}; anything else is answered at once. */
  private static final class HoldingBackend {
    final Queue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();
    final AtomicInteger requests = new AtomicInteger();
    final HttpServer server;
    final String id;

    HoldingBackend(Vertx vertx, String id) {
      this.id = id;
      this.server = vertx.createHttpServer().requestHandler(req -> {
        requests.incrementAndGet();
        if (req.path().equals("/hold")) {
          held.add(req);
        } else {
          req.response().end(id);
        }
      }).listen(0, "127.0.0.1").await();
    }

    void release() {
      for (HttpServerRequest r; (r = held.poll()) != null; ) {
        r.response().end(id);
      }
    }
  }

  private Future<String> get(int port, String path, String cookie) {
    RequestOptions ro = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI(path);
    if (cookie != null) {
      ro.putHeader("Cookie", "SSLFARM_STICKY=" + cookie);
    }
    return client.request(ro)
        .compose(r -> r.send().compose(resp -> resp.body().map(b -> resp.statusCode() + " " + b.toString().trim())));
  }

  private static JsonObject b(String id, int port) {
    return new JsonObject().put("id", id).put("address", "127.0.0.1:" + port);
  }

  private static JsonObject stickyPool(JsonObject... backends) {
    return new JsonObject().put("backends", new JsonArray(List.of((Object[]) backends)))
        .put("sticky", new JsonObject().put("mode", "insert").put("strict", false).put("idle-ttl", "30m"));
  }

  private static String cookieFor(RouterEngine r, String backend) {
    return new StickyCookieCodec(r.keys()).encode("web", backend, System.currentTimeMillis() / 1000);
  }

  private static double rejected(RouterEngine r, String reason) {
    var c = r.metrics().registry().find("sslfarm.router.rejected").tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  private static RouterOptions saturable(int queueSize, Duration queueTimeout) {
    return directOptions().setUpstreamMaxConnections(1).setUpstreamQueueSize(queueSize)
        .setUpstreamQueueTimeout(queueTimeout);
  }

  @Test
  void fullQueue_503QueueFullAtOnce_backendStaysInAndTheOtherGetsNoFallout() {
    HoldingBackend slow = new HoldingBackend(vertx, "b0");
    HoldingBackend other = new HoldingBackend(vertx, "b1");
    RouterEngine r = router(vertx, saturable(1, Duration.ofSeconds(30)),
        config(stickyPool(b("b0", slow.server.actualPort()), b("b1", other.server.actualPort()))), null);
    String toSlow = cookieFor(r, "b0");
    Upstream b0 = r.pools().pool("web").byId("b0");

    Future<String> active = get(r.port(), "/hold", toSlow);
    await().atMost(Duration.ofSeconds(5)).until(() -> slow.held.size() == 1);
    Future<String> queued = get(r.port(), "/hold", toSlow);
    await().atMost(Duration.ofSeconds(5)).until(() -> b0.queue().waiting() == 1);

    long t0 = System.nanoTime();
    String over1 = get(r.port(), "/hold", toSlow).await();
    String over2 = get(r.port(), "/hold", toSlow).await();
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(over1).isEqualTo("503 service unavailable: upstream queue full");
    assertThat(over2).isEqualTo("503 service unavailable: upstream queue full");
    assertThat(tookMs).as("answered without waiting for a connection").isLessThan(1000);
    assertThat(rejected(r, "upstream-queue-full")).isEqualTo(2.0);
    assertThat(b0.ejected(System.nanoTime())).as("a full backend is not a failed one").isFalse();
    assertThat(other.requests.get()).as("no retry onto the other backend").isZero();

    slow.release();
    assertThat(active.await()).isEqualTo("200 b0");
    await().atMost(Duration.ofSeconds(5)).until(() -> slow.held.size() == 1); // the queued one got the connection
    slow.release();
    assertThat(queued.await()).isEqualTo("200 b0");
    assertThat(get(r.port(), "/x", toSlow).await()).as("still in, still sticky").isEqualTo("200 b0");
    assertThat(get(r.port(), "/x", cookieFor(r, "b1")).await()).isEqualTo("200 b1");
    assertThat(rejected(r, "upstream-connect")).isZero();
    assertThat(b0.ejected(System.nanoTime())).isFalse();
  }

  @Test
  void queueWaitTimesOut_503QueueTimeout_noEjection() {
    HoldingBackend slow = new HoldingBackend(vertx, "b0");
    RouterEngine r = router(vertx, saturable(8, Duration.ofMillis(300)),
        config(stickyPool(b("b0", slow.server.actualPort()))), null);
    Upstream b0 = r.pools().pool("web").byId("b0");

    Future<String> active = get(r.port(), "/hold", null);
    await().atMost(Duration.ofSeconds(5)).until(() -> slow.held.size() == 1);
    long t0 = System.nanoTime();
    String waited = get(r.port(), "/hold", null).await();
    long tookMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(waited).isEqualTo("503 service unavailable: upstream queue timeout");
    assertThat(tookMs).as("the queue's own timeout, not the connect timeout").isBetween(250L, 1900L);
    assertThat(rejected(r, "upstream-queue-timeout")).isEqualTo(1.0);
    assertThat(b0.ejected(System.nanoTime())).isFalse();
    assertThat(b0.queue().waiting()).isZero();

    slow.release();
    assertThat(active.await()).isEqualTo("200 b0");
    assertThat(get(r.port(), "/x", null).await()).isEqualTo("200 b0");
    assertThat(rejected(r, "upstream-connect")).isZero();
  }

  @Test
  void connectRefused_stillEjectsAndRetriesOnTheNext() {
    NetServer closed = vertx.createNetServer().connectHandler(s -> { }).listen(0, "127.0.0.1").await();
    int deadPort = closed.actualPort();
    closed.close().await();
    HoldingBackend live = new HoldingBackend(vertx, "b1");
    RouterEngine r = router(vertx, saturable(1, Duration.ofSeconds(1)),
        config(stickyPool(b("b0", deadPort), b("b1", live.server.actualPort()))), null);

    assertThat(get(r.port(), "/x", cookieFor(r, "b0")).await()).isEqualTo("200 b1");
    assertThat(r.pools().pool("web").byId("b0").ejected(System.nanoTime())).isTrue();
    assertThat(r.pools().pool("web").byId("b0").queue().active()).as("the failed attempt gave its slot back")
        .isZero();
    // the router ends its exchange just after the last byte is written: eventually, not at once
    await().atMost(Duration.ofSeconds(5)).until(() -> r.pools().pool("web").byId("b1").queue().active() == 0);
    assertThat(rejected(r, "upstream-queue-full") + rejected(r, "upstream-queue-timeout")).isZero();
  }

  @Test
  void clientLeavesWhileQueued_itsPlaceIsFreed() throws IOException {
    HoldingBackend slow = new HoldingBackend(vertx, "b0");
    RouterEngine r = router(vertx, saturable(1, Duration.ofSeconds(30)),
        config(stickyPool(b("b0", slow.server.actualPort()))), null);
    Upstream b0 = r.pools().pool("web").byId("b0");
    Future<String> active = get(r.port(), "/hold", null);
    await().atMost(Duration.ofSeconds(5)).until(() -> slow.held.size() == 1);
    try (Socket s = new Socket("127.0.0.1", r.port())) {
      s.getOutputStream().write("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      await().atMost(Duration.ofSeconds(5)).until(() -> b0.queue().waiting() == 1);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> b0.queue().waiting() == 0);
    slow.release();
    assertThat(active.await()).isEqualTo("200 b0");
    assertThat(get(r.port(), "/x", null).await()).isEqualTo("200 b0");
    await().atMost(Duration.ofSeconds(5)).until(() -> b0.queue().active() == 0);
  }
}
