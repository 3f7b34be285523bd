package io.sslfarm.ssl.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.concurrent.Promise;
import io.sslfarm.cluster.NodeInfo;
import io.sslfarm.net.InProcess;
import io.sslfarm.net.Relay;
import io.sslfarm.ssl.SslMetrics;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.HashSet;
import java.util.NoSuchElementException;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects to a router on the downstream connection's own event loop (no thread hop for relayed bytes), with the
 * shared kit's {@link Relay#upstreamBootstrap} (same channel class, half-close allowed, not reading until the relay
 * starts). A failed connect — before any byte was sent — is retried on another router, up to {@code retries} times
 * (on the same one when no other is left).
 *
 * <h2>Never open a socket in the middle of an epoll batch</h2>
 * Each attempt opens its socket in a task of the event loop, not in the caller's stack. The caller is usually a
 * channel's read (the client's first byte), i.e. Netty is still dispatching the events of one {@code epoll_wait}, and
 * Netty 4.2 ({@code EpollIoHandler.processReady}) finds each event's channel by fd number. A socket opened there gets
 * the lowest free fd, which is often that of a connection closed earlier in the same batch (under load a relay's
 * router and client sides close all the time); that connection's event, still in the batch, is then handed to the new,
 * unconnected channel: recv fails with ENOTCONN ({@code NotYetConnectedException}), and the channel was closed before
 * its connect task ran — "connect to router failed: StacklessClosedChannelException" against a healthy router. Tasks run
 * after the batch, when no stale event is left.
 */
public final class UpstreamConnector {

  private static final Logger LOG = LoggerFactory.getLogger(UpstreamConnector.class);

  /** An open upstream connection (not reading yet) and the router it goes to. */
  public record Upstream(Channel channel, NodeInfo router) {
  }

  /**
   * Until the relay is attached: an error on a connected channel closes it quietly (the relay then sees it closed). An
   * error before the connect completed (epoll reports a refused connect as a read error too) is left to the connect
   * future, which reports the real outcome (success, refusal or timeout; the bootstrap closes a failed channel):
   * closing here would only turn it into a ClosedChannelException that hides the cause.
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
      if (!ctx.channel().isActive()) {
        LOG.debug("{} upstream error before the connect completed (left to the connect): {}", ctx.channel(),
            cause.toString());
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

  /** Runs {@link #attempt0} in a task of the downstream's loop: see the class comment (never inside an epoll batch). */
  private void attempt(Channel downstream, Set<String> tried, int n, Promise<Upstream> promise, Throwable last) {
    downstream.eventLoop().execute(() -> {
      try {
        attempt0(downstream, tried, n, promise, last);
      } catch (RuntimeException e) {
        // never leave the client waiting on a promise that nothing completes
        LOG.warn("connect attempt failed: {}", e.toString(), e);
        promise.tryFailure(e);
      }
    });
  }

  private void attempt0(Channel downstream, Set<String> tried, int n, Promise<Upstream> promise, Throwable last) {
    if (promise.isDone()) {
      return;
    }
    if (!downstream.isOpen()) {
      // the client went away: nothing to connect for, and no router's fault
      promise.tryFailure(new ClosedChannelException());
      return;
    }
    NodeInfo router = n > retries ? null : selector.choose(tried)
        // no other router: the same one again (bounded by retries)
        .or(() -> tried.isEmpty() ? java.util.Optional.empty() : selector.choose(Set.of()))
        .orElse(null);
    if (router == null) {
      promise.tryFailure(last != null ? last : new NoSuchElementException("no router accepts new connections"));
      return;
    }
    Bootstrap b = Relay.upstreamBootstrap(downstream)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(ConnectErrorHandler.INSTANCE);
    InetSocketAddress literal = InProcess.literal(router.dataHost(), router.dataPort());
    ChannelFuture connecting = literal != null ? InProcess.route(b, literal).connect(literal)
        : b.connect(router.dataHost(), router.dataPort());
    connecting.addListener((io.netty.channel.ChannelFutureListener) f -> {
      if (f.isSuccess()) {
        selector.opened(router.id());
        f.channel().closeFuture().addListener(c -> selector.closed(router.id()));
        if (!promise.trySuccess(new Upstream(f.channel(), router))) {
          f.channel().close();
        }
      } else if (!downstream.isOpen()) {
        promise.tryFailure(f.cause());   // the client left meanwhile: not counted against the router
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
