package io.sslfarm.router.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.sslfarm.router.RouterFixture;
import io.sslfarm.router.RouterOptions;
import io.sslfarm.router.affinity.LocalSessionTable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 17 item 1: what one HTTP/2 downstream connection may make the router hold. */
class Http2BoundsTest {

  private Vertx vertx;
  private RouterEngine router;
  private HttpClient h2;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private void start(RouterOptions options, HttpServer backend) {
    router = RouterFixture.router(vertx, options, RouterFixture.config(RouterFixture.pool("none", false, backend)),
        LocalSessionTable::new);
  }

  private RequestOptions req(HttpMethod m, String uri) {
    return new RequestOptions().setMethod(m).setHost("127.0.0.1").setPort(router.port()).setURI(uri);
  }

  @Test
  void defaultSettings_areTheRfcWindowAnd100Streams() {
    start(RouterFixture.directOptions(), RouterFixture.backend(vertx, "b0", false));
    HttpClientResponse resp = h2.request(req(HttpMethod.GET, "/")).compose(r -> r.send()).await();
    assertThat(resp.statusCode()).isEqualTo(200);
    Http2Settings s = (Http2Settings) resp.request().connection().remoteSettings();
    assertThat(s.getMaxConcurrentStreams()).isEqualTo(100);
    assertThat(s.getInitialWindowSize()).isEqualTo(65_535);
  }

  @Test
  void configuredSettings_areSent_andStreamMaxPlusOneWaits() {
    List<io.vertx.core.http.HttpServerRequest> held = new CopyOnWriteArrayList<>();
    HttpServer backend = vertx.createHttpServer().requestHandler(held::add).listen(0, "127.0.0.1").await();
    start(RouterFixture.directOptions().setH2MaxConcurrentStreams(2).setH2InitialWindowSize(32_768), backend);
    List<Future<HttpClientResponse>> resps = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      resps.add(h2.request(req(HttpMethod.GET, "/" + i)).compose(r -> r.send()));
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> held.size() == 2);
    // the third stream is not opened while two are: the client honours the SETTINGS (RFC 9113 §5.1.2)
    try {
      TimeUnit.MILLISECONDS.sleep(300);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    assertThat(held).hasSize(2);
    held.get(0).response().end("a");
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> held.size() == 3);
    held.get(1).response().end("b");
    held.get(2).response().end("c");
    HttpClientResponse first = resps.get(0).await();
    Http2Settings s = (Http2Settings) first.request().connection().remoteSettings();
    assertThat(s.getMaxConcurrentStreams()).isEqualTo(2);
    assertThat(s.getInitialWindowSize()).isEqualTo(32_768);
    for (Future<HttpClientResponse> f : resps) {
      assertThat(f.await().statusCode()).isEqualTo(200);
    }
  }

  @Test
  void bufferedH2Body_isCappedAt64KiB_smallBodiesStillForwarded() {
    start(RouterFixture.directOptions(), RouterFixture.backend(vertx, "b0", false));
    Buffer big = Buffer.buffer("y".repeat(200 * 1024));
    HttpClientResponse r413 = h2.request(req(HttpMethod.GET, "/echo")).compose(r -> {
      r.setChunked(true); // no Content-Length: the body is buffered before forwarding
      r.write(big);
      return r.end().compose(v -> r.response());
    }).await();
    assertThat(r413.statusCode()).isEqualTo(413);
    assertThat(router.metrics().registry().find("sslfarm.router.rejected")
        .tag("reason", "h2-buffered-body-too-large").counter().count()).isEqualTo(1.0);
    // the connection is still usable, and a small body arrives whole
    String small = "z".repeat(10 * 1024);
    JsonObject echo = h2.request(req(HttpMethod.GET, "/echo")).compose(r -> {
          r.setChunked(true);
          r.write(Buffer.buffer(small));
          return r.end().compose(v -> r.response());
        }).compose(resp -> {
          assertThat(resp.statusCode()).isEqualTo(200);
          return resp.body();
        }).map(Buffer::toJsonObject).await();
    assertThat(echo.getString("body")).isEqualTo(small);
    assertThat(echo.getJsonObject("headers").getString("content-length")).isEqualTo(String.valueOf(small.length()));
  }

  private double rejected(String reason) {
    var c = router.metrics().registry().find("sslfarm.router.rejected").tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void stalledH2Body_gets408_otherStreamsOnTheConnectionUnaffected() {
    start(RouterFixture.directOptions().setBodyTimeout(Duration.ofMillis(300)),
        RouterFixture.backend(vertx, "b0", false));
    long t0 = System.nanoTime();
    // stream 1: Content-Length 100, 3 bytes sent, then nothing (piped upstream as it comes)
    Promise<io.vertx.core.http.HttpClientRequest> stalledReq = Promise.promise();
    Future<HttpClientResponse> stalled = h2.request(req(HttpMethod.POST, "/echo")).compose(r -> {
      r.putHeader("content-length", "100");
      r.write(Buffer.buffer("abc"));
      stalledReq.complete(r);
      return r.response();
    });
    // stream 3: GET without Content-Length, some bytes, then nothing (the buffered path)
    Future<HttpClientResponse> stalledGet = h2.request(req(HttpMethod.GET, "/echo")).compose(r -> {
      r.setChunked(true);
      r.write(Buffer.buffer("abc"));
      return r.response();
    });
    stalledReq.future().await();
    // meanwhile, another stream on the same connection is served normally
    HttpClientResponse ok = h2.request(req(HttpMethod.GET, "/")).compose(r -> r.send()).await();
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(stalled.timeout(5, TimeUnit.SECONDS).await().statusCode()).isEqualTo(408);
    assertThat(stalledGet.timeout(5, TimeUnit.SECONDS).await().statusCode()).isEqualTo(408);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    assertThat(rejected("body-timeout")).isEqualTo(2.0);
    // the connection is still open: one more request on it
    HttpClientResponse again = h2.request(req(HttpMethod.GET, "/")).compose(r -> r.send()).await();
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.request().connection()).isSameAs(ok.request().connection());
  }

  @Test
  void stalledH1Body_gets408AndClose_aSteadyTrickleDoesNot() throws Exception {
    start(RouterFixture.directOptions().setBodyTimeout(Duration.ofMillis(300)),
        RouterFixture.backend(vertx, "b0", false));
    long t0 = System.nanoTime();
    RouterFixture.RawResult r = RouterFixture.raw(router.port(), 0, 5000, RouterFixture.ascii(
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc"));
    assertThat(r.statusLine()).isEqualTo("HTTP/1.1 408 Request Timeout");
    assertThat(r.closed()).isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
    assertThat(rejected("body-timeout")).isEqualTo(1.0);
    // 4 parts 150 ms apart: no gap reaches the timeout, though the whole body takes longer than it
    RouterFixture.RawResult trickle = RouterFixture.raw(router.port(), 150, 3000,
        RouterFixture.ascii("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nConnection: close\r\n\r\nab"),
        RouterFixture.ascii("cd"), RouterFixture.ascii("e"), RouterFixture.ascii("f"));
    assertThat(trickle.statusLine()).isEqualTo("HTTP/1.1 200 OK");
    assertThat(trickle.text()).contains("abcdef");
  }
}
