package io.sslfarm.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One test per way a PROXY header can be wrong (each closes, relays nothing and reports its reason), the accepted
 * path byte by byte, direct mode; on an {@link EmbeddedChannel} whose peer address is set, and over real sockets.
 */
@ExtendWith(LeakCheck.class)
@Timeout(30)
class ProxyProtocolGateTest {

  private static final InetSocketAddress EDGE = new InetSocketAddress(ip("10.0.0.5"), 40000);
  private static final InetSocketAddress STRANGER = new InetSocketAddress(ip("192.0.2.66"), 40000);
  private static final InetSocketAddress LOCAL = new InetSocketAddress(ip("10.0.0.9"), 8443);
  private static final CidrSet TRUSTED = CidrSet.parse(List.of("10.0.0.0/24", "127.0.0.0/8"));

  private final Recorder recorder = new Recorder();
  private final Reasons reasons = new Reasons();
  private EventLoopGroup group;

  @AfterEach
  void tearDown() throws Exception {
    if (group != null) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static ProxyProtocolGateOptions options() {
    return new ProxyProtocolGateOptions().setTrustedSources(TRUSTED).setHeaderTimeout(Duration.ofSeconds(5));
  }

  EmbeddedChannel channel(SocketAddress peer, ProxyProtocolGateOptions options) {
    ProxyProtocolGate gate = new ProxyProtocolGate(options, reasons);
    return new EmbeddedChannel(gate, recorder) {
      @Override
      protected SocketAddress remoteAddress0() {
        return peer;
      }

      @Override
      protected SocketAddress localAddress0() {
        return LOCAL;
      }
    };
  }

  static byte[] header(ProxyInfo info) {
    ByteBuf b = ProxyHeaderEncoder.encode(info, ByteBufAllocator.DEFAULT);
    try {
      return ByteBufUtil.getBytes(b);
    } finally {
      b.release();
    }
  }

  static ProxyInfo clientInfo() {
    return ProxyInfo.proxy(new InetSocketAddress(ip("198.51.100.7"), 51000), new InetSocketAddress(ip("203.0.113.1"),
        443)).withAuthority("shop.example").withAlpn("h2").withSsl(ProxyInfo.Ssl.of("TLSv1.3", "TLS_AES_128_GCM_SHA256"));
  }

  private static ByteBuf bytes(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return Unpooled.wrappedBuffer(b);
  }

  private void assertRejected(EmbeddedChannel ch, ProxyGateRejection reason) {
    assertThat(ch.isOpen()).as("closed").isFalse();
    assertThat(reasons.rejected).containsExactly(reason);
    assertThat(reasons.accepted).isEmpty();
    assertThat(recorder.events).as("later handlers saw nothing").isEmpty();
    assertThat(ch.attr(ProxyProtocolGate.PROXY_INFO).get()).isNull();
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  // ---- accepted ----

  @Test
  void validHeaderAndPayloadInOneBuffer_activeThenEventThenPayload() {
    EmbeddedChannel ch = channel(EDGE, options());
    assertThat(recorder.events).as("channelActive held back until the header").isEmpty();
    ch.writeInbound(Unpooled.wrappedBuffer(header(clientInfo()), "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)));
    assertThat(recorder.events).containsExactly("active", "header " + clientInfo(), "read GET / HTTP/1.1\r\n");
    assertThat(ch.attr(ProxyProtocolGate.PROXY_INFO).get()).isEqualTo(clientInfo());
    assertThat(reasons.accepted).containsExactly(clientInfo());
    assertThat(ch.pipeline().get(ProxyProtocolGate.class)).as("gate removed").isNull();
    assertThat(ch.pipeline().get(io.netty.handler.codec.haproxy.HAProxyMessageDecoder.class)).as("decoder removed")
        .isNull();
    assertThat(ch.pipeline().names()).as("only the recorder and the pipeline's tail remain").hasSize(2);
    ch.writeInbound(Unpooled.copiedBuffer("more", StandardCharsets.US_ASCII));
    assertThat(recorder.events).last().isEqualTo("read more");
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void validHeaderByteByByte_isAccepted() {
    EmbeddedChannel ch = channel(EDGE, options());
    for (byte b : header(clientInfo())) {
      assertThat(recorder.events).isEmpty();
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
    ch.writeInbound(Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII));
    assertThat(recorder.events).containsExactly("active", "header " + clientInfo(), "read x");
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void localCommand_isAcceptedWithoutAddresses() {
    EmbeddedChannel ch = channel(EDGE, options());
    ch.writeInbound(Unpooled.wrappedBuffer(header(ProxyInfo.local())));
    assertThat(recorder.events).containsExactly("active", "header " + ProxyInfo.local());
    assertThat(ch.attr(ProxyProtocolGate.PROXY_INFO).get().isLocal()).isTrue();
    ch.finishAndReleaseAll();
  }

  @Test
  void directMode_takesTheConnectionsOwnAddresses() {
    EmbeddedChannel ch = channel(STRANGER, options().setRequired(false));
    ProxyInfo own = ProxyInfo.proxy(STRANGER, LOCAL);
    assertThat(recorder.events).containsExactly("active", "header " + own);
    ch.writeInbound(Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII));
    assertThat(recorder.events).last().isEqualTo("read hello");
    assertThat(ch.attr(ProxyProtocolGate.PROXY_INFO).get()).isEqualTo(own);
    assertThat(reasons.accepted).containsExactly(own);
    ch.finishAndReleaseAll();
  }

  // ---- rejected: one test per malformed input ----

  @Test
  void untrustedSource_closedOnConnect_nothingRead() {
    EmbeddedChannel ch = channel(STRANGER, options());
    assertThat(ch.isOpen()).as("closed on connect, before any byte").isFalse();
    assertRejected(ch, ProxyGateRejection.UNTRUSTED_SOURCE);
    assertThat(ProxyGateRejection.UNTRUSTED_SOURCE.tag()).isEqualTo("untrusted_source");
  }

  @Test
  void tlsClientHelloInsteadOfHeader_isMalformed_atTheFirstByte() {
    EmbeddedChannel ch = channel(EDGE, options());
    ch.writeInbound(bytes(
        0x16,                   // TLS record: handshake
        0x03, 0x01,             // legacy version TLS 1.0
        0x00, 0xF1,             // record length
        0x01));                 // ClientHello
    assertRejected(ch, ProxyGateRejection.MALFORMED_HEADER);
    assertThat(reasons.causes.get(0)).hasMessageContaining("TLS record");
  }

  @Test
  void httpRequestInsteadOfHeader_isMalformed() {
    EmbeddedChannel ch = channel(EDGE, options());
    ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n\r\n", StandardCharsets.US_ASCII));
    assertRejected(ch, ProxyGateRejection.MALFORMED_HEADER);
  }

  @Test
  void proxyV1Header_isMalformed() {
    EmbeddedChannel ch = channel(EDGE, options());
    ch.writeInbound(Unpooled.copiedBuffer("PROXY TCP4 198.51.100.7 203.0.113.1 51000 443\r\n",
        StandardCharsets.US_ASCII));
    assertRejected(ch, ProxyGateRejection.MALFORMED_HEADER);
  }

  @Test
  void signatureThenWrongVersion_isMalformed() {
    EmbeddedChannel ch = channel(EDGE, options());
    ByteBuf b = Unpooled.buffer();
    b.writeBytes(ProxyHeaderEncoder.signature());
    b.writeBytes(bytes(
        0x11,                   // version 1 in the high nibble: not v2
        0x11, 0x00, 0x0C));
    ch.writeInbound(b);
    assertRejected(ch, ProxyGateRejection.MALFORMED_HEADER);
  }

  @Test
  void unknownAddressFamily_isMalformed_asNettysDecoderSays() {
    EmbeddedChannel ch = channel(EDGE, options());
    ByteBuf b = Unpooled.buffer();
    b.writeBytes(ProxyHeaderEncoder.signature());
    b.writeBytes(bytes(
        0x21,                   // v2, PROXY
        0x41,                   // family 4: undefined
        0x00, 0x0C,             // 12 bytes follow
        1, 2, 3, 4, 5, 6, 7, 8, 0, 80, 0, 81));
    ch.writeInbound(b);
    assertRejected(ch, ProxyGateRejection.MALFORMED_HEADER);
    assertThat(reasons.causes.get(0)).isNotNull();
  }

  @Test
  void addressBlockShorterThanTheFamilyNeeds_isMalformed() {
    EmbeddedChannel ch = channel(EDGE, options());
    ByteBuf b = Unpooled.buffer();
    b.writeBytes(ProxyHeaderEncoder.signature());
    b.writeBytes(bytes(
        0x21,                   // v2, PROXY
        0x21,                   // TCP over IPv6: needs 36 bytes
        0x00, 0x0C,             // but only 12 follow
        1, 2, 3, 4, 5, 6, 7, 8, 0, 80, 0, 81));
    ch.writeInbound(b);
    assertRejected(ch, ProxyGateRejection.MALFORMED_HEADER);
  }

  @Test
  void truncatedHeaderThenEof_isMalformed() {
    EmbeddedChannel ch = channel(EDGE, options());
    byte[] h = header(clientInfo());
    ch.writeInbound(Unpooled.wrappedBuffer(h, 0, 20));
    ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE); // the peer's FIN (half-closure on)
    assertRejected(ch, ProxyGateRejection.MALFORMED_HEADER);
  }

  @Test
  void truncatedHeaderThenClose_isMalformed() {
    EmbeddedChannel ch = channel(EDGE, options());
    ch.writeInbound(Unpooled.wrappedBuffer(header(clientInfo()), 0, 10));
    ch.close();
    assertRejected(ch, ProxyGateRejection.MALFORMED_HEADER);
  }

  @Test
  void closedWithoutAByte_isClosedBeforeHeader() {
    EmbeddedChannel ch = channel(EDGE, options());
    ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    assertRejected(ch, ProxyGateRejection.CLOSED_BEFORE_HEADER);
  }

  @Test
  void headerIncompleteWithinTimeout_isHeaderTimeout() {
    EmbeddedChannel ch = channel(EDGE, options().setHeaderTimeout(Duration.ofMillis(500)));
    ch.writeInbound(Unpooled.wrappedBuffer(header(clientInfo()), 0, 14));
    ch.advanceTimeBy(400, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
    assertThat(ch.isOpen()).isTrue();
    ch.advanceTimeBy(100, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
    assertRejected(ch, ProxyGateRejection.HEADER_TIMEOUT);
  }

  @Test
  void declaredLengthAboveMaximum_isHeaderTooLong_afterSixteenBytes() {
    EmbeddedChannel ch = channel(EDGE, options().setMaxHeaderBytes(256));
    ByteBuf b = Unpooled.buffer();
    b.writeBytes(ProxyHeaderEncoder.signature());
    b.writeBytes(bytes(
        0x21,                   // v2, PROXY
        0x11,                   // TCP over IPv4
        0x03, 0xE8));           // 1000 bytes follow: 16 + 1000 > 256
    ch.writeInbound(b);
    assertRejected(ch, ProxyGateRejection.HEADER_TOO_LONG);
  }

  @Test
  void headerWithinMaximum_isAccepted_oneByteMoreIsNot() {
    ProxyInfo info = clientInfo();
    int len = header(info).length;
    EmbeddedChannel ok = channel(EDGE, options().setMaxHeaderBytes(len));
    ok.writeInbound(Unpooled.wrappedBuffer(header(info)));
    assertThat(reasons.accepted).containsExactly(info);
    ok.finishAndReleaseAll();

    Reasons second = new Reasons();
    EmbeddedChannel tooLong = new EmbeddedChannel(new ProxyProtocolGate(options().setMaxHeaderBytes(len - 1), second)) {
      @Override
      protected SocketAddress remoteAddress0() {
        return EDGE;
      }
    };
    tooLong.writeInbound(Unpooled.wrappedBuffer(header(info)));
    assertThat(tooLong.isOpen()).isFalse();
    assertThat(second.rejected).containsExactly(ProxyGateRejection.HEADER_TOO_LONG);
    tooLong.finishAndReleaseAll();
  }

  // ---- over real sockets ----

  /** A server with the gate first; returns its port. */
  private int server(ProxyProtocolGateOptions options, boolean autoRead) throws Exception {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.AUTO_READ, autoRead)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(ProxyProtocolGate.HANDLER_NAME, new ProxyProtocolGate(options, reasons));
            ch.pipeline().addLast(recorder);
          }
        })
        .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  private static Socket client(int port) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(10_000);
    return s;
  }

  private static int readOrReset(InputStream in) {
    try {
      return in.read();
    } catch (IOException e) {
      return -1;
    }
  }

  @Test
  void overSockets_untrustedLoopbackPeer_isClosedWithoutReading() throws Exception {
    int port = server(options().setTrustedSources(CidrSet.parse(List.of("10.0.0.0/8"))), true);
    try (Socket s = client(port)) {
      s.getOutputStream().write(header(clientInfo()));
      assertThat(readOrReset(s.getInputStream())).isEqualTo(-1);
    }
    reasons.awaitRejection();
    assertThat(reasons.rejected).containsExactly(ProxyGateRejection.UNTRUSTED_SOURCE);
    assertThat(recorder.events).isEmpty();
  }

  @Test
  void overSockets_trustedPeer_headerThenPayload_withAutoReadOff() throws Exception {
    int port = server(options(), false);
    try (Socket s = client(port)) {
      s.getOutputStream().write(header(clientInfo()));
      s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
      recorder.awaitRead("read hello");
    }
    assertThat(recorder.events).startsWith("active", "header " + clientInfo());
    assertThat(reasons.accepted).containsExactly(clientInfo());
  }

  @Test
  void overSockets_silentPeer_isClosedAfterTheHeaderTimeout() throws Exception {
    int port = server(options().setHeaderTimeout(Duration.ofMillis(200)), true);
    try (Socket s = client(port)) {
      s.getOutputStream().write(ProxyHeaderEncoder.signature());
      long t0 = System.nanoTime();
      assertThat(readOrReset(s.getInputStream())).isEqualTo(-1);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(100L, 5_000L);
    }
    reasons.awaitRejection();
    assertThat(reasons.rejected).containsExactly(ProxyGateRejection.HEADER_TIMEOUT);
    assertThat(recorder.events).isEmpty();
  }

  // ---- fixtures ----

  /** Records what reaches the handler after the gate, in order; releases what it reads. */
  @io.netty.channel.ChannelHandler.Sharable
  static final class Recorder extends ChannelInboundHandlerAdapter {
    final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      events.add("active");
      if (!ctx.channel().config().isAutoRead()) {
        ctx.read();
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ProxyHeaderReceived r) {
        events.add("header " + r.info());
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf b = (ByteBuf) msg;
      events.add("read " + b.toString(StandardCharsets.US_ASCII));
      b.release();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (!ctx.channel().config().isAutoRead()) {
        ctx.read();
      }
    }

    void awaitRead(String event) {
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> events.contains(event));
    }
  }

  static final class Reasons implements ProxyGateListener {
    final List<ProxyGateRejection> rejected = new CopyOnWriteArrayList<>();
    final List<Throwable> causes = new CopyOnWriteArrayList<>();
    final List<ProxyInfo> accepted = new CopyOnWriteArrayList<>();
    final CompletableFuture<Void> firstRejection = new CompletableFuture<>();

    @Override
    public void onAccepted(Channel channel, ProxyInfo info) {
      accepted.add(info);
    }

    @Override
    public void onRejected(Channel channel, ProxyGateRejection reason, Throwable cause) {
      rejected.add(reason);
      causes.add(cause);
      firstRejection.complete(null);
    }

    void awaitRejection() throws Exception {
      firstRejection.get(5, TimeUnit.SECONDS);
    }
  }
}
