package io.sslfarm.ssl.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ReferenceCounted;
import io.sslfarm.ssl.SslOptions;
import io.sslfarm.ssl.testing.TestCertificates;
import io.sslfarm.ssl.testing.TrustAll;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;

/**
 * The server side of a TLS handshake without sockets: what one handshake costs the engine itself (its CPU time in the
 * server's engine calls: engine creation, unwrap, wrap, delegated tasks, close) — full TLS 1.3, full TLS 1.2 and
 * resumed TLS 1.2 (the in-memory Conscrypt client does not resume TLS 1.3 here; the socket phases of
 * {@code handshakes.sh} measure that with a real client) — for both engines as the tier builds
 * them ({@link TlsContextSelector#build}), ECDSA P-256, X25519. The client (a Conscrypt engine) runs in the same
 * thread, outside the timed calls. Not a test: {@code ssl-proxy/bench/handshakes.sh engine-only} runs it.
 * <pre>
 *   EngineHandshakeCost [conscrypt|openssl ...]   env: N (handshakes per round, 2000), ROUNDS (3)
 * </pre>
 * Prints per engine and phase: handshakes per server CPU-second (best and median round) and the same after
 * subtracting the cost of the CPU clock reads themselves.
 */
public final class EngineHandshakeCost {

  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private final ServerTlsContext server;
  private final SSLContext client;
  private final String clientProtocol;
  private final boolean resume;
  private final ByteBuffer c2s = ByteBuffer.allocateDirect(1 << 17);
  private final ByteBuffer s2c = ByteBuffer.allocateDirect(1 << 17);
  private final ByteBuffer serverApp = ByteBuffer.allocateDirect(1 << 17);
  private final ByteBuffer clientApp = ByteBuffer.allocate(1 << 17);
  private long serverNanos;
  private int clockReads;
  private int resumed;

