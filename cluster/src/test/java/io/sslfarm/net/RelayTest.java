package io.sslfarm.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay over real loopback sockets: a blocking-socket client, the relay in a Netty server, a blocking-socket
 * upstream server.
 */
@ExtendWith(LeakCheck.class)
@Timeout(60)
class RelayTest {

  private static final Logger LOG = LoggerFactory.getLogger(RelayTest.class);
  private static final int HIGH_WATER = 64 * 1024;
  private static final int LOW_WATER = 32 * 1024;

  private EventLoopGroup group;
  private Channel server;
  private ServerSocket upstreamServer;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final LinkedBlockingQueue<Relay> relays = new LinkedBlockingQueue<>();
  private final CompletableFuture<RelayStats> stats = new CompletableFuture<>();
  private final QueueProbe downstreamProbe = new QueueProbe();
  private final QueueProbe upstreamProbe = new QueueProbe();
  private RelayOptions options = new RelayOptions().setIdleTimeout(Duration.ofSeconds(30));
  /** Set by a test that attaches the upstream itself. */
  private boolean connectUpstream = true;

  @BeforeEach
  void setUp() throws Exception {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    upstreamServer = new ServerSocket();
    upstreamServer.setReceiveBufferSize(64 * 1024);
    upstreamServer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  @AfterEach
  void tearDown() throws Exception {
    threads.shutdownNow();
    if (server != null) {
      server.close().sync();
    }
    upstreamServer.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  /** Starts the relay server; each accepted connection is relayed to the upstream server. */
  private int startRelayServer() throws Exception {
    server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(LOW_WATER, HIGH_WATER))
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast("probe", downstreamProbe);
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
              @Override
              public void channelActive(ChannelHandlerContext ctx) {
                Relay relay = Relay.prepare(ctx.channel(), options, new RelayListener() {
                  @Override
                  public void onClosed(RelayStats s) {
                    stats.complete(s);
                  }
                });
                relays.add(relay);
                if (connectUpstream) {
                  connectUpstream(relay, null);
                }
                ctx.fireChannelActive();
              }
            });
          }
        })
        .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  private void connectUpstream(Relay relay, ByteBuf preamble) {
    Relay.upstreamBootstrap(relay.downstream())
        .handler(upstreamProbe)
        .connect(upstreamServer.getLocalSocketAddress())
        .addListener((ChannelFuture f) -> {
          if (f.isSuccess()) {
            relay.start(f.channel(), preamble);
          } else {
            if (preamble != null) {
              preamble.release();
            }
            relay.close();
          }
        });
  }

  private Socket connectClient(int port) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(20_000);
    return s;
  }

  @Test
  void transfers100MbEachWay_checksumsMatch_queuesStayBounded() throws Exception {
    long size = 100L * 1024 * 1024;
    int port = startRelayServer();
    Future<String[]> upstream = threads.submit(() -> {
      try (Socket s = upstreamServer.accept()) {
        s.setSoTimeout(20_000);
        Future<String> received = threads.submit(() -> sha256Until(s.getInputStream(), size));
        String sent = sendPattern(s.getOutputStream(), 2, size);
        s.shutdownOutput();
        return new String[] {sent, received.get(30, TimeUnit.SECONDS)};
      }
    });
    long t0 = System.nanoTime();
    String clientSent;
    String clientReceived;
    try (Socket c = connectClient(port)) {
      Future<String> received = threads.submit(() -> sha256Until(c.getInputStream(), size));
      clientSent = sendPattern(c.getOutputStream(), 1, size);
      c.shutdownOutput();
      clientReceived = received.get(30, TimeUnit.SECONDS);
    }
    String[] up = upstream.get(30, TimeUnit.SECONDS);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    assertThat(up[1]).as("what the upstream received").isEqualTo(clientSent);
    assertThat(clientReceived).as("what the client received").isEqualTo(up[0]);
    RelayStats s = stats.get(10, TimeUnit.SECONDS);
    assertThat(s.reason()).isEqualTo(Relay.CloseReason.COMPLETED);
    assertThat(s.bytesToUpstream()).isEqualTo(size);
    assertThat(s.bytesToDownstream()).isEqualTo(size);
    LOG.info("relayed 2 x 100 MiB in {} ms; max queued bytes: towards upstream {}, towards downstream {}", ms,
        upstreamProbe.maxQueued.get(), downstreamProbe.maxQueued.get());
    // a read is at most 64 KiB and the source pauses as soon as the queue passes the high water mark
    assertThat(upstreamProbe.maxQueued.get()).isLessThanOrEqualTo(HIGH_WATER + 2 * 64 * 1024);
    assertThat(downstreamProbe.maxQueued.get()).isLessThanOrEqualTo(HIGH_WATER + 2 * 64 * 1024);
  }

  @Test
  void slowUpstreamReader_pausesTheClient_queueStaysNearHighWaterMark() throws Exception {
    long size = 16L * 1024 * 1024;
    int port = startRelayServer();
    CompletableFuture<Void> startReading = new CompletableFuture<>();
    Future<String> upstream = threads.submit(() -> {
      try (Socket s = upstreamServer.accept()) {
        s.setSoTimeout(20_000);
        startReading.get(20, TimeUnit.SECONDS);
        String h = sha256Until(s.getInputStream(), size);
        return h;
      }
    });
    try (Socket c = connectClient(port)) {
      c.setSendBufferSize(64 * 1024);
      Future<String> sent = threads.submit(() -> sendPattern(c.getOutputStream(), 3, size));
      Relay relay = relays.poll(10, TimeUnit.SECONDS);
      // the kernel buffers fill, the upstream channel turns unwritable, the relay stops reading the client
      await().atMost(Duration.ofSeconds(10)).until(() -> relay.isStarted() && !relay.upstream().isWritable()
          && !relay.downstream().config().isAutoRead());
      long stalledAt = relay.bytesToUpstream();
      assertThat(sent.isDone()).as("the client is blocked, not buffered in the relay").isFalse();
      assertThat(upstreamProbe.maxQueued.get()).isLessThanOrEqualTo(HIGH_WATER + 2 * 64 * 1024);
      startReading.complete(null);
      String sentHash = sent.get(20, TimeUnit.SECONDS);
      c.shutdownOutput();
      assertThat(upstream.get(20, TimeUnit.SECONDS)).isEqualTo(sentHash);
      LOG.info("slow reader: relay stalled after {} bytes; max queued {}", stalledAt, upstreamProbe.maxQueued.get());
    }
    assertThat(stats.get(10, TimeUnit.SECONDS).bytesToUpstream()).isEqualTo(size);
  }

  @Test
  void halfClose_clientFinishesFirst_replyStillArrives() throws Exception {
    int port = startRelayServer();
    Future<String> upstream = threads.submit(() -> {
      try (Socket s = upstreamServer.accept()) {
        s.setSoTimeout(20_000);
        String request = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII); // until EOF
        s.getOutputStream().write(("reply to " + request).getBytes(StandardCharsets.US_ASCII));
        s.shutdownOutput();
        return request;
      }
    });
    try (Socket c = connectClient(port)) {
      c.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
      c.shutdownOutput();
      assertThat(new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
          .isEqualTo("reply to ping");
    }
    assertThat(upstream.get(10, TimeUnit.SECONDS)).isEqualTo("ping");
    RelayStats s = stats.get(10, TimeUnit.SECONDS);
    assertThat(s.reason()).isEqualTo(Relay.CloseReason.COMPLETED);
    assertThat(s.bytesToUpstream()).isEqualTo(4);
    assertThat(s.bytesToDownstream()).isEqualTo(13);
  }

  @Test
  void halfClose_upstreamFinishesFirst_clientCanStillSend() throws Exception {
    int port = startRelayServer();
    Future<String> upstream = threads.submit(() -> {
      try (Socket s = upstreamServer.accept()) {
        s.setSoTimeout(20_000);
        s.getOutputStream().write("220 hello\n".getBytes(StandardCharsets.US_ASCII));
        s.shutdownOutput();
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      }
    });
    try (Socket c = connectClient(port)) {
      assertThat(new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("220 hello\n");
      // the client's read side is at EOF, its write side still open
      c.getOutputStream().write("late words".getBytes(StandardCharsets.US_ASCII));
      c.shutdownOutput();
      assertThat(upstream.get(10, TimeUnit.SECONDS)).isEqualTo("late words");
    }
    assertThat(stats.get(10, TimeUnit.SECONDS).reason()).isEqualTo(Relay.CloseReason.COMPLETED);
  }

  @Test
  void idleTimeout_closesBothSides() throws Exception {
    options = new RelayOptions().setIdleTimeout(Duration.ofMillis(300));
    int port = startRelayServer();
    Future<Integer> upstream = threads.submit(() -> {
      try (Socket s = upstreamServer.accept()) {
        s.setSoTimeout(20_000);
        InputStream in = s.getInputStream();
        assertThat(in.read()).isEqualTo('x');
        return in.read(); // blocks until the relay closes: -1
      }
    });
    try (Socket c = connectClient(port)) {
      c.getOutputStream().write('x');
      long t0 = System.nanoTime();
      assertThat(c.getInputStream().read()).isEqualTo(-1);
      long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(waited).isBetween(200L, 5_000L);
    }
    assertThat(upstream.get(10, TimeUnit.SECONDS)).isEqualTo(-1);
    RelayStats s = stats.get(10, TimeUnit.SECONDS);
    assertThat(s.reason()).isEqualTo(Relay.CloseReason.IDLE);
    assertThat(s.reason().tag()).isEqualTo("idle");
    assertThat(s.bytesToUpstream()).isEqualTo(1);
  }

  @Test
  void upstreamReset_closesTheClient_withAnError() throws Exception {
    int port = startRelayServer();
    threads.submit(() -> {
      Socket s = upstreamServer.accept();
      s.getInputStream().read();
      s.setSoLinger(true, 0); // RST on close
      s.close();
      return null;
    });
    try (Socket c = connectClient(port)) {
      c.getOutputStream().write('x');
      int r;
      try {
        r = c.getInputStream().read();
      } catch (IOException e) {
        r = -1;
      }
      assertThat(r).isEqualTo(-1);
    }
    RelayStats s = stats.get(10, TimeUnit.SECONDS);
    assertThat(s.reason()).isEqualTo(Relay.CloseReason.UPSTREAM_ERROR);
    assertThat(s.cause()).isInstanceOf(IOException.class);
  }

  @Test
  void clientClosesWithoutHalfClose_upstreamGetsTheDataThenEof() throws Exception {
    int port = startRelayServer();
    Future<String> upstream = threads.submit(() -> {
      try (Socket s = upstreamServer.accept()) {
        s.setSoTimeout(20_000);
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      }
    });
    try (Socket c = connectClient(port)) {
      c.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
    } // full close: FIN, then the client would RST any reply
    assertThat(upstream.get(10, TimeUnit.SECONDS)).isEqualTo("bye");
    assertThat(stats.get(10, TimeUnit.SECONDS).bytesToUpstream()).isEqualTo(3);
  }

  @Test
  void writeThenRelay_preambleFirst_thenBytesBufferedBeforeTheUpstreamConnected() throws Exception {
    connectUpstream = false;
    int port = startRelayServer();
    Future<String> upstream = threads.submit(() -> {
      try (Socket s = upstreamServer.accept()) {
        s.setSoTimeout(20_000);
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      }
    });
    try (Socket c = connectClient(port)) {
      c.getOutputStream().write("early ".getBytes(StandardCharsets.US_ASCII));
      Relay relay = relays.poll(10, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(5)).until(() -> relay.bytesToUpstream() == 6);
      assertThat(relay.isStarted()).isFalse();
      connectUpstream(relay, Unpooled.copiedBuffer("HEADER|", StandardCharsets.US_ASCII));
      await().atMost(Duration.ofSeconds(5)).until(relay::isStarted);
      c.getOutputStream().write("late".getBytes(StandardCharsets.US_ASCII));
      c.shutdownOutput();
      assertThat(upstream.get(10, TimeUnit.SECONDS)).isEqualTo("HEADER|early late");
    }
  }

  @Test
  void bufferBeforeUpstream_isBounded_clientIsPausedNotDropped() throws Exception {
    connectUpstream = false;
    options = new RelayOptions().setMaxPendingBytes(16 * 1024);
    int port = startRelayServer();
    long size = 4L * 1024 * 1024;
    Future<String> upstream = threads.submit(() -> {
      try (Socket s = upstreamServer.accept()) {
        s.setSoTimeout(20_000);
        return sha256Until(s.getInputStream(), size);
      }
    });
    try (Socket c = connectClient(port)) {
      Future<String> sent = threads.submit(() -> sendPattern(c.getOutputStream(), 4, size));
      Relay relay = relays.poll(10, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(5)).until(() -> !relay.downstream().config().isAutoRead());
      long buffered = relay.bytesToUpstream();
      assertThat(buffered).isBetween(16L * 1024, 16L * 1024 + 64 * 1024);
      connectUpstream(relay, null);
      String sentHash = sent.get(20, TimeUnit.SECONDS);
      c.shutdownOutput();
      assertThat(upstream.get(20, TimeUnit.SECONDS)).isEqualTo(sentHash);
    }
  }

  @Test
  void clientResetsBeforeTheUpstreamConnects_upstreamIsClosedOnStart() throws Exception {
    connectUpstream = false;
    int port = startRelayServer();
    Relay relay;
    try (Socket c = connectClient(port)) {
      c.getOutputStream().write("x".getBytes(StandardCharsets.US_ASCII));
      relay = relays.poll(10, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(5)).until(() -> relay.bytesToUpstream() == 1);
      c.setSoLinger(true, 0); // RST
    }
    RelayStats s = stats.get(10, TimeUnit.SECONDS);
    assertThat(s.reason()).isEqualTo(Relay.CloseReason.DOWNSTREAM_ERROR);
    assertThat(relay.isClosed()).isTrue();
    Future<Integer> upstream = threads.submit(() -> {
      try (Socket s2 = upstreamServer.accept()) {
        s2.setSoTimeout(20_000);
        return s2.getInputStream().read();
      }
    });
    connectUpstream(relay, Unpooled.copiedBuffer("HDR", StandardCharsets.US_ASCII)); // released, never sent
    assertThat(upstream.get(10, TimeUnit.SECONDS)).isEqualTo(-1);
  }

  @Test
  void clientHalfClosesBeforeTheUpstreamConnects_requestAndEofAreDelivered() throws Exception {
    connectUpstream = false;
    int port = startRelayServer();
    Future<String> upstream = threads.submit(() -> {
      try (Socket s = upstreamServer.accept()) {
        s.setSoTimeout(20_000);
        String req = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        s.getOutputStream().write("resp".getBytes(StandardCharsets.US_ASCII));
        s.shutdownOutput();
        return req;
      }
    });
    try (Socket c = connectClient(port)) {
      c.getOutputStream().write("req".getBytes(StandardCharsets.US_ASCII));
      c.shutdownOutput();
      Relay relay = relays.poll(10, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(5)).until(() -> relay.bytesToUpstream() == 3);
      connectUpstream(relay, null);
      assertThat(new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("resp");
    }
    assertThat(upstream.get(10, TimeUnit.SECONDS)).isEqualTo("req");
    assertThat(stats.get(10, TimeUnit.SECONDS).reason()).isEqualTo(Relay.CloseReason.COMPLETED);
  }

  // ---- helpers ----

  /** Records the largest outbound queue seen right after a write. */
  @io.netty.channel.ChannelHandler.Sharable
  static final class QueueProbe extends ChannelOutboundHandlerAdapter {
    final AtomicLong maxQueued = new AtomicLong();

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
      super.write(ctx, msg, promise);
      ChannelOutboundBuffer ob = ctx.channel().unsafe().outboundBuffer();
      if (ob != null) {
        maxQueued.accumulateAndGet(ob.totalPendingWriteBytes(), Math::max);
      }
    }
  }

  /** Writes {@code size} pseudo-random bytes from {@code seed}; returns their SHA-256. */
  static String sendPattern(OutputStream out, long seed, long size) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    SplittableRandom r = new SplittableRandom(seed);
    byte[] chunk = new byte[64 * 1024];
    long left = size;
    while (left > 0) {
      int n = (int) Math.min(chunk.length, left);
      for (int i = 0; i < n; i += 8) {
        long v = r.nextLong();
        for (int k = 0; k < 8 && i + k < n; k++) {
          chunk[i + k] = (byte) (v >>> (k * 8));
        }
      }
      md.update(chunk, 0, n);
      out.write(chunk, 0, n);
      left -= n;
    }
    out.flush();
    return HexFormat.of().formatHex(md.digest());
  }

  /** Reads to EOF; returns the SHA-256 of what came, asserting it was {@code expected} bytes. */
  static String sha256Until(InputStream in, long expected) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    int n;
    while ((n = in.read(buf)) > 0) {
      md.update(buf, 0, n);
      total += n;
    }
    assertThat(total).isEqualTo(expected);
    return HexFormat.of().formatHex(md.digest());
  }

}
