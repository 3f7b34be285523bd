package io.sslfarm.router.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sslfarm.router.RouterFixture;
import io.sslfarm.router.affinity.LocalSessionTable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * WebSocket through the router's HTTP/1.1 path: the handshake is routed (and made sticky) like any request, the
 * backend's 101 is passed on, then frames flow both ways as bytes; the connection is counted, idles out on
 * {@code router.websocket-idle-timeout}, and an ordinary request on another connection is untouched.
 */
class WebSocketTest {

  private Vertx vertx;
  private RouterEngine router;
  private final List<String> backendSaw = new CopyOnWriteArrayList<>();
  // held in fields: Vert.x 5 closes a client that is no longer referenced (and its connections with it)
  private WebSocketClient wsClient;
  private io.vertx.core.http.HttpClient httpClient;

  private HttpServer echoBackend(String id) {
    return vertx.createHttpServer().webSocketHandler(ws -> {
      backendSaw.add(ws.headers().get("X-Forwarded-For") + " " + ws.uri());
      ws.textMessageHandler(t -> ws.writeTextMessage(id + ":" + t));
      ws.binaryMessageHandler(b -> ws.writeBinaryMessage(b));
    }).requestHandler(req -> req.response().end(id)).listen(0, "127.0.0.1").await();
  }

  private void start(Duration idle) {
    HttpServer b0 = echoBackend("b0");
    router = RouterFixture.router(vertx, RouterFixture.directOptions().setWebsocketIdleTimeout(idle),
        RouterFixture.config(RouterFixture.pool("insert", false, b0)), LocalSessionTable::new);
  }

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private WebSocket connect() {
    wsClient = vertx.createWebSocketClient();
    return wsClient.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(router.port()).setURI("/chat?x=1"))
        .await();
  }

  @Test
  void echoThroughTheRouter_textAndLargeBinary_thenPlainRequestsStillWork() {
    start(Duration.ofMinutes(1));
    WebSocket ws = connect();
    assertThat(ws.headers().get("Set-Cookie")).as("sticky like any request").startsWith("SSLFARM_STICKY=");
    List<String> got = new CopyOnWriteArrayList<>();
    ws.textMessageHandler(got::add);
    for (int i = 0; i < 50; i++) {
      ws.writeTextMessage("m" + i);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> got.size() == 50);
    assertThat(got.get(0)).isEqualTo("b0:m0");
    assertThat(got.get(49)).isEqualTo("b0:m49");
    // 200 KB in one binary message (Vert.x's default limit is 256 KiB): several frames and reads through the relay,
    // nothing lost or reordered
    Buffer big = Buffer.buffer(new byte[200_000]);
    for (int i = 0; i < big.length(); i++) {
      big.setByte(i, (byte) (i * 31));
    }
    Buffer[] echoed = new Buffer[1];
    ws.binaryMessageHandler(b -> echoed[0] = b);
    ws.writeBinaryMessage(big);
    await().atMost(Duration.ofSeconds(20)).until(() -> echoed[0] != null);
    assertThat(echoed[0]).isEqualTo(big);
    assertThat(backendSaw).containsExactly("127.0.0.1 /chat?x=1");
    assertThat(router.metrics().activeWebsockets()).isEqualTo(1);
    assertThat(router.metrics().registry().find("sslfarm.router.websocket.upgrades").counter().count())
        .isEqualTo(1.0);
    // plain HTTP on another connection meanwhile
    httpClient = vertx.createHttpClient();
    assertThat(httpClient.request(io.vertx.core.http.HttpMethod.GET, router.port(), "127.0.0.1", "/")
        .compose(r -> r.send().compose(resp -> resp.body())).await().toString()).isEqualTo("b0");
    ws.close().await();
    await().atMost(Duration.ofSeconds(5)).until(() -> router.metrics().activeWebsockets() == 0);
  }

  @Test
  void idleWebSocket_isClosedAfterItsOwnTimeout() {
    start(Duration.ofMillis(400));
    WebSocket ws = connect();
    Future<Void> closed = Future.future(p -> ws.closeHandler(v -> p.complete()));
    long t0 = System.nanoTime();
    closed.await();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(300), Duration.ofSeconds(5));
    await().atMost(Duration.ofSeconds(5)).until(() -> router.metrics().activeWebsockets() == 0);
  }

  @Test
  void backendRefusingTheUpgrade_isAnsweredAsAPlainResponse() throws Exception {
    HttpServer plain = vertx.createHttpServer().requestHandler(req -> req.response().setStatusCode(426).end("no"))
        .listen(0, "127.0.0.1").await();
    router = RouterFixture.router(vertx, RouterFixture.directOptions(),
        RouterFixture.config(RouterFixture.pool("none", false, plain)), LocalSessionTable::new);
    RouterFixture.RawResult r = RouterFixture.raw(router.port(), 0, 2000, RouterFixture.ascii(
        "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
    assertThat(r.statusLine()).isEqualTo("HTTP/1.1 426 Upgrade Required");
    assertThat(r.text()).endsWith("no");
    assertThat(router.metrics().activeWebsockets()).isZero();
  }
}
