package io.sslfarm.router.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sslfarm.router.RouterFixture;
import io.sslfarm.router.affinity.LocalSessionTable;
import io.sslfarm.router.internal.RouterEngine;
import io.vertx.core.Vertx;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code router.max-connections}: beyond it a new connection is answered 503 too-many-connections and closed, the
 * connections already held are served as before, and a slot freed by a close is usable again.
 */
class ConnectionCapTest {

  private Vertx vertx;
  private RouterEngine router;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    router = RouterFixture.router(vertx, RouterFixture.directOptions().setMaxConnections(2),
        RouterFixture.config(RouterFixture.pool("none", false, RouterFixture.backend(vertx, "b0", false))),
        LocalSessionTable::new);
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private double rejected() {
    var c = router.metrics().registry().find("sslfarm.router.rejected").tag("reason", "too-many-connections")
        .counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void beyondTheCap_503AndClose_heldConnectionsStillServed_freedSlotReused() throws Exception {
    byte[] get = "GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    try (Socket a = new Socket("127.0.0.1", router.port()); Socket b = new Socket("127.0.0.1", router.port())) {
      assertThat(held(a, get)).isTrue();
      assertThat(held(b, get)).isTrue();
      assertThat(router.activeConnections()).isEqualTo(2);
      RouterFixture.RawResult third = RouterFixture.raw(router.port(), 0, 3000,
          RouterFixture.ascii("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
      assertThat(third.statusLine()).isEqualTo("HTTP/1.1 503 Service Unavailable");
      assertThat(third.text()).contains("too many connections").containsIgnoringCase("connection: close");
      assertThat(third.closed()).isTrue();
      assertThat(rejected()).isEqualTo(1.0);
      // the two held connections are untouched by the refusal
      assertThat(held(a, get)).isTrue();
      assertThat(held(b, get)).isTrue();
    }
    // both closed: slots free again
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(RouterFixture.raw(router.port(), 0, 3000,
        RouterFixture.ascii("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")).statusLine())
        .isEqualTo("HTTP/1.1 200 OK"));
  }

  /** One keep-alive request on {@code s}: true if it was answered 200 by the backend. */
  private static boolean held(Socket s, byte[] request) throws Exception {
    OutputStream out = s.getOutputStream();
    out.write(request);
    out.flush();
    s.setSoTimeout(3000);
    byte[] buf = new byte[4096];
    StringBuilder got = new StringBuilder();
    while (!got.toString().endsWith("b0")) {
      int n = s.getInputStream().read(buf);
      if (n < 0) {
        return false;
      }
      got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
    }
    return got.toString().startsWith("HTTP/1.1 200");
  }
}
