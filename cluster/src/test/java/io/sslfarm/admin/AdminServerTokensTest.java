package io.sslfarm.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sslfarm.node.NodeMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The full-access token may do everything; the read-only token may only GET; anything else is 401. */
@Timeout(30)
class AdminServerTokensTest {

  static final String FULL = "full-token-0123456789abcdef";
  static final String READ = "read-token-0123456789abcdef";

  Vertx vertx;
  NodeMetrics metrics;
  int port;
  final AtomicInteger writes = new AtomicInteger();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    metrics = new NodeMetrics();
    AdminServer server = new AdminServer(vertx, FULL, READ, metrics);
    server.route(HttpMethod.GET, "/api/nodes/:id", req -> Future.succeededFuture(AdminResponse.ok(
        new JsonObject().put("id", req.param("id")))));
    for (HttpMethod m : new HttpMethod[] {HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE}) {
      server.route(m, "/api/nodes/:id", req -> {
        writes.incrementAndGet();
        return Future.succeededFuture(AdminResponse.ok(new JsonObject().put("written", true)));
      });
    }
    port = server.listen("127.0.0.1", 0).await();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private HttpResponse<String> call(String method, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/nodes/n1"))
        .timeout(Duration.ofSeconds(5)).method(method, method.equals("GET") || method.equals("DELETE")
            ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString("{\"weight\":5}"));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readToken_get_200() throws Exception {
    HttpResponse<String> r = call("GET", READ);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getString("id")).isEqualTo("n1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"POST", "PUT", "DELETE"})
  void readToken_write_403WithJsonError_andTheHandlerNeverRuns(String method) throws Exception {
    HttpResponse<String> r = call(method, READ);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(new JsonObject(r.body()).getString("error")).contains("read-only").contains(method)
        .contains("admin.token");
    assertThat(writes).hasValue(0);
    assertThat(metrics.registry().counter("sslfarm.admin.requests", "result", "forbidden").count()).isEqualTo(1.0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"GET", "POST", "PUT", "DELETE"})
  void fullToken_mayDoEverything(String method) throws Exception {
    assertThat(call(method, FULL).statusCode()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"GET", "POST"})
  void wrongMissingOrNearlyRightToken_401(String method) throws Exception {
    for (String t : new String[] {"wrong-token-0123456789abcdef", FULL + "x", READ.substring(0, READ.length() - 1),
        READ.toUpperCase(), "", null}) {
      HttpResponse<String> r = call(method, t);
      assertThat(r.statusCode()).as("token %s", t).isEqualTo(401);
      assertThat(new JsonObject(r.body()).getString("error")).isEqualTo("missing or wrong bearer token");
    }
    assertThat(writes).hasValue(0);
  }

  @Test
  void withoutAReadToken_onlyTheFullTokenWorks() throws Exception {
    vertx.close().await();
    vertx = Vertx.vertx();
    AdminServer server = new AdminServer(vertx, FULL, null, new NodeMetrics());
    server.route(HttpMethod.GET, "/api/nodes/:id", req -> Future.succeededFuture(AdminResponse.ok(new JsonObject())));
    port = server.listen("127.0.0.1", 0).await();
    assertThat(call("GET", READ).statusCode()).isEqualTo(401);
    assertThat(call("GET", FULL).statusCode()).isEqualTo(200);
  }

  @Test
  void readTokenEqualToTheFullToken_orShort_isRefused() {
    assertThatThrownBy(() -> new AdminServer(vertx, FULL, FULL, new NodeMetrics()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("differ");
    assertThatThrownBy(() -> new AdminServer(vertx, FULL, "short", new NodeMetrics()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16");
  }

  /**
   * Constant time is not measurable in a fast unit test; this checks the code instead: the token check compares both
   * tokens with {@link java.security.MessageDigest#isEqual} and never with String/Arrays equality.
   */
  @Test
  void bothTokens_areComparedWithMessageDigestIsEqual() throws Exception {
    String src = Files.readString(Path.of("src/main/java/io/sslfarm/admin/AdminServer.java"), StandardCharsets.UTF_8);
    int start = src.indexOf("private Access access(String header)");
    assertThat(start).as("AdminServer.access(header)").isPositive();
    String body = src.substring(start, src.indexOf("\n  }\n", start));
    assertThat(body).contains("MessageDigest.isEqual(given, token)").contains("MessageDigest.isEqual(given, readToken)")
        .doesNotContain(".equals(").doesNotContain("Arrays.equals");
  }
}
