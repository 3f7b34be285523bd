package io.sslfarm.edge.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.sslfarm.net.ProxyHeaderEncoder;
import io.sslfarm.net.ProxyInfo;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * One active health check: a TCP connect, optionally followed by a PROXY v2 LOCAL header (the SSL nodes only take
 * connections that start with a PROXY header; LOCAL = "health check", spec §2.2) and a TLS handshake whose
 * certificate is not verified (it only proves the node's TLS stack answers). Runs on the given event loop.
 */
final class HealthChecker {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(HealthChecker.class);

  private final ChannelFactory<? extends Channel> channelFactory;
  private final Duration timeout;
  private final SslContext sslContext;

  HealthChecker(ChannelFactory<? extends Channel> channelFactory, Duration timeout, boolean tls) {
    this.channelFactory = channelFactory;
    this.timeout = timeout;
    try {
      this.sslContext = tls
          ? SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build()
          : null;
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build the health check TLS context", e);
    }
  }

  /** Completes with true on success, false on failure or timeout; never fails. */
  Promise<Boolean> check(EventLoop loop, InetSocketAddress address) {
    Promise<Boolean> result = loop.newPromise();
    Bootstrap b = new Bootstrap().group(loop).channelFactory(channelFactory)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, timeout.toMillis()))
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
          }

          @Override
          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("health check of {} failed", address, cause);
            result.trySuccess(false);
            ctx.close();
          }
        });
    ChannelFuture cf = b.connect(address);
    var timer = loop.schedule(() -> {
      log.debug("health check of {} timed out after {}", address, timeout);
      result.trySuccess(false);
      cf.channel().close();
    }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    result.addListener(f -> timer.cancel(false));
    cf.addListener((ChannelFuture f) -> {
      if (!f.isSuccess()) {
        log.debug("health check of {} failed: {}", address, f.cause().toString());
        result.trySuccess(false);
        return;
      }
      Channel ch = f.channel();
      if (sslContext == null) {
        result.trySuccess(true);
        ch.close();
        return;
      }
      ch.writeAndFlush(ProxyHeaderEncoder.encode(ProxyInfo.local(), ch.alloc()));
      SslHandler ssl = sslContext.newHandler(ch.alloc(), address.getHostString(), address.getPort());
      ch.pipeline().addFirst(ssl);
      ssl.handshakeFuture().addListener(h -> {
        result.trySuccess(h.isSuccess());
        ch.close();
      });
      ch.closeFuture().addListener(c -> result.trySuccess(false));
    });
    return result;
  }
}
