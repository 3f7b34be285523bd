package io.sslfarm.router.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.sslfarm.router.upstream.Upstream;
import java.util.concurrent.TimeUnit;

/**
 * One keep-alive HTTP/1.1 connection from the router to a backend, owned by one event loop ({@link LinkPool}): at most
 * one exchange at a time (no pipelining), idle in its pool between exchanges.
 *
 * <p>One lazily re-armed timer per link (as Netty's IdleStateHandler does) covers both of its clocks: the response
 * timeout while an exchange waits for bytes ({@code router.upstream-response-timeout}, measured from the last byte
 * read or written), and the keep-alive timeout while idle in the pool ({@code router.idle-timeout}).
 *
 * <p>Threading: everything runs on the link's event loop.
 */
final class UpstreamLink extends ChannelInboundHandlerAdapter {

  /** What the link tells the exchange using it. */
  interface Exchange {
    /** A decoded response part (head, content, last content); the exchange owns {@code msg}. */
    void upstreamRead(UpstreamLink link, HttpObject msg);

    /** The link's read batch ended: flush downstream. */
    void upstreamReadComplete(UpstreamLink link);

    /** The link can take more of the request body (or cannot: pause the downstream). */
    void upstreamWritabilityChanged(UpstreamLink link, boolean writable);

    /** The connection closed or failed ({@code cause} null: closed by the peer) before the exchange released it. */
    void upstreamClosed(UpstreamLink link, Throwable cause);

    /** No byte for the response timeout. */
    void upstreamTimedOut(UpstreamLink link);
  }

  final Upstream upstream;
  final io.vertx.core.net.SocketAddress address;
  private final LinkPool pool;
  private final long responseTimeoutNanos;
  private final long idleTimeoutNanos;
  Channel channel;
  private Exchange exchange;
  private long lastActivity = System.nanoTime();
  private ScheduledFuture<?> timer;
  private long timerAt;

  UpstreamLink(LinkPool pool, Upstream upstream, io.vertx.core.net.SocketAddress address, long responseTimeoutNanos,
      long idleTimeoutNanos) {
    this.pool = pool;
    this.upstream = upstream;
    this.address = address;
    this.responseTimeoutNanos = responseTimeoutNanos;
    this.idleTimeoutNanos = idleTimeoutNanos;
  }

  /** Starts an exchange on this link (taken from the pool or just connected). */
  void attach(Exchange x) {
    exchange = x;
    lastActivity = System.nanoTime();
    arm();
  }

  /** Ends the exchange: the link goes back to its pool if {@code reusable} and still open, else it is closed. */
  void release(boolean reusable) {
    exchange = null;
    if (!channel.config().isAutoRead()) {
      channel.config().setAutoRead(true);
    }
    if (reusable && channel.isActive() && !upstream.removed()) {
      lastActivity = System.nanoTime();
      pool.offer(this);
      arm();
    } else {
      channel.close();
    }
  }

  /** Closes the link under an exchange that gave up on it (the response, if any comes, is not wanted). */
  void abort() {
    exchange = null;
    channel.close();
  }

  /**
   * Takes the link out of HTTP: its timer stops and this handler leaves the pipeline (the connection now carries
   * an upgraded protocol, relayed as bytes, and never returns to the pool).
   */
  void detach() {
    exchange = null;
    cancelTimer();
    channel.pipeline().remove(this);
  }

  /** Notes that request bytes went out (the response clock counts from the last activity either way). */
  void wrote() {
    lastActivity = System.nanoTime();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    lastActivity = System.nanoTime();
    Exchange x = exchange;
    if (x == null || !(msg instanceof HttpObject o)) {
      // bytes while idle in the pool: the backend broke framing (or sent a 408 before closing); not reusable
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    x.upstreamRead(this, o);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    Exchange x = exchange;
    if (x != null) {
      x.upstreamReadComplete(this);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    Exchange x = exchange;
    if (x != null) {
      x.upstreamWritabilityChanged(this, ctx.channel().isWritable());
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelTimer();
    pool.remove(this);
    Exchange x = exchange;
    exchange = null;
    if (x != null) {
      x.upstreamClosed(this, null);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Exchange x = exchange;
    exchange = null;
    ctx.close();
    if (x != null) {
      x.upstreamClosed(this, cause);
    }
  }

  private void arm() {
    long timeout = exchange != null ? responseTimeoutNanos : idleTimeoutNanos;
    if (timeout <= 0) {
      return;
    }
    long at = lastActivity + timeout;
    if (timer != null && timerAt - at <= 0) {
      return; // fires no later than needed; it re-arms itself
    }
    if (timer != null) {
      timer.cancel(false);
    }
    timerAt = at;
    timer = channel.eventLoop().schedule(this::onTimer, Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  private void onTimer() {
    timer = null;
    if (!channel.isActive()) {
      return;
    }
    Exchange x = exchange;
    long timeout = x != null ? responseTimeoutNanos : idleTimeoutNanos;
    if (timeout <= 0) {
      return;
    }
    if (System.nanoTime() - lastActivity >= timeout) {
      if (x != null) {
        exchange = null;
        channel.close();
        x.upstreamTimedOut(this);
      } else {
        channel.close(); // idle in the pool for the keep-alive timeout
      }
      return;
    }
    arm();
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  @Override
  public String toString() {
    return upstream + " via " + channel;
  }
}
