package io.sslfarm.router.internal;

import static io.sslfarm.router.RouterFixture.backend;
import static io.sslfarm.router.RouterFixture.config;
import static io.sslfarm.router.RouterFixture.pool;
import static io.sslfarm.router.RouterFixture.router;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sslfarm.router.RouterFixture;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** One structured access-log line per request, and the per route/pool/backend request counter. */
@Timeout(30)
class AccessLogTest {

  private Vertx vertx;
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private Logger logger;
  private Level before;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    logger = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
    before = logger.getLevel();
    logger.setLevel(Level.INFO);
    lines.start();
    logger.addAppender(lines);
  }

  @AfterEach
  void tearDown() {
    logger.detachAppender(lines);
    logger.setLevel(before);
    vertx.close().await();
  }

  private int get(int port, String uri) {
    return vertx.createHttpClient().request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
        .setPort(port).setURI(uri)).compose(r -> r.send().compose(resp -> resp.body().map(b -> resp.statusCode())))
        .await();
  }

  @Test
  void jsonFormat_oneLinePerRequest_withStickyOutcome_andRequestCounter() {
    var b = backend(vertx, "b0", false);
    var r = router(vertx, RouterFixture.directOptions().setAccessLogFormat("json"),
        config(pool("insert", false, b)), null);
    assertThat(get(r.port(), "/cart?token=secret")).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> lines.list.size() == 1);
    JsonObject line = new JsonObject(lines.list.get(0).getFormattedMessage());
    assertThat(line.getString("client")).isEqualTo("127.0.0.1");
    assertThat(line.getString("method")).isEqualTo("GET");
    assertThat(line.getString("path")).isEqualTo("/cart"); // no query string: it may carry tokens
    assertThat(line.getInteger("status")).isEqualTo(200);
    assertThat(line.getLong("bytes")).isEqualTo(2L);
    assertThat(line.getString("pool")).isEqualTo("web");
    assertThat(line.getString("route")).isEqualTo("default");
    assertThat(line.getString("upstream")).isEqualTo("b0");
    assertThat(line.getString("sticky")).isEqualTo("new");
    assertThat(line.getString("request_id")).matches("[0-9a-f]{32}");
    assertThat(line.getDouble("duration_ms")).isPositive();
    assertThat(r.metrics().registry().find("sslfarm.router.requests").tags("route", "default", "pool", "web",
        "backend", "b0", "status", "2xx").counter().count()).isEqualTo(1.0);
    assertThat(r.metrics().registry().find("sslfarm.router.upstream.latency").tags("pool", "web", "backend", "b0")
        .timer().count()).isEqualTo(1L);
  }

  @Test
  void kvFormat_routerAnsweredItself_upstreamDash() {
    var r = router(vertx, RouterFixture.directOptions(), io.sslfarm.router.config.RouterFarmConfig.EMPTY, null);
    assertThat(get(r.port(), "/x")).isEqualTo(503);
    await().atMost(Duration.ofSeconds(5)).until(() -> lines.list.size() == 1);
    assertThat(lines.list.get(0).getFormattedMessage()).contains(" method=GET path=/x status=503 ")
        .contains(" upstream=- ").contains(" pool=- ");
  }

  /** PROXY LOCAL/UNSPEC: no client address; the line says "-", never an empty field. */
  @Test
  void noClientAddress_isLoggedAsDash() {
    new AccessLog(true, "kv").log(9, "", "GET", "/", 200, 0, "default", "web", "b0", 1_000_000, "id", "none");
    new AccessLog(true, "json").log(9, null, "GET", "/", 200, 0, "default", "web", "b0", 1_000_000, "id", "none");
    assertThat(lines.list).hasSize(2);
    assertThat(lines.list.get(0).getFormattedMessage()).contains(" client=- ");
    assertThat(new JsonObject(lines.list.get(1).getFormattedMessage()).getString("client")).isEqualTo("-");
  }
}
