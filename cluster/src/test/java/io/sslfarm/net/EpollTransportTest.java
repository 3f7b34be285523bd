package io.sslfarm.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The half-close bug of Netty 4.2's epoll transport that {@link EpollTransport#keepRegistered} works around: a
 * socket whose peer sent FIN, with nothing queued to write, is dropped from the epoll set; a later write that needs
 * {@code EPOLLOUT} then fails. Here: the server half-closes at once and reads nothing for 300 ms, the client writes
 * 8 MiB after it saw the FIN (more than the socket buffers hold, so the client must wait for EPOLLOUT).
 */
@Timeout(30)
class EpollTransportTest {

  private static final long BYTES = 8L << 20;
  private static EventLoopGroup group;

  @BeforeAll
  static void setUp() {
    assumeThat(EpollTransport.usable()).as("native epoll: %s", EpollTransport.unusableCause()).isTrue();
    group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
  }

  @AfterAll
  static void tearDown() {
    if (group != null) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  @Test
  void fixedEpollSocket_writesAfterThePeersFin() throws Exception {
    Outcome o = writeAfterPeerFin(EpollTransport.channelFactory());
    assertThat(o.writeFailure).as("write failure").isNull();
    assertThat(o.received).isEqualTo(BYTES);
  }

  /** If this fails, Netty fixed the bug and {@link EpollTransport#keepRegistered} can go. */
  @Test
  void stockEpollSocket_losesItsOutputAfterThePeersFin_theBugWorkedAround() throws Exception {
    Outcome o = writeAfterPeerFin(EpollSocketChannel::new);
    assertThat(o.writeFailure).as("write failure of a stock EpollSocketChannel").isNotNull();
    assertThat(o.writeFailure).hasStackTraceContaining("epoll_ctl");
    assertThat(o.received).isLessThan(BYTES);
  }

  private record Outcome(Throwable writeFailure, long received) {
  }

  private static Outcome writeAfterPeerFin(ChannelFactory<? extends Channel> clientChannels) throws Exception {
    AtomicLong received = new AtomicLong();
    CompletableFuture<Void> allReceived = new CompletableFuture<>();
    Channel server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childOption(ChannelOption.AUTO_READ, false)
        .childHandler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
              @Override
              public void channelActive(ChannelHandlerContext ctx) {
                ((DuplexChannel) ctx.channel()).shutdownOutput(); // FIN at once
                ctx.executor().schedule(() -> ctx.channel().config().setAutoRead(true), 300, TimeUnit.MILLISECONDS);
              }

              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (received.addAndGet(((ByteBuf) msg).readableBytes()) == BYTES) {
                  allReceived.complete(null);
                }
                ReferenceCountUtil.release(msg);
              }

              @Override
              public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof ChannelInputShutdownEvent) {
                  allReceived.complete(null); // the client closed early: compare counts
                }
              }

              @Override
              public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                allReceived.complete(null);
                ctx.close();
              }
            });
          }
        }).bind("127.0.0.1", 0).sync().channel();
    CompletableFuture<Throwable> written = new CompletableFuture<>();
    Channel client = new Bootstrap().group(group).channelFactory(clientChannels)
        .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .handler(new ChannelInboundHandlerAdapter() {
          @Override
          public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
              // as a relay does: stop reading the finished side, write on a little later
              ctx.channel().config().setAutoRead(false);
              ctx.executor().schedule(() -> writeAll(ctx.channel(), written), 50, TimeUnit.MILLISECONDS);
            }
          }

          @Override
          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            written.complete(cause);
          }
        }).connect(server.localAddress()).sync().channel();
    try {
      Throwable failure = written.get(20, TimeUnit.SECONDS);
      if (failure == null) {
        allReceived.get(20, TimeUnit.SECONDS);
      } else {
        allReceived.completeOnTimeout(null, 1, TimeUnit.SECONDS).get();
      }
      return new Outcome(failure, received.get());
    } finally {
      client.close().sync();
      server.close().sync();
    }
  }

  private static void writeAll(Channel ch, CompletableFuture<Throwable> written) {
    byte[] chunk = new byte[64 * 1024];
    for (long sent = 0; sent < BYTES; sent += chunk.length) {
      ch.write(Unpooled.wrappedBuffer(chunk));
    }
    ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> written.complete(f.cause()));
  }
}
