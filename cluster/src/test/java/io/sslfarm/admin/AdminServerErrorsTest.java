package io.sslfarm.admin;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.sslfarm.node.NodeMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** A 5xx answer of the admin API names no internals: a generic message and an id; the log has the detail. */
@Timeout(30)
class AdminServerErrorsTest {

  static final String TOKEN = "test-token-0123456789abcdef";
  static final String SECRET = "cannot read /etc/sslfarm/master.key on 10.9.8.7:5701";

  Vertx vertx;
  AdminServer server;
  int port;
  final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  final Logger logger = (Logger) LoggerFactory.getLogger(AdminServer.class);

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    server = new AdminServer(vertx, TOKEN, new NodeMetrics());
    server.route(HttpMethod.GET, "/api/boom", req -> Future.failedFuture(new IllegalStateException(SECRET)));
    server.route(HttpMethod.GET, "/api/throws", req -> {
      throw new IllegalStateException(SECRET);
    });
    server.route(HttpMethod.GET, "/api/unavailable",
        req -> Future.failedFuture(new AdminException(503, "this node runs without a cluster")));
    server.route(HttpMethod.GET, "/api/bad", req -> Future.failedFuture(new IllegalArgumentException("weight: 0–100")));
    port = server.listen("127.0.0.1", 0).await();
    logs.start();
    logger.addAppender(logs);
  }

  @AfterEach
  void stop() {
    logger.detachAppender(logs);
    vertx.close().await();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void handlerFailure_500WithGenericMessageAndId_detailOnlyInTheLog() throws Exception {
    for (String path : new String[] {"/api/boom", "/api/throws"}) {
      HttpResponse<String> r = get(path);
      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(r.body()).doesNotContain("master.key").doesNotContain("10.9.8.7").doesNotContain("IllegalState");
      JsonObject j = new JsonObject(r.body());
      String id = j.getString("errorId");
      assertThat(id).as("errorId in %s", r.body()).isNotBlank();
      assertThat(j.getString("error")).isEqualTo("internal error (id " + id + ")");
      assertThat(logs.list).anySatisfy(e -> {
        assertThat(e.getFormattedMessage()).contains(id).contains(path);
        assertThat(e.getThrowableProxy().getMessage()).isEqualTo(SECRET);
      });
    }
  }

  @Test
  void deliberateAdminExceptionAndClientErrors_keepTheirMessages() throws Exception {
    HttpResponse<String> r = get("/api/unavailable");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(new JsonObject(r.body()).getString("error")).isEqualTo("this node runs without a cluster");
    HttpResponse<String> bad = get("/api/bad");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(bad.body()).getString("error")).isEqualTo("weight: 0–100");
  }
}
