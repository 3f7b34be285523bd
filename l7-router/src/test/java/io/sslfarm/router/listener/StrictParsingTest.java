package io.sslfarm.router.listener;

import static io.sslfarm.router.RouterFixture.ascii;
import static io.sslfarm.router.RouterFixture.backend;
import static io.sslfarm.router.RouterFixture.config;
import static io.sslfarm.router.RouterFixture.pool;
import static io.sslfarm.router.RouterFixture.proxyV2;
import static io.sslfarm.router.RouterFixture.raw;
import static io.sslfarm.router.RouterFixture.router;
import static org.assertj.core.api.Assertions.assertThat;

import io.sslfarm.router.RouterFixture;
import io.sslfarm.router.RouterFixture.RawResult;
import io.sslfarm.router.RouterOptions;
import io.sslfarm.router.internal.RouterEngine;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Smuggling and malformed requests over raw sockets, each behind a real PROXY v2 header: every case is answered as
 * documented in {@link io.sslfarm.router.RouterErrors}, the connection is closed, and the next connection is served.
 */
@Timeout(60)
class StrictParsingTest {

  private static Vertx vertx;
  private static RouterEngine router;
  private static int port;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    HttpServer b = backend(vertx, "b0", false);
    RouterOptions o = RouterFixture.directOptions().setProxyProtocol(true)
        .setTrustedProxies(List.of("127.0.0.0/8")).setMaxBodySize(1000)
        .setHeaderTimeout(Duration.ofMillis(400)).setRequestTimeout(Duration.ofSeconds(5));
    router = router(vertx, o, config(pool("none", false, b)), null);
    port = router.port();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  private static byte[] pp() {
    return proxyV2("203.0.113.7", 50000, "192.0.2.1", 443, new byte[0]);
  }

  private static RawResult send(String request) throws Exception {
    return raw(port, 0, 3000, pp(), ascii(request));
  }

  private static void assertRejected(RawResult r, int status, String reasonTag) throws Exception {
    assertThat(r.statusLine()).startsWith("HTTP/1.1 " + status);
    assertThat(r.text()).containsIgnoringCase("connection: close");
    assertThat(r.closed()).as("connection closed").isTrue();
    // nothing after the error: exactly one response on the wire
    assertThat(r.text().indexOf("HTTP/1.1", 1)).isEqualTo(-1);
    assertThat(router.metrics().registry().find("sslfarm.router.rejected").tag("reason", reasonTag).counter())
        .isNotNull();
    assertNextConnectionServed();
  }

  private static void assertNextConnectionServed() throws Exception {
    RawResult ok = send("GET / HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n");
    assertThat(ok.statusLine()).isEqualTo("HTTP/1.1 200 OK");
    assertThat(ok.text()).endsWith("b0");
  }

  @Test
  void validRequest_isProxied() throws Exception {
    assertNextConnectionServed();
  }

  @Test
  void contentLengthWithTransferEncoding_400AndClose() throws Exception {
    RawResult r = send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");
    assertRejected(r, 400, "content-length-with-transfer-encoding");
  }

  @Test
  void duplicateContentLength_400AndClose() throws Exception {
    assertRejected(send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"),
        400, "bad-content-length");
  }

  @Test
  void conflictingContentLength_400AndClose() throws Exception {
    assertRejected(send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 30\r\n\r\nabc"),
        400, "bad-content-length");
  }

