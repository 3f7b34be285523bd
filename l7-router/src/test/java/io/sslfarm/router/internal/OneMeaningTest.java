package io.sslfarm.router.internal;

import static io.sslfarm.router.RouterFixture.ascii;
import static io.sslfarm.router.RouterFixture.raw;
import static org.assertj.core.api.Assertions.assertThat;

import io.sslfarm.router.RouterFixture;
import io.sslfarm.router.RouterFixture.RawResult;
import io.sslfarm.router.config.FarmConfigValidator;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One meaning per request (issue 17 item 4), end to end over raw sockets: the router routes on, and the backend
 * receives, the same normalised origin-form target; an absolute-form target naming another host than Host is refused.
 * Each backend answers {@code <id> <request-target it received> host=<Host>}.
 */
@Timeout(60)
class OneMeaningTest {

  private static Vertx vertx;
  private static RouterEngine router;
  private static int port;
  private static final AtomicInteger backendHits = new AtomicInteger();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    HttpServer web = reporter("web");
    HttpServer api = reporter("api");
    JsonObject routes = new JsonObject().put("default-pool", "web").put("rules", new JsonArray()
        .add(new JsonObject().put("path-prefix", "/api").put("pool", "api")));
    JsonObject pools = new JsonObject().put("web", pool(web)).put("api", pool(api));
    router = RouterFixture.router(vertx, RouterFixture.directOptions(), FarmConfigValidator.validate(routes, pools),
        null);
    port = router.port();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  private static HttpServer reporter(String id) {
    return vertx.createHttpServer().requestHandler(req -> {
      backendHits.incrementAndGet();
      req.body().onSuccess(b -> req.response().end(id + " " + req.uri() + " host=" + req.getHeader("Host")));
    }).listen(0, "127.0.0.1").await();
  }

  private static JsonObject pool(HttpServer b) {
    return new JsonObject().put("backends", new JsonArray()
        .add(new JsonObject().put("id", "b0").put("address", "127.0.0.1:" + b.actualPort())));
  }

  private static RawResult get(String target, String host) throws Exception {
    return raw(port, 0, 3000, ascii("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n"));
  }

  private static String body(RawResult r) {
    return r.text().substring(r.text().indexOf("\r\n\r\n") + 4);
  }

  private static void assertServed(String target, String backendSaw) throws Exception {
    RawResult r = get(target, "public");
    assertThat(r.statusLine()).as("%s: %s", target, r.text()).isEqualTo("HTTP/1.1 200 OK");
    assertThat(body(r)).as(target).isEqualTo(backendSaw + " host=public");
  }

  private static void assertRejected(String target, String host, String tag) throws Exception {
    double before = rejected(tag);
    int hits = backendHits.get();
    RawResult r = get(target, host);
    assertThat(r.statusLine()).as("%s: %s", target, r.text()).startsWith("HTTP/1.1 400");
    assertThat(r.closed()).isTrue();
    assertThat(backendHits.get()).as("forwarded to a backend").isEqualTo(hits);
    assertThat(rejected(tag)).as("counter %s", tag).isEqualTo(before + 1);
  }

  private static double rejected(String tag) {
    var c = router.metrics().registry().find("sslfarm.router.rejected").tag("reason", tag).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void absoluteForm_authorityOtherThanHost_400NotForwarded() throws Exception {
    assertRejected("http://internal/admin", "public", "authority-mismatch");
    assertRejected("http://public:8080/admin", "public", "authority-mismatch");
  }

  @Test
  void absoluteForm_sameAuthority_forwardedInOriginForm() throws Exception {
    assertServed("http://public/x?q=1", "web /x?q=1");
    assertServed("http://PUBLIC:80/api/v1", "api /api/v1");
    assertServed("http://public", "web /");
  }

  @Test
  void absoluteForm_nonHttpScheme_400() throws Exception {
    assertRejected("ftp://public/x", "public", "bad-request-target");
  }

  @Test
  void routesOnSegmentBoundaries() throws Exception {
    assertServed("/api", "api /api");
    assertServed("/api/", "api /api/");
    assertServed("/api/x?y=1", "api /api/x?y=1");
    assertServed("/apix", "web /apix");
  }

  @Test
  void pathNormalisedBeforeRoutingAndForwarded() throws Exception {
    assertServed("/%61pi/x", "api /api/x");
    assertServed("/x/../api/y", "api /api/y");
    assertServed("/static/%2e%2E/api/y", "api /api/y");
    assertServed("//api//y/./z", "api /api/y/z");
    assertServed("/api%2Fx", "web /api%2Fx"); // an encoded slash stays encoded: not the /api segment
    assertServed("/a/b?p=/../%2e", "web /a/b?p=/../%2e");
  }

  @Test
  void badPaths_400NotForwarded() throws Exception {
    assertRejected("/../x", "public", "bad-request-target");
    assertRejected("/api/../../x", "public", "bad-request-target");
    assertRejected("/%2e%2e/x", "public", "bad-request-target");
    assertRejected("/a%00b", "public", "bad-request-target");
    assertRejected("/a%zz", "public", "bad-request-target");
  }

  @Test
  void http10AbsoluteFormWithoutHost_hostFromTarget() throws Exception {
    RawResult r = raw(port, 0, 3000, ascii("GET http://public/api/q HTTP/1.0\r\n\r\n"));
    assertThat(r.statusLine()).as(r.text()).startsWith("HTTP/1.0 200");
    assertThat(body(r)).isEqualTo("api /api/q host=public");
  }

  @Test
  void http2_pathNormalised_badPathAnswered400OnItsStream() {
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
    try {
      assertThat(h2get(h2, "/x/../%61pi//h2")).isEqualTo("200 api /api/h2 host=127.0.0.1:" + port);
      assertThat(h2get(h2, "/../h2")).isEqualTo("400 invalid request target\n");
      assertThat(h2get(h2, "/api")).as("the connection serves on").isEqualTo("200 api /api host=127.0.0.1:" + port);
    } finally {
      h2.close().await();
    }
  }

  private static String h2get(HttpClient h2, String uri) {
    return h2.request(HttpMethod.GET, port, "127.0.0.1", uri).compose(HttpClientRequest::send)
        .compose(r -> r.body().map(b -> r.version() + " " + r.statusCode() + " " + b)).await()
        .replaceFirst("^HTTP_2 ", "");
  }
}
