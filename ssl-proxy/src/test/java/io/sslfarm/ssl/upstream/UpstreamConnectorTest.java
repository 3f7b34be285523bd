package io.sslfarm.ssl.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.sslfarm.cluster.NodeInfo;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.cluster.NodeState;
import io.sslfarm.net.EpollTransport;
import io.sslfarm.ssl.SslMetrics;
import io.sslfarm.ssl.tls.TlsEngineKind;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The router connect under load: an upstream socket opened while the event loop is still dispatching one epoll batch
 * can get the file descriptor of a channel closed earlier in that batch, and then receives that channel's stale
 * events.
 */
class UpstreamConnectorTest {

  private MultiThreadIoEventLoopGroup group;
  private ServerSocket router;
  private Channel front;
  private final List<Socket> clients = new ArrayList<>();
  private final List<EpollSocketChannel> fillers = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    Assumptions.assumeTrue(EpollTransport.usable(), "native epoll not usable here");
    group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    router = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());   // the kernel completes the handshakes
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Socket s : clients) {
      s.close();
    }
    for (EpollSocketChannel c : fillers) {
      c.unsafe().closeForcibly();   // never registered
    }
    if (front != null) {
      front.close().sync();
    }
    if (router != null) {
      router.close();
    }
    if (group != null) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  /**
   * Two client connections become readable in one epoll batch: the first one's read closes the second connection (as
   * a relay does when its router answered and closed) and connects a router for itself, like
   * {@code DownstreamHandler} does at the client's first byte. The new upstream socket gets the closed connection's fd,
   * and the batch then hands that connection's pending EPOLLIN to the upstream channel before its connect was even
   * issued: recv fails with ENOTCONN, and (before the fix) the connector's error handler closed the channel, so the
   * connect failed with a ClosedChannelException and the client was dropped although the router is healthy.
   */
  @Test
  void connectStartedDuringAnEpollBatchIsNotHitByStaleEventsOfAReusedFd() throws Exception {
    EventLoop loop = group.next();
    NodeInfo routerNode = new NodeInfo("router-1", NodeRole.ROUTER, "127.0.0.1:" + router.getLocalPort(),
        "127.0.0.1:1", 10, NodeState.ACTIVE, "t", "m", 0);
    UpstreamSelector selector = new UpstreamSelector(() -> List.of(routerNode), Duration.ofSeconds(5));
    SslMetrics metrics = new SslMetrics(new SimpleMeterRegistry(), TlsEngineKind.CONSCRYPT, () -> 0);
    UpstreamConnector connector = new UpstreamConnector(selector, Duration.ofSeconds(3), 1, metrics);

    Map<Integer, EpollSocketChannel> accepted = new ConcurrentHashMap<>();
    CompletableFuture<UpstreamConnector.Upstream> result = new CompletableFuture<>();
    int[] victimFd = {-1};
    int[] triggerPort = {-1};
    int[] victimPort = {-1};
    front = new ServerBootstrap().group(loop).channel(EpollServerSocketChannel.class)
        .childHandler(new ChannelInitializer<EpollSocketChannel>() {
          @Override
          protected void initChannel(EpollSocketChannel ch) {
            accepted.put(ch.remoteAddress().getPort(), ch);
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
                if (ch.remoteAddress().getPort() != triggerPort[0] || victimFd[0] >= 0) {
                  return;
                }
                EpollSocketChannel victim = accepted.get(victimPort[0]);
                victimFd[0] = victim.fd().intValue();
                victim.close();
                connector.connect(ch).addListener(f -> {
                  if (f.isSuccess()) {
                    result.complete((UpstreamConnector.Upstream) f.getNow());
                  } else {
                    result.completeExceptionally(f.cause());
                  }
                });
              }
            });
          }
        })
        .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    int port = ((InetSocketAddress) front.localAddress()).getPort();
    Socket trigger = new Socket(InetAddress.getLoopbackAddress(), port);
    Socket victim = new Socket(InetAddress.getLoopbackAddress(), port);
    clients.add(trigger);
    clients.add(victim);
    triggerPort[0] = trigger.getLocalPort();
    victimPort[0] = victim.getLocalPort();
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> accepted.size() == 2);
    int victimChannelFd = accepted.get(victimPort[0]).fd().intValue();
    // fill every lower hole in the fd table, so that the next socket after the victim's close gets the victim's fd
    while (true) {
      EpollSocketChannel filler = new EpollSocketChannel();
      fillers.add(filler);
      if (filler.fd().intValue() > victimChannelFd) {
        break;
      }
    }

    // hold the loop until both clients' bytes are in, so that they land in one epoll batch, the trigger's first (a
    // loopback write has reached the peer's receive queue, and the epoll ready list, when write() returns)
    CompletableFuture<Void> held = new CompletableFuture<>();
    CountDownLatch written = new CountDownLatch(1);
    loop.execute(() -> {
      held.complete(null);
      try {
        written.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    held.get(5, TimeUnit.SECONDS);
    try {
      OutputStream t = trigger.getOutputStream();
      t.write('G');
      t.flush();
      OutputStream v = victim.getOutputStream();
      v.write('G');
      v.flush();
    } finally {
      written.countDown();
    }

    UpstreamConnector.Upstream up = result.get(10, TimeUnit.SECONDS);
    assertThat(victimFd[0]).isEqualTo(victimChannelFd);
    assertThat(((EpollSocketChannel) up.channel()).fd().intValue())
        .as("the scenario needs the upstream socket to reuse the closed connection's fd")
        .isEqualTo(victimChannelFd);
    assertThat(up.channel().isActive()).isTrue();
    assertThat(up.router().id()).isEqualTo("router-1");
    assertThat(selector.activeTo("router-1")).isEqualTo(1);
    up.channel().close().sync();
  }
}
