package io.sslfarm.ssl.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.concurrent.Promise;
import io.sslfarm.cluster.NodeInfo;
import io.sslfarm.net.Relay;
import io.sslfarm.ssl.SslMetrics;
import java.time.Duration;
import java.util.HashSet;
import java.util.NoSuchElementException;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects to a router on the downstream connection's own event loop (no thread hop for relayed bytes), with the
 * shared kit's {@link Relay#upstreamBootstrap} (same channel class, half-close allowed, not reading until the relay
 * starts). A failed connect — before any byte was sent — is retried on another router, up to {@code retries} times.
 */
public final class UpstreamConnector {

  private static final Logger LOG = LoggerFactory.getLogger(UpstreamConnector.class);

  /** An open upstream connection (not reading yet) and the router it goes to. */
  public record Upstream(Channel channel, NodeInfo router) {
  }

  /**
   * Until the relay is attached: an error on the connecting channel (epoll reports a refused connect as a read error
   * too) closes it quietly; the connect future reports the failure and the next router is tried.
   */
  @ChannelHandler.Sharable
  private static final class ConnectErrorHandler extends ChannelInboundHandlerAdapter {
    static final ConnectErrorHandler INSTANCE = new ConnectErrorHandler();

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (ctx.pipeline().get(Relay.HANDLER_NAME) != null) {
        ctx.fireExceptionCaught(cause);
        return;
      }
      LOG.debug("{} upstream error before the relay started: {}", ctx.channel(), cause.toString());
      ctx.close();
    }
  }

  private final UpstreamSelector selector;
  private final int connectTimeoutMillis;
  private final int retries;
  private final SslMetrics metrics;

  public UpstreamConnector(UpstreamSelector selector, Duration connectTimeout, int retries, SslMetrics metrics) {
    this.selector = selector;
    this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
    this.retries = retries;
    this.metrics = metrics;
  }

  public UpstreamSelector selector() {
    return selector;
  }

  /**
   * Completes on {@code downstream}'s event loop with a connected channel on that loop, or fails with the last
   * error.
   */
  public io.netty.util.concurrent.Future<Upstream> connect(Channel downstream) {
    Promise<Upstream> promise = downstream.eventLoop().newPromise();
    attempt(downstream, Set.of(), 0, promise, null);
    return promise;
  }

  private void attempt(Channel downstream, Set<String> tried, int n, Promise<Upstream> promise, Throwable last) {
    NodeInfo router = n > retries ? null : selector.choose(tried).orElse(null);
    if (router == null) {
      promise.tryFailure(last != null ? last : new NoSuchElementException("no router accepts new connections"));
      return;
    }
    Bootstrap b = Relay.upstreamBootstrap(downstream)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(ConnectErrorHandler.INSTANCE);
    b.connect(router.dataHost(), router.dataPort()).addListener((io.netty.channel.ChannelFutureListener) f -> {
      if (f.isSuccess()) {
        selector.opened(router.id());
        f.channel().closeFuture().addListener(c -> selector.closed(router.id()));
        if (!promise.trySuccess(new Upstream(f.channel(), router))) {
          f.channel().close();
        }
      } else {
        selector.connectFailed(router.id());
        metrics.connectFailed(router.id());
        LOG.warn("connect to router {} ({}) failed: {}", router.id(), router.dataAddress(), f.cause().toString());
        Set<String> next = new HashSet<>(tried);   // only after a failure: most connects succeed at once
        next.add(router.id());
        attempt(downstream, next, n + 1, promise, f.cause());
      }
    });
  }
}
