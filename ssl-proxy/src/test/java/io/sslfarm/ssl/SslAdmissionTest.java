package io.sslfarm.ssl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sslfarm.ssl.SslMetrics.Reject;
import io.sslfarm.ssl.testing.JavaClient;
import io.sslfarm.ssl.testing.TierFixture;
import io.sslfarm.ssl.testing.TrustAll;
import io.sslfarm.ssl.tls.TlsEngineKind;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ssl.max-handshakes} and {@code ssl.max-handshake-rate} with real TLS clients. A "held" handshake is a raw
 * socket that sends a real ClientHello (made by a JDK client engine) and never answers the ServerHello: the server's
 * handshake stays in progress until the socket closes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SslAdmissionTest {

  @RegisterExtension
  static final TierFixture fx = new TierFixture("router-1");

  static SslOptions direct() {
    return new SslOptions().setHost("127.0.0.1").setPort(0).setEngine(TlsEngineKind.CONSCRYPT)
        .setProxyProtocol(false);
  }

  @Test
  void maxHandshakes_refusesAtTheClientHello_andTheSlotsComeBack() throws Exception {
    SslTier t = fx.start(direct().setMaxHandshakes(2));
    int port = t.boundPort();
    byte[] hello = clientHello(port);
    try (JavaClient established = JavaClient.connect(port, "a.example", "TLSv1.3", List.of("http/1.1"), null)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> t.handshakesInProgress() == 0);
      Socket h1 = hold(port, hello);
      Socket h2 = hold(port, hello);
      try {
        // both got a ServerHello and wait for our Finished, which never comes
        assertThat(h1.getInputStream().read()).isEqualTo(0x16);
        assertThat(h2.getInputStream().read()).isEqualTo(0x16);
        assertThat(t.handshakesInProgress()).isEqualTo(2);

        long t0 = System.nanoTime();
        try (Socket third = hold(port, hello)) {
          assertThat(third.getInputStream().read()).isEqualTo(-1);   // closed, no ServerHello
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        assertThatThrownBy(() -> JavaClient.connect(port, "a.example", "TLSv1.3", List.of("h2"), null))
            .isInstanceOf(IOException.class);
        await().atMost(Duration.ofSeconds(2)).until(() -> t.metrics().rejectedCount(Reject.MAX_HANDSHAKES) == 2);
        assertThat(t.metrics().rejectedCount(Reject.MAX_HANDSHAKE_RATE)).isZero();
        // the established connection is unaffected
        assertThat(established.request("GET / HTTP/1.1\r\n\r\n")).contains("router=router-1");
      } finally {
        h1.close();
        h2.close();
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> t.handshakesInProgress() == 0);
      for (int i = 0; i < 3; i++) {   // more than the limit, one after the other: each released its slot
        try (JavaClient c = JavaClient.connect(port, "a.example", "TLSv1.3", List.of("http/1.1"), null)) {
          assertThat(c.request("GET / HTTP/1.1\r\n\r\n")).contains("router=router-1");
        }
      }
      assertThat(established.request("GET / HTTP/1.1\r\n\r\n")).contains("router=router-1");
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> t.handshakesInProgress() == 0);
    assertThat(t.metrics().rejectedCount(Reject.MAX_HANDSHAKES)).isEqualTo(2);
  }

  @Test
  void failedAndTimedOutHandshakes_releaseTheirSlot() throws Exception {
    SslTier t = fx.start(direct().setMaxHandshakes(1).setHandshakeTimeout(Duration.ofMillis(500)));
    int port = t.boundPort();
    byte[] hello = clientHello(port);
    try (Socket held = hold(port, hello)) {   // closed by the handshake timeout
      assertThat(held.getInputStream().read()).isEqualTo(0x16);
      assertThat(SslTierTest.readToEof(held.getInputStream())).isGreaterThanOrEqualTo(0);
    }
    await().atMost(Duration.ofSeconds(3)).until(() -> t.handshakesInProgress() == 0);
    try (Socket bad = hold(port, hello)) {   // ClientHello, then garbage: the handshake fails
      assertThat(bad.getInputStream().read()).isEqualTo(0x16);
      bad.getOutputStream().write(new byte[] {0x17, 0x03, 0x03, 0x00, 0x05, 1, 2, 3, 4, 5});
      SslTierTest.readToEof(bad.getInputStream());
    }
    await().atMost(Duration.ofSeconds(3)).until(() -> t.handshakesInProgress() == 0);
    try (JavaClient c = JavaClient.connect(port, "a.example", "TLSv1.2", List.of("http/1.1"), null)) {
      assertThat(c.request("GET / HTTP/1.1\r\n\r\n")).contains("router=router-1");
    }
    await().atMost(Duration.ofSeconds(3)).until(() -> t.handshakesInProgress() == 0);
    assertThat(t.metrics().rejectedCount(Reject.MAX_HANDSHAKES)).isZero();
  }

  @Test
  void maxHandshakeRate_refusesBeyondTheBucket_thenAdmitsAgain() throws Exception {
    int n = 3;
    int k = 4;
    SslTier t = fx.start(direct().setMaxHandshakeRate(n));
    int port = t.boundPort();
    byte[] hello = clientHello(port);
    // one established connection first; it takes a token, so wait for the bucket to be full again
    try (JavaClient established = JavaClient.connect(port, "a.example", "TLSv1.3", List.of("http/1.1"), null)) {
      Thread.sleep(1100);   // the bucket refills in one second: here a sleep is the point, not a wait for a state
      List<Socket> flood = new ArrayList<>();
      try {
        for (int i = 0; i < n + k; i++) {
          flood.add(hold(port, hello));
        }
        int admitted = 0;
        for (Socket s : flood) {
          if (s.getInputStream().read() == 0x16) {
            admitted++;
          }
        }
        // n at once, plus a token refilled (one per 1/n s) if sending the flood was slow on a loaded machine
        assertThat(admitted).isBetween(n, n + 2);
        int refused = n + k - admitted;
        await().atMost(Duration.ofSeconds(2))
            .until(() -> t.metrics().rejectedCount(Reject.MAX_HANDSHAKE_RATE) == refused);
        assertThat(t.metrics().rejectedCount(Reject.MAX_HANDSHAKES)).isZero();
        assertThat(established.request("GET / HTTP/1.1\r\n\r\n")).contains("router=router-1");
      } finally {
        for (Socket s : flood) {
          s.close();
        }
      }
      // a second later the bucket has tokens again
      await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
        try (JavaClient c = JavaClient.connect(port, "a.example", "TLSv1.3", List.of("http/1.1"), null)) {
          return c.request("GET / HTTP/1.1\r\n\r\n").contains("router=router-1");
        }
      });
      assertThat(established.request("GET / HTTP/1.1\r\n\r\n")).contains("router=router-1");
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> t.handshakesInProgress() == 0);
  }

  /** A raw connection that sends {@code hello} and reads with a 5 s timeout. */
  static Socket hold(int port, byte[] hello) throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    s.setSoTimeout(5000);
    s.getOutputStream().write(hello);
    s.getOutputStream().flush();
    return s;
  }

  /** The bytes of a TLS 1.3 ClientHello for a.example (JDK client engine). */
  static byte[] clientHello(int port) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {TrustAll.INSTANCE}, null);
    SSLEngine e = ctx.createSSLEngine("127.0.0.1", port);
    e.setUseClientMode(true);
    SSLParameters p = e.getSSLParameters();
    p.setServerNames(List.of(new SNIHostName("a.example")));
    p.setProtocols(new String[] {"TLSv1.3"});
    e.setSSLParameters(p);
    e.beginHandshake();
    ByteBuffer out = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
    e.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    return Arrays.copyOf(out.array(), out.limit());
  }
}
