package io.sslfarm.router.internal;

import static io.sslfarm.router.RouterFixture.ascii;
import static io.sslfarm.router.RouterFixture.backend;
import static io.sslfarm.router.RouterFixture.config;
import static io.sslfarm.router.RouterFixture.pool;
import static io.sslfarm.router.RouterFixture.proxyV2;
import static io.sslfarm.router.RouterFixture.proxyV2NoAddress;
import static io.sslfarm.router.RouterFixture.raw;
import static io.sslfarm.router.RouterFixture.router;
import static io.sslfarm.router.RouterFixture.sslTlv;
import static io.sslfarm.router.RouterFixture.tlv;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.sslfarm.router.RouterFixture;
import io.sslfarm.router.RouterFixture.RawResult;
import io.sslfarm.router.RouterOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Forwarding headers come from the PROXY header only; the client's own are stripped; hop-by-hop headers go. */
@Timeout(60)
class ForwardingHeadersTest {

  private static Vertx vertx;
  private static HttpServer backend;
  private static int port;
  private static RouterEngine engine;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    backend = backend(vertx, "b0", false);
    engine = router(vertx, proxied(), config(pool("none", false, backend)), null);
    port = engine.port();
  }

  private static RouterOptions proxied() {
    return RouterFixture.directOptions().setProxyProtocol(true).setTrustedProxies(List.of("127.0.0.1"));
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  private static JsonObject echoed(RawResult r) {
    assertThat(r.statusLine()).isEqualTo("HTTP/1.1 200 OK");
    return new JsonObject(r.text().substring(r.text().indexOf("\r\n\r\n") + 4)).getJsonObject("headers");
  }

  @Test
  void tlsClient_forwardingHeadersFromProxyHeader_clientOnesStripped() throws Exception {
    ByteArrayOutputStream tlvs = new ByteArrayOutputStream();
    tlvs.writeBytes(tlv(0x01, "http/1.1".getBytes(StandardCharsets.US_ASCII))); // PP2_TYPE_ALPN
    tlvs.writeBytes(tlv(0x02, "shop.example.com".getBytes(StandardCharsets.US_ASCII))); // PP2_TYPE_AUTHORITY
    tlvs.writeBytes(sslTlv("TLSv1.3", "TLS_AES_128_GCM_SHA256")); // PP2_TYPE_SSL
    RawResult r = raw(port, 0, 3000, proxyV2("203.0.113.7", 50000, "192.0.2.1", 443, tlvs.toByteArray()),
        ascii("GET /echo HTTP/1.1\r\nHost: shop.example.com\r\n"
            + "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: 1\r\n"
            + "X-Forwarded-Host: evil\r\nForwarded: for=6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\n"
            + "Connection: close, X-Secret-Hop\r\nX-Secret-Hop: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n"
            + "Proxy-Authorization: Basic Zm9vOmJhcg==\r\nProxy: http://evil\r\nX-Request-Id: abc-123\r\n"
            + "Cookie: a=1\r\n\r\n"));
    JsonObject h = echoed(r);
    assertThat(h.getString("x-forwarded-for")).isEqualTo("203.0.113.7");
    assertThat(h.getString("x-forwarded-proto")).isEqualTo("https");
    assertThat(h.getString("x-forwarded-port")).isEqualTo("443");
    assertThat(h.getString("x-forwarded-host")).isEqualTo("shop.example.com");
    assertThat(h.getString("forwarded")).isEqualTo("for=203.0.113.7;proto=https;host=\"shop.example.com\"");
    assertThat(h.getString("x-request-id")).isEqualTo("abc-123"); // a valid incoming id is kept
    assertThat(h.getString("host")).isEqualTo("shop.example.com");
    assertThat(h.getString("cookie")).isEqualTo("a=1");
    assertThat(h.fieldNames()).doesNotContain("x-real-ip", "x-secret-hop", "keep-alive", "te",
        "proxy-authorization", "proxy");
    assertThat(r.text()).containsIgnoringCase("X-Request-Id: abc-123");
  }

  @Test
  void plainClient_protoHttp_invalidRequestIdReplaced() throws Exception {
    RawResult r = raw(port, 0, 3000, proxyV2("198.51.100.9", 40000, "192.0.2.1", 80, new byte[0]),
        ascii("GET /echo HTTP/1.1\r\nHost: a.example\r\nX-Request-Id: <script>\r\nConnection: close\r\n\r\n"));
    JsonObject h = echoed(r);
    assertThat(h.getString("x-forwarded-for")).isEqualTo("198.51.100.9");
    assertThat(h.getString("x-forwarded-proto")).isEqualTo("http");
    assertThat(h.getString("x-forwarded-port")).isEqualTo("80");
    assertThat(h.getString("x-request-id")).matches("[0-9a-f]{32}");
  }

  @Test
  void h2PriorKnowledge_isProxied() {
    // direct mode: the same h2c prior-knowledge path the SSL tier uses after TLS with ALPN h2
    int direct = router(vertx, RouterFixture.directOptions(), config(pool("none", false, backend)), null).port();
    var client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
    String body = client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(direct)
            .setURI("/echo"))
        .compose(req -> req.send().compose(resp -> {
          assertThat(resp.version()).isEqualTo(HttpVersion.HTTP_2);
          return resp.body();
        })).await().toString();
    JsonObject h = new JsonObject(body).getJsonObject("headers");
    assertThat(h.getString("x-forwarded-for")).isEqualTo("127.0.0.1");
    assertThat(h.getString("host")).isEqualTo("127.0.0.1:" + direct);
  }

  @Test
  void clientIpLookAlikes_stripped() throws Exception {
    RawResult r = raw(port, 0, 3000, proxyV2("203.0.113.7", 50000, "192.0.2.1", 80, new byte[0]),
        ascii("GET /echo HTTP/1.1\r\nHost: a.example\r\nTrue-Client-IP: 6.6.6.6\r\nCF-Connecting-IP: 6.6.6.6\r\n"
            + "x-client-ip: 6.6.6.6\r\nX-Cluster-Client-IP: 6.6.6.6\r\nFASTLY-CLIENT-IP: 6.6.6.6\r\n"
            + "X-Original-Forwarded-For: 6.6.6.6\r\nClient-IP: 6.6.6.6\r\nX-Keep: 1\r\nConnection: close\r\n\r\n"));
    JsonObject h = echoed(r);
    assertThat(h.fieldNames()).doesNotContain("true-client-ip", "cf-connecting-ip", "x-client-ip",
        "x-cluster-client-ip", "fastly-client-ip", "x-original-forwarded-for", "client-ip");
    assertThat(h.getString("x-keep")).isEqualTo("1");
    assertThat(h.getString("x-forwarded-for")).isEqualTo("203.0.113.7");
    assertThat(h.encode()).doesNotContain("6.6.6.6");
  }

  @Test
  void underscoreHeaders_droppedByDefault_andCounted() throws Exception {
    Counter c = engine.metrics().registry().find("sslfarm.router.headers.dropped").tag("reason", "underscore")
        .counter();
    double before = c == null ? 0 : c.count();
    RawResult r = raw(port, 0, 3000, proxyV2("203.0.113.7", 50000, "192.0.2.1", 80, new byte[0]),
        ascii("GET /echo HTTP/1.1\r\nHost: a.example\r\nX_Forwarded_For: 6.6.6.6\r\nX-Real_IP: 6.6.6.6\r\n"
            + "Connection: close\r\n\r\n"));
    JsonObject h = echoed(r);
    assertThat(h.fieldNames()).noneMatch(n -> n.contains("_"));
    assertThat(h.encode()).doesNotContain("6.6.6.6");
    assertThat(engine.metrics().registry().find("sslfarm.router.headers.dropped").tag("reason", "underscore")
        .counter().count()).isEqualTo(before + 2);
  }

  @Test
  void underscoreHeaders_reject_answers400() throws Exception {
    int p = router(vertx, proxied().setHeadersWithUnderscores("reject"), config(pool("none", false, backend)), null)
        .port();
    RawResult r = raw(p, 0, 3000, proxyV2("203.0.113.7", 50000, "192.0.2.1", 80, new byte[0]),
        ascii("GET /echo HTTP/1.1\r\nHost: a.example\r\nX_Forwarded_For: 6.6.6.6\r\n\r\n"));
    assertThat(r.statusLine()).isEqualTo("HTTP/1.1 400 Bad Request");
    assertThat(r.text()).contains("underscore in request header name").doesNotContain("\"headers\"");
    assertThat(r.closed()).isTrue();
  }

  @Test
  void underscoreHeaders_allow_forwardedExceptForwardingLookAlikes() throws Exception {
    int p = router(vertx, proxied().setHeadersWithUnderscores("allow"), config(pool("none", false, backend)), null)
        .port();
    RawResult r = raw(p, 0, 3000, proxyV2("203.0.113.7", 50000, "192.0.2.1", 80, new byte[0]),
        ascii("GET /echo HTTP/1.1\r\nHost: a.example\r\nX_Forwarded_For: 6.6.6.6\r\nCF_Connecting_IP: 6.6.6.6\r\n"
            + "My_Header: 1\r\nConnection: close\r\n\r\n"));
    JsonObject h = echoed(r);
    assertThat(h.getString("my_header")).isEqualTo("1");
    assertThat(h.encode()).doesNotContain("6.6.6.6");
    assertThat(h.getString("x-forwarded-for")).isEqualTo("203.0.113.7");
  }

  @Test
  void proxyLocalAndUnspec_noXForwardedFor_forwardedForUnknown() throws Exception {
    for (boolean local : new boolean[] {true, false}) {
      RawResult r = raw(port, 0, 3000, proxyV2NoAddress(local),
          ascii("GET /echo HTTP/1.1\r\nHost: a.example\r\nX-Forwarded-For: 6.6.6.6\r\nConnection: close\r\n\r\n"));
      JsonObject h = echoed(r);
      assertThat(h.fieldNames()).as("local=" + local).doesNotContain("x-forwarded-for");
      assertThat(h.getString("forwarded")).as("local=" + local).isEqualTo("for=unknown;proto=http;host=\"a.example\"");
    }
  }
}