  private EngineHandshakeCost(ServerTlsContext server, String clientProtocol, boolean resume) throws Exception {
    this.server = server;
    this.clientProtocol = clientProtocol;
    this.resume = resume;
    this.client = SSLContext.getInstance("TLS", org.conscrypt.Conscrypt.newProvider());
    client.init(null, new TrustManager[] {TrustAll.INSTANCE}, null);
  }

  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(System.getenv().getOrDefault("N", "2000"));
    int rounds = Integer.parseInt(System.getenv().getOrDefault("ROUNDS", "3"));
    TlsCertificate cert = TestCertificates.selfSigned("localhost", 1, "localhost");
    double clock = clockCostNanos();
    System.out.printf("# CPU clock read: %.0f ns; N=%d ROUNDS=%d; %s%n", clock, n, rounds,
        System.getProperty("java.vm.version"));
    for (String e : args.length == 0 ? new String[] {"conscrypt", "openssl"} : args) {
      SslOptions options = new SslOptions().setEngine(TlsEngineKind.parse(e)).setAlpn(List.of("http/1.1"))
          .setSessionTickets(Boolean.parseBoolean(System.getenv().getOrDefault("TICKETS", "true")));
      ServerTlsContext ctx = new TlsContextSelector(null, options).build(cert);
      if (ctx.kind() == TlsEngineKind.OPENSSL) {
        ctx.applyTicketKeys(TicketKeySet.generate());
      }
      for (String[] phase : new String[][] {{"full13", "TLSv1.3", "false"}, {"full12", "TLSv1.2", "false"},
          {"res12", "TLSv1.2", "true"}}) {
        EngineHandshakeCost b = new EngineHandshakeCost(ctx, phase[1], Boolean.parseBoolean(phase[2]));
        b.run(n);   // warm-up (JIT)
        double[] perCpuS = new double[rounds];
        double[] corrected = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          b.serverNanos = 0;
          b.clockReads = 0;
          b.resumed = 0;
          b.run(n);
          perCpuS[r] = n / (b.serverNanos / 1e9);
          corrected[r] = n / ((b.serverNanos - b.clockReads * clock) / 1e9);
        }
        java.util.Arrays.sort(perCpuS);
        java.util.Arrays.sort(corrected);
        System.out.printf("%-10s %-6s handshakes=%d resumed=%d per_server_cpu_s best=%.0f median=%.0f"
                + "  clock-corrected best=%.0f median=%.0f  us_per_handshake=%.1f%n", e, phase[0], n, b.resumed,
            perCpuS[rounds - 1], perCpuS[rounds / 2], corrected[rounds - 1], corrected[rounds / 2],
            1e6 / corrected[rounds / 2]);
      }
    }
  }

  private void run(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      handshake();
    }
  }

  private void handshake() throws Exception {
    long t = start();
    SSLEngine s = server.newEngine(ByteBufAllocator.DEFAULT);
    s.beginHandshake();
    stop(t);
    SSLEngine c = resume ? client.createSSLEngine("localhost", 443) : client.createSSLEngine();
    c.setUseClientMode(true);
    c.setEnabledProtocols(new String[] {clientProtocol});
    c.beginHandshake();
    c2s.clear();
    s2c.clear();
    for (int step = 0; step < 50; step++) {
      boolean moved = false;
      // client → server
      c.wrap(EMPTY, c2s);
      tasks(c, false);
      c2s.flip();
      while (c2s.hasRemaining()) {
        t = start();
        serverApp.clear();
        int before = c2s.remaining();
        s.unwrap(c2s, serverApp);
        tasks(s, true);
        stop(t);
        moved = true;
        if (c2s.remaining() == before) {
          break;
        }
      }
      c2s.compact();
      // server → client
      t = start();
      int pos = s2c.position();
      s.wrap(EMPTY, s2c);
      tasks(s, true);
      stop(t);
      moved |= s2c.position() != pos;
      s2c.flip();
      while (s2c.hasRemaining()) {
        int before = s2c.remaining();
        clientApp.clear();
        c.unwrap(s2c, clientApp);
        tasks(c, false);
        if (s2c.remaining() == before) {
          break;
        }
      }
      s2c.compact();
      if (!moved && done(s) && done(c)) {
        break;
      }
    }
    if (!done(s) || !done(c)) {
      throw new SSLException("handshake did not finish: server " + s.getHandshakeStatus() + ", client "
          + c.getHandshakeStatus());
    }
    t = start();
    if (server.isResumed(s, 0)) {
      resumed++;
    }
    s.closeOutbound();
    s2c.clear();
    s.wrap(EMPTY, s2c);
    closeInbound(s);   // frees the native SSL (and Conscrypt's per-engine pipe) now, not at finalization
    if (s instanceof ReferenceCounted rc) {
      rc.release();
    }
    stop(t);
    c.closeOutbound();
    closeInbound(c);
  }

  private static void closeInbound(SSLEngine e) {
    try {
      e.closeInbound();
    } catch (SSLException expected) {
      // no close_notify from the peer: expected here
    }
  }

  private static boolean done(SSLEngine e) {
    HandshakeStatus h = e.getHandshakeStatus();
    return h == HandshakeStatus.NOT_HANDSHAKING || h == HandshakeStatus.FINISHED;
  }

  private static void tasks(SSLEngine e, boolean server) {
    Runnable task;
    while ((task = e.getDelegatedTask()) != null) {
      task.run();
    }
  }

  private long start() {
    clockReads += 2;
    return MX.getCurrentThreadCpuTime();
  }

  private void stop(long t) {
    serverNanos += MX.getCurrentThreadCpuTime() - t;
  }

  private static double clockCostNanos() {
    long t0 = MX.getCurrentThreadCpuTime();
    int k = 200_000;
    for (int i = 0; i < k; i++) {
      MX.getCurrentThreadCpuTime();
    }
    return (MX.getCurrentThreadCpuTime() - t0) / (double) k;
  }
}
