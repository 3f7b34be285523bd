package io.sslfarm.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The in-process hop as the tiers use it: on epoll loops when this machine has epoll (4.2's {@code LocalChannel}
 * cannot run there), a listener bound with {@link InProcess#bind}, a client made by {@link InProcess#route}.
 */
@ExtendWith(LeakCheck.class)
@Timeout(60)
class InProcessChannelTest {

  private EventLoopGroup group;
  private final List<InProcess.Binding> bindings = new ArrayList<>();
  private InetSocketAddress address;

  @BeforeEach
  void setUp() throws Exception {
    group = new MultiThreadIoEventLoopGroup(2,
        Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    // the registry is process-wide: a port of this test's own (nothing listens on it)
    address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 20000 + ThreadLocalRandom.current().nextInt(40000));
  }

  @AfterEach
  void tearDown() {
    bindings.forEach(InProcess.Binding::close);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Binds {@code address}; each accepted channel gets {@code handler}, registered on the connector's loop or not. */
  private void listen(ChannelHandler handler, boolean sameLoop) {
    bindings.add(InProcess.bind(address, (child, loop) -> {
      child.pipeline().addLast(handler);
      EventLoop target = sameLoop ? loop : otherLoop(loop);
      target.register(child);
    }));
  }

  private EventLoop otherLoop(EventLoop loop) {
    for (int i = 0; i < 4; i++) {
      EventLoop l = group.next();
      if (l != loop) {
        return l;
      }
    }
    throw new IllegalStateException("one loop only");
  }

  private Channel connect(ChannelHandler handler, boolean autoRead) {
    Bootstrap b = new Bootstrap().group(group.next()).channel(io.netty.channel.socket.nio.NioSocketChannel.class)
        .option(ChannelOption.AUTO_READ, autoRead).option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000).handler(handler);
    Channel ch = InProcess.route(b, address).connect(address).syncUninterruptibly().channel();
    assertThat(ch).isInstanceOf(InProcessChannel.class);
    return ch;
  }

  /** Echoes every buffer back. */
  @ChannelHandler.Sharable
  private static final class Echo extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ctx.write(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush();
    }
  }

  /** Digests what it reads, counts bytes, completes {@code closed} when the channel goes inactive. */
  private static final class Sink extends ChannelInboundHandlerAdapter {
    final MessageDigest digest = sha256();
    final AtomicLong bytes = new AtomicLong();
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    final CompletableFuture<Void> inputShutdown = new CompletableFuture<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf b = (ByteBuf) msg;
      synchronized (digest) {
        digest.update(b.nioBuffer());
      }
      bytes.addAndGet(b.readableBytes());
      b.release();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        inputShutdown.complete(null);
      }
      ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      closed.complete(null);
    }

    byte[] sum() {
      synchronized (digest) {
        return digest.digest();
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes {@code total} random bytes in chunks of up to 16 KiB; returns their digest. */
  private static byte[] writeRandom(Channel ch, int total, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    MessageDigest d = sha256();
    int left = total;
    while (left > 0) {
      int n = Math.min(left, 1 + r.nextInt(16 * 1024));
      byte[] chunk = new byte[n];
      for (int i = 0; i < n; i++) {
        chunk[i] = (byte) r.nextInt(256);
      }
      d.update(chunk);
      ch.write(Unpooled.wrappedBuffer(chunk));
      left -= n;
    }
    ch.flush();
    return d.digest();
  }

  @Test
  void echoesEveryByteInOrder_onTheSameLoopAndAcross() {
    for (boolean sameLoop : new boolean[] {true, false}) {
      bindings.forEach(InProcess.Binding::close);
      bindings.clear();
      listen(new Echo(), sameLoop);
      Sink sink = new Sink();
      Channel ch = connect(sink, true);
      byte[] sent = writeRandom(ch, 2 * 1024 * 1024, sameLoop ? 1 : 2);
      await().atMost(Duration.ofSeconds(20)).until(() -> sink.bytes.get() == 2 * 1024 * 1024);
      assertThat(sink.sum()).as("same loop: %s", sameLoop).isEqualTo(sent);
      assertThat(ch.remoteAddress()).isInstanceOf(InProcessAddress.class);
      ch.close().syncUninterruptibly();
    }
  }

  @Test
  void aReceiverThatStopsReadingHoldsOneReceiveBuffer_andTheWriterBecomesUnwritable() throws Exception {
    AtomicReference<Channel> accepted = new AtomicReference<>();
    Sink serverSink = new Sink();
    bindings.add(InProcess.bind(address, (child, loop) -> {
      child.config().setAutoRead(false);
      child.pipeline().addLast(serverSink);
      accepted.set(child);
      otherLoop(loop).register(child);
    }));
    Channel ch = connect(new ChannelInboundHandlerAdapter(), true);
    ch.config().setWriteBufferHighWaterMark(64 * 1024);
    byte[] sent = ch.eventLoop().submit(() -> writeRandom(ch, 4 * 1024 * 1024, 3)).get();
    await().atMost(Duration.ofSeconds(10)).until(() -> !ch.isWritable());
    // nothing may move while the receiver does not read: let both loops run every task queued so far (deliveries
    // and writer wake-ups included), twice, instead of sleeping
    for (int i = 0; i < 2; i++) {
      accepted.get().eventLoop().submit(() -> { }).get(5, TimeUnit.SECONDS);
      ch.eventLoop().submit(() -> { }).get(5, TimeUnit.SECONDS);
    }
    assertThat(serverSink.bytes.get()).isZero();
    assertThat(((InProcessChannel) accepted.get()).queuedBytesForTest()).isBetween(1L,
        (long) InProcessChannel.RECEIVE_BUFFER + 16 * 1024);
    accepted.get().config().setAutoRead(true);
    await().atMost(Duration.ofSeconds(20)).until(() -> serverSink.bytes.get() == 4 * 1024 * 1024);
    assertThat(serverSink.sum()).isEqualTo(sent);
    await().atMost(Duration.ofSeconds(5)).until(ch::isWritable);
    ch.close().syncUninterruptibly();
    serverSink.closed.get(5, TimeUnit.SECONDS);
  }

  /** As the relay closes (like a socket, close() itself drops what is still in the outbound buffer). */
  @Test
  void closeAfterTheLastWriteDeliversEverything() throws Exception {
    Sink serverSink = new Sink();
    listen(serverSink, true);
    Channel ch = connect(new ChannelInboundHandlerAdapter(), true);
    byte[] sent = ch.eventLoop().submit(() -> {
      byte[] d = writeRandom(ch, 300 * 1024, 4);
      ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
      return d;
    }).get();
    serverSink.closed.get(10, TimeUnit.SECONDS);
    assertThat(serverSink.bytes.get()).isEqualTo(300 * 1024);
    assertThat(serverSink.sum()).isEqualTo(sent);
  }

  @Test
  void halfCloseReachesAPeerThatAllowsIt_afterTheData_andTheOtherDirectionStillWorks() throws Exception {
    Sink serverSink = new Sink();
    AtomicReference<Channel> accepted = new AtomicReference<>();
    bindings.add(InProcess.bind(address, (child, loop) -> {
      child.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
      child.pipeline().addLast(serverSink);
      accepted.set(child);
      loop.register(child);
    }));
    Sink clientSink = new Sink();
    InProcessChannel ch = (InProcessChannel) connect(clientSink, true);
    ch.eventLoop().submit(() -> writeRandom(ch, 1000, 5)).get();
    ch.shutdownOutput().syncUninterruptibly();
    serverSink.inputShutdown.get(5, TimeUnit.SECONDS);
    assertThat(serverSink.bytes.get()).isEqualTo(1000);
    assertThat(serverSink.closed).isNotDone();
    accepted.get().writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})).syncUninterruptibly();
    await().atMost(Duration.ofSeconds(5)).until(() -> clientSink.bytes.get() == 3);
    accepted.get().close().syncUninterruptibly();
    clientSink.closed.get(5, TimeUnit.SECONDS);
  }

  @Test
  void halfCloseClosesAPeerThatDoesNotAllowIt() throws Exception {
    Sink serverSink = new Sink();
    listen(serverSink, false);
    InProcessChannel ch = (InProcessChannel) connect(new ChannelInboundHandlerAdapter(), true);
    ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[10])).syncUninterruptibly();
    ch.shutdownOutput().syncUninterruptibly();
    serverSink.closed.get(5, TimeUnit.SECONDS);
    assertThat(serverSink.bytes.get()).isEqualTo(10);
    await().atMost(Duration.ofSeconds(5)).until(() -> !ch.isOpen());
  }

  @Test
  void noListenerOrUnboundOrDisabled_meansTcp_andAConnectToAGoneListenerFails() {
    Bootstrap tcp = new Bootstrap().group(group).channel(io.netty.channel.socket.nio.NioSocketChannel.class)
        .handler(new ChannelInboundHandlerAdapter());
    assertThat(InProcess.reaches(address)).isFalse();
    listen(new Echo(), true);
    assertThat(InProcess.reaches(address)).isTrue();
    assertThat(InProcess.reaches(new InetSocketAddress(address.getAddress(), address.getPort() + 1))).isFalse();
    InProcess.setEnabled(false);
    try {
      assertThat(InProcess.reaches(address)).isFalse();
    } finally {
      InProcess.setEnabled(true);
    }
    // a channel made for a listener that unbinds before the connect: refused like a closed port
    Bootstrap b = InProcess.route(tcp.clone(), address);
    bindings.forEach(InProcess.Binding::close);
    assertThatThrownBy(() -> b.connect(address).syncUninterruptibly()).isInstanceOf(ConnectException.class);
  }

  @Test
  void aWildcardListenerServesThisMachinesAddresses() throws Exception {
    InetSocketAddress any = new InetSocketAddress(address.getPort());
    bindings.add(InProcess.bind(any, (child, loop) -> {
      child.pipeline().addLast(new Echo());
      loop.register(child);
    }));
    assertThat(InProcess.reaches(new InetSocketAddress(InetAddress.getLoopbackAddress(), address.getPort()))).isTrue();
    assertThat(InProcess.reaches(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), address.getPort())))
        .as("TEST-NET-1 is nobody's address here").isFalse();
  }

  @Test
  void aListenerThatRefusesFailsTheConnect_andAClientStillConnectingSeesTheClose() {
    AtomicBoolean refused = new AtomicBoolean();
    bindings.add(InProcess.bind(address, (child, loop) -> {
      refused.set(true);
      throw new IllegalStateException("full");
    }));
    Bootstrap b = new Bootstrap().group(group).channel(io.netty.channel.socket.nio.NioSocketChannel.class)
        .handler(new ChannelInboundHandlerAdapter());
    assertThatThrownBy(() -> InProcess.route(b, address).connect(address).syncUninterruptibly())
        .isInstanceOf(ConnectException.class).hasMessageContaining("refused");
    assertThat(refused).isTrue();
    bindings.forEach(InProcess.Binding::close);
    bindings.clear();
    bindings.add(InProcess.bind(address, (child, loop) -> loop.execute(() -> child.unsafe().closeForcibly())));
    assertThatThrownBy(() -> InProcess.route(b.clone().handler(new ChannelInboundHandlerAdapter()), address)
        .connect(address).syncUninterruptibly())
        .isInstanceOf(ConnectException.class);
  }

  /**
   * An SSL node reached in-process still connects to a router on another host over TCP: the accepted end's upstream
   * bootstrap makes the listener's TCP socket class, not another in-process channel (which could only reach this
   * process).
   */
  @Test
  void anAcceptedEndConnectsUpstreamWithTheListenersTcpSocketClass() throws Exception {
    CompletableFuture<Channel> accepted = new CompletableFuture<>();
    bindings.add(InProcess.bind(address, io.netty.channel.socket.nio.NioSocketChannel.class, (child, loop) -> {
      child.pipeline().addLast(new ChannelInboundHandlerAdapter());
      loop.register(child).addListener(f -> accepted.complete(child));
    }));
    Channel ch = connect(new ChannelInboundHandlerAdapter(), true);
    Channel child = accepted.get(5, TimeUnit.SECONDS);
    Channel upstream = Relay.upstreamBootstrap(child).config().channelFactory().newChannel();
    try {
      assertThat(upstream).isInstanceOf(io.netty.channel.socket.nio.NioSocketChannel.class);
    } finally {
      upstream.unsafe().closeForcibly();
    }
    ch.close().syncUninterruptibly();
  }

  @Test
  void anAcceptedEndWithoutATcpSocketClassCannotRelayUpstream() throws Exception {
    CompletableFuture<Channel> accepted = new CompletableFuture<>();
    bindings.add(InProcess.bind(address, (child, loop) -> {
      child.pipeline().addLast(new ChannelInboundHandlerAdapter());
      loop.register(child).addListener(f -> accepted.complete(child));
    }));
    Channel ch = connect(new ChannelInboundHandlerAdapter(), true);
    Channel child = accepted.get(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> Relay.upstreamBootstrap(child)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("tcpType");
    ch.close().syncUninterruptibly();
  }
}