  @Test
  void nonNumericContentLength_400AndClose() throws Exception {
    assertRejected(send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc"), 400, "bad-content-length");
  }

  @Test
  void badChunkSize_400AndClose() throws Exception {
    assertRejected(send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"),
        400, "bad-chunk");
  }

  @Test
  void transferEncodingNotChunked_400AndClose() throws Exception {
    assertRejected(send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
        400, "bad-transfer-encoding");
  }

  @Test
  void hugeHeader_431AndClose() throws Exception {
    assertRejected(send("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "x".repeat(9000) + "\r\n\r\n"), 431,
        "headers-too-large");
  }

  @Test
  void hugeRequestLine_414AndClose() throws Exception {
    assertRejected(send("GET /" + "x".repeat(9000) + " HTTP/1.1\r\nHost: a\r\n\r\n"), 414, "uri-too-long");
  }

  @Test
  void declaredBodyOverLimit_413AndClose() throws Exception {
    assertRejected(send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n"), 413, "body-too-large");
  }

  @Test
  void chunkedBodyOverLimit_413AndClose() throws Exception {
    String chunk = Integer.toHexString(600) + "\r\n" + "y".repeat(600) + "\r\n";
    assertRejected(send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk
        + "0\r\n\r\n"), 413, "body-too-large");
  }

  @Test
  void slowHeaders_408AndClose() throws Exception {
    // a keep-alive connection: one good request, then a head that never completes; the header timer (400 ms) fires
    RawResult r = raw(port, 150, 3000, pp(), ascii("GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        ascii("GET / HTTP/1.1\r\n"), ascii("Host: a\r\n"), ascii("X-A: 1\r\n"));
    assertThat(r.statusLine()).isEqualTo("HTTP/1.1 200 OK");
    int second = r.text().indexOf("HTTP/1.1 408");
    assertThat(second).as("got: %s", r.text()).isPositive();
    assertThat(r.closed()).isTrue();
    assertNextConnectionServed();
  }

  @Test
  void bareCrInHeaderValue_400AndClose() throws Exception {
    assertRejected(send("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\rX-Injected: 1\r\n\r\n"), 400, "bad-request");
  }

  @Test
  void bareLfLineEnding_400AndClose() throws Exception {
    assertRejected(send("GET / HTTP/1.1\nHost: a\nX-A: 1\n\n"), 400, "bad-request");
  }

  @Test
  void obsFoldedHeader_400AndClose() throws Exception {
    // RFC 9112 §5.2: obs-fold (a header line continued on the next line by SP/HTAB) is rejected, as nginx does
    assertRejected(send("GET / HTTP/1.1\r\nHost: a\r\nX-A: a\r\n b\r\n\r\n"), 400, "obs-fold");
  }

  @Test
  void obsFoldedHeader_tabAndSplitAcrossWrites_400AndClose() throws Exception {
    RawResult r = raw(port, 100, 3000, pp(), ascii("GET / HTTP/1.1\r\nHost: a\r\nX-A: a\r\n"),
        ascii("\tb\r\n\r\n"));
    assertRejected(r, 400, "obs-fold");
  }

  @Test
  void obsFoldedHeader_inPipelinedRequestAfterABody_sameRead_400AndClose() throws Exception {
    // the body's own "LF SP" is not a fold; the second head's is, although both came in one read
    assertRejected(send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\na\n bc"
        + "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\r\n b\r\n\r\n"), 400, "obs-fold");
  }

  @Test
  void obsFoldedHeader_inSecondRequestOfAKeepAliveConnection_firstServedSecondRejected() throws Exception {
    double before = rejected("obs-fold");
    RawResult r = raw(port, 300, 3000, pp(), ascii("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\na\n bc"),
        ascii("GET / HTTP/1.1\r\nHost: a\r\nX-A: a\r\n b\r\n\r\n"));
    assertThat(r.statusLine()).isEqualTo("HTTP/1.1 200 OK");
    assertThat(r.text().indexOf("HTTP/1.1 400", 1)).as("got: %s", r.text()).isPositive();
    assertThat(r.closed()).isTrue();
    assertThat(rejected("obs-fold")).isGreaterThan(before);
  }

  @Test
  void lfSpaceInsideABody_isNotAFold_proxied() throws Exception {
    RawResult r = send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 8\r\nConnection: close\r\n\r\na\r\n b\r\n ");
    assertThat(r.statusLine()).isEqualTo("HTTP/1.1 200 OK");
  }

  @Test
  void missingHost_400AndClose() throws Exception {
    assertRejected(send("GET / HTTP/1.1\r\nX-A: 1\r\n\r\n"), 400, "bad-request");
  }

  @Test
  void twoHosts_400AndClose() throws Exception {
    assertRejected(send("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400, "bad-request");
  }

  @Test
  void spaceBeforeColon_400AndClose() throws Exception {
    assertRejected(send("GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\nhello"), 400, "bad-request");
  }

  @Test
  void noProxyHeader_closedWithoutResponse() throws Exception {
    assertClosedSilently("bad-proxy-header", ascii("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  }

  @Test
  void proxyV1Header_closedWithoutResponse_counted() throws Exception {
    assertClosedSilently("bad-proxy-header", ascii("PROXY TCP4 203.0.113.7 192.0.2.1 50000 443\r\n"
        + "GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  }

  @Test
  void untrustedPeer_closedBeforeAnyRequestIsServed() throws Exception {
    RouterEngine strictRouter = router(vertx, RouterFixture.directOptions().setProxyProtocol(true)
        .setTrustedProxies(List.of("10.0.0.0/8")), router.config(), null);
    try {
      RawResult r = raw(strictRouter.port(), 0, 3000, pp(), ascii("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
      assertThat(r.closed()).isTrue();
      assertThat(r.text()).isEmpty();
      assertThat(strictRouter.metrics().registry().find("sslfarm.router.rejected").tag("reason", "untrusted-proxy")
          .counter().count()).isEqualTo(1.0);
    } finally {
      strictRouter.close().await();
    }
    assertNextConnectionServed();
  }

  @Test
  void slowHeadersOnTheFirstRequest_408AndClose() throws Exception {
    // the first request of a connection: its head never completes; the header timer (400 ms) runs from its first byte
    long t0 = System.nanoTime();
    RawResult r = raw(port, 150, 3000, pp(), ascii("GET / HTTP/1.1\r\n"), ascii("Host: a\r\n"), ascii("X-A: 1\r\n"),
        ascii("X-B: 2\r\n"), ascii("X-C: 3\r\n"));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.statusLine()).isEqualTo("HTTP/1.1 408 Request Timeout");
    assertThat(r.text()).containsIgnoringCase("connection: close").endsWith("request header timeout\n");
    assertThat(r.closed()).isTrue();
    assertThat(ms).as("closed by the header timer, not the 3 s read timeout").isLessThan(2500);
    assertThat(rejected("header-timeout")).isPositive();
    assertNextConnectionServed();
  }

  @Test
  void h2cUpgradeWithSmugglingBody_checkedAsHttp11_400AndClose() throws Exception {
    // RFC 7540 §3.2 upgrade request carrying CL + TE: the h1 checks run before any upgrade could happen
    RawResult r = send("POST / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
        + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "0\r\n\r\n");
    assertThat(r.text()).doesNotContain("101 Switching");
    assertRejected(r, 400, "content-length-with-transfer-encoding");
  }

  @Test
  void h2cUpgrade_isIgnored_requestServedAsHttp11() throws Exception {
    RawResult r = raw(port, 0, 1500, pp(), ascii("GET /echo HTTP/1.1\r\nHost: a\r\n"
        + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"));
    assertThat(r.text()).doesNotContain("101 Switching").startsWith("HTTP/1.1 200 OK");
    // the backend sees neither the upgrade nor its settings
    assertThat(r.text().toLowerCase()).contains("\"id\":\"b0\"").doesNotContain("h2c").doesNotContain("http2-settings");
  }

  @Test
  void h2PrefaceWithoutAlpnH2_closed() throws Exception {
    assertClosedSilently("alpn-mismatch", pp(), H2_PREFACE, H2_SETTINGS, h2Get());
  }

  @Test
  void http1WithAlpnH2_closed() throws Exception {
    assertClosedSilently("alpn-mismatch", ppAlpn("h2"), ascii("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  }

  /** Closed without a byte of answer (nothing relayed), counted under {@code reasonTag}, the next connection served. */
  private static void assertClosedSilently(String reasonTag, byte[]... parts) throws Exception {
    double before = rejected(reasonTag);
    RawResult r = raw(port, 0, 3000, parts);
    assertThat(r.closed()).isTrue();
    assertThat(r.text()).isEmpty();
    assertThat(rejected(reasonTag)).isGreaterThan(before);
    assertNextConnectionServed();
  }

  @Test
  void alpnH2_priorKnowledgeRequestIsProxied() throws Exception {
    RawResult r = raw(port, 0, 1500, ppAlpn("h2"), H2_PREFACE, H2_SETTINGS, h2Get());
    // the response DATA frame carries the backend's id
    assertThat(r.text()).contains("b0");
  }

  @Test
  void alpnH2_noRequestAfterThePreface_closedAfterTheHeaderTimeout() throws Exception {
    double before = rejected("header-timeout");
    long t0 = System.nanoTime();
    RawResult r = raw(port, 0, 3000, ppAlpn("h2"), H2_PREFACE, H2_SETTINGS);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.closed()).isTrue();
    assertThat(ms).isLessThan(2500);
    assertThat(rejected("header-timeout")).isGreaterThan(before);
    assertNextConnectionServed();
  }

  private static double rejected(String tag) {
    var c = router.metrics().registry().find("sslfarm.router.rejected").tag("reason", tag).counter();
    return c == null ? 0 : c.count();
  }

  private static byte[] ppAlpn(String alpn) {
    return proxyV2("203.0.113.7", 50000, "192.0.2.1", 443, RouterFixture.tlv(0x01, ascii(alpn))); // PP2_TYPE_ALPN
  }

  /** RFC 9113 §3.4 client preface. */
  private static final byte[] H2_PREFACE = ascii("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  /** An empty SETTINGS frame: length 0, type 0x4, flags 0, stream 0. */
  private static final byte[] H2_SETTINGS = {0, 0, 0, 0x04, 0, 0, 0, 0, 0};

  /** HEADERS on stream 1, END_STREAM | END_HEADERS, HPACK without Huffman: GET http://a/ . */
  private static byte[] h2Get() {
    byte[] block = {
        (byte) 0x82, // :method GET (static index 2)
        (byte) 0x86, // :scheme http (static index 6)
        (byte) 0x84, // :path / (static index 4)
        0x41, 0x01, 'a', // :authority (static name index 1), literal value "a", incremental indexing
    };
    byte[] f = new byte[9 + block.length];
    f[2] = (byte) block.length; // length (24 bits)
    f[3] = 0x01; // type HEADERS
    f[4] = 0x05; // flags END_STREAM | END_HEADERS
    f[8] = 0x01; // stream id 1
    System.arraycopy(block, 0, f, 9, block.length);
    return f;
  }
}
