package io.sslfarm.router.internal;

import static io.sslfarm.router.RouterFixture.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.sslfarm.router.RouterFixture;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A response that closes the connection (client sent {@code Connection: close}, or HTTP/1.0) is counted with its own
 * status, not as "client went away" (status 0): the close callback runs inside the response's end.
 */
class RequestCountingTest {

  private Vertx vertx;
  private RouterEngine router;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    HttpServer backend = RouterFixture.backend(vertx, "b0", false);
    router = RouterFixture.router(vertx, RouterFixture.directOptions(),
        RouterFixture.config(RouterFixture.pool("none", false, backend)),
        io.sslfarm.router.affinity.LocalSessionTable::new);
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  @Test
  void connectionCloseAndHttp10_areCountedAs2xx() throws Exception {
    RouterFixture.RawResult close = RouterFixture.raw(router.port(), 0, 3000,
        ascii("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
    RouterFixture.RawResult http10 = RouterFixture.raw(router.port(), 0, 3000, ascii("GET / HTTP/1.0\r\nHost: a\r\n\r\n"));

    assertThat(close.statusLine()).contains(" 200 ");
    assertThat(http10.statusLine()).contains(" 200 ");
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(count("2xx")).isEqualTo(2.0));
    assertThat(count("0xx")).isZero();
  }

  @Test
  void clientClosingRightAfterTheLastBodyByte_isCountedAs2xx_notAsGone() throws Exception {
    int n = 30;
    for (int i = 0; i < n; i++) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", router.port())) {
        s.setSoTimeout(3000);
        s.getOutputStream().write(ascii("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
        readOneResponse(s.getInputStream()); // then close at once, as curl does
      }
    }
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(count("2xx") + count("0xx")).isEqualTo(n));
    assertThat(count("0xx")).as("complete responses counted as client gone").isZero();
  }

  /** Reads a response head and exactly Content-Length body bytes. */
  private static void readOneResponse(java.io.InputStream in) throws java.io.IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      assertThat(b).as("response head").isNotNegative();
      head.append((char) b);
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
    assertThat(m.find()).as("content-length in " + head).isTrue();
    assertThat(in.readNBytes(Integer.parseInt(m.group(1)))).isNotEmpty();
  }

  private double count(String statusClass) {
    return router.metrics().registry().find("sslfarm.router.requests").tag("status", statusClass).counters().stream()
        .mapToDouble(Counter::count).sum();
  }
}
