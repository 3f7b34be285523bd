package io.sslfarm.ssl.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;
import io.sslfarm.cluster.NodeInfo;
import io.sslfarm.ssl.SslMetrics;
import java.time.Duration;
import java.util.HashSet;
import java.util.NoSuchElementException;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects to a router on the downstream connection's own event loop (no thread hop for relayed bytes). A failed
 * connect — before any byte was sent — is retried on another router, up to {@code retries} times.
 */
public final class UpstreamConnector {

  private static final Logger LOG = LoggerFactory.getLogger(UpstreamConnector.class);

  /** An open upstream connection (not reading yet) and the router it goes to. */
  public record Upstream(Channel channel, NodeInfo router) {
  }

  private final UpstreamSelector selector;
  private final ChannelFactory<? extends Channel> channelFactory;
  private final int connectTimeoutMillis;
  private final int retries;
  private final SslMetrics metrics;

  public UpstreamConnector(UpstreamSelector selector, ChannelFactory<? extends Channel> channelFactory,
                           Duration connectTimeout, int retries, SslMetrics metrics) {
    this.selector = selector;
    this.channelFactory = channelFactory;
    this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
    this.retries = retries;
    this.metrics = metrics;
  }

  public UpstreamSelector selector() {
    return selector;
  }

  /** Completes on {@code loop} with a connected channel, or fails with the last error. */
  public io.netty.util.concurrent.Future<Upstream> connect(EventLoop loop) {
    Promise<Upstream> promise = loop.newPromise();
    attempt(loop, new HashSet<>(), 0, promise, null);
    return promise;
  }

  private void attempt(EventLoop loop, Set<String> tried, int n, Promise<Upstream> promise, Throwable last) {
    NodeInfo router = n > retries ? null : selector.choose(tried).orElse(null);
    if (router == null) {
      promise.tryFailure(last != null ? last : new NoSuchElementException("no router accepts new connections"));
      return;
    }
    tried.add(router.id());
    Bootstrap b = new Bootstrap().group(loop).channelFactory(channelFactory)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInboundHandlerAdapter());
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
        attempt(loop, tried, n + 1, promise, f.cause());
      }
    });
  }
}
