package io.sslfarm.ssl.listener;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.sslfarm.net.ProxyHeaderEncoder;
import io.sslfarm.net.ProxyInfo;
import io.sslfarm.net.Relay;
import io.sslfarm.net.RelayListener;
import io.sslfarm.net.RelayOptions;
import io.sslfarm.ssl.SslMetrics;
import io.sslfarm.ssl.SslMetrics.Reject;
import io.sslfarm.ssl.upstream.UpstreamConnector;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last downstream handler until the relay starts:
 *
 * <pre>
 *  handshake done ─▶ metrics (full|resumed) ─▶ [on-data: wait for the client's first byte] ─▶ Relay.prepare
 *       │                                                 │ closed / idle / error: counted as unused ─▶ close
 *       └─ failed ─▶ count reason, close                  ▼
 *                                 connect router (retry) ─▶ PROXY v2 + TLVs, buffered plaintext, relay both ways
 * </pre>
 *
 * With {@code ssl.upstream-connect: on-data} (the default) the router connection opens at the client's first
 * plaintext byte: HTTP clients speak first, and a connection a browser opened ahead of need (preconnect) or a client
 * that only handshakes holds no router connection; a drain closes such connections (one second after their
 * handshake at the earliest). Until then
 * {@code ssl.idle-timeout} applies here; afterwards the
 * shared {@link Relay} owns it, with the piping (back-pressure, half-close, byte counts). Plaintext that arrives while
 * the router connect is under way is buffered by the relay (bounded: then the client is not read). One instance per
 * connection; runs on the channel's event loop; removes itself once the relay is prepared.
 */
final class DownstreamHandler extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(DownstreamHandler.class);
  /** How long after its handshake a silent connection is spared by a drain. */
  static final long DRAIN_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final SslMetrics metrics;
  private final UpstreamConnector connector;
  private final RelayOptions relayOptions;
  private final RelayListener relayListener;
  private final boolean connectOnData;
  /** Set between the handshake and the client's first byte (on-data). */
  private ProxyInfo waitingInfo;
  /** When the handshake ended (on-data, while waiting). */
  private long readyNanos;
  private ScheduledFuture<?> idleTimer;

  DownstreamHandler(SslMetrics metrics, UpstreamConnector connector, RelayOptions relayOptions,
                    RelayListener relayListener, boolean connectOnData) {
    this.metrics = metrics;
    this.connector = connector;
    this.relayOptions = relayOptions;
    this.relayListener = relayListener;
    this.connectOnData = connectOnData;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof SslHandshakeCompletionEvent e) {
      DownstreamConnection c = DownstreamConnection.of(ctx.channel());
      if (e.isSuccess()) {
        handshakeDone(ctx, c);
      } else {
        handshakeFailed(c, e.cause());
      }
      return;
    }
    if (waitingInfo != null && (evt instanceof ChannelInputShutdownEvent || evt instanceof SslCloseCompletionEvent)) {
      unused(ctx, "client_closed");   // EOF or close_notify before any byte
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  private void handshakeDone(ChannelHandlerContext ctx, DownstreamConnection c) {
    c.handshakeDone = true;
    SSLEngine engine = ctx.pipeline().get(SslHandler.class).engine();
    boolean resumed = c.tls.isResumed(engine, c.handshakeStartMillis);
    metrics.handshakeDone(resumed, System.nanoTime() - c.handshakeStartNanos);
    SSLSession session = engine.getSession();
    // PROXY v2 with the client's address and what the router may want of the TLS session (§2.2 TLVs).
    ProxyInfo info = ProxyInfo.proxy(c.source, c.destination).withAuthority(c.serverName)
        .withAlpn(c.tls.applicationProtocol(engine))
        .withSsl(new ProxyInfo.Ssl(ProxyInfo.Ssl.CLIENT_SSL, 0, session.getProtocol(), session.getCipherSuite(),
            List.of()));
    if (!connectOnData) {
      relay(ctx, c, info, null);
      return;
    }
    waitingInfo = info;
    readyNanos = System.nanoTime();
  }

  /**
   * The idle timer of a connection still silent at the end of the read that finished its handshake. Most clients send
   * their first bytes with their Finished, so most connections never need one.
   */
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    long idle = relayOptions.getIdleTimeout().toMillis();
    if (waitingInfo != null && idleTimer == null && idle > 0) {
      idleTimer = ctx.executor().schedule(() -> unused(ctx, "idle_timeout"), idle, TimeUnit.MILLISECONDS);
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ProxyInfo info = waitingInfo;
    if (info == null) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (msg instanceof ByteBuf b && !b.isReadable()) {
      b.release();
      return;
    }
    waitingInfo = null;
    cancelIdleTimer();
    relay(ctx, DownstreamConnection.of(ctx.channel()), info, msg);
  }

  /** Prepares the relay (handing it {@code first}, if any, to buffer), leaves the pipeline, connects a router. */
  private void relay(ChannelHandlerContext ctx, DownstreamConnection c, ProxyInfo info, Object first) {
    Channel downstream = ctx.channel();
    Relay relay = Relay.prepare(downstream, relayOptions, relayListener);
    if (first != null) {
      ctx.fireChannelRead(first);
    }
    ctx.pipeline().remove(this);
    connector.connect(downstream).addListener(f -> {
      if (f.isSuccess()) {
        Channel upstream = ((UpstreamConnector.Upstream) f.getNow()).channel();
        relay.start(upstream, ProxyHeaderEncoder.encode(info, upstream.alloc()));
      } else if (!relay.isClosed()) {
        LOG.warn("{} no router reachable: {}", downstream, f.cause().toString());
        c.reject(metrics, Reject.NO_UPSTREAM);
        relay.close();
      }
    });
  }

  /**
   * A drain closes a connection that has not sent a byte since its handshake, but not one whose handshake ended less
   * than {@link #DRAIN_GRACE_NANOS} ago: its client is most likely about to send its request, and closing it now would
   * cost that request a retry.
   */
  void closeOnDrain(ChannelHandlerContext ctx) {
    if (waitingInfo == null) {
      return;
    }
    long wait = readyNanos + DRAIN_GRACE_NANOS - System.nanoTime();
    if (wait > 0) {
      ctx.executor().schedule(() -> closeOnDrain(ctx), wait, TimeUnit.NANOSECONDS);
      return;
    }
    unused(ctx, "drain");
  }

  /** Closes a connection that never sent a byte after its handshake; counted once. */
  private void unused(ChannelHandlerContext ctx, String reason) {
    if (waitingInfo == null) {
      return;
    }
    waitingInfo = null;
    cancelIdleTimer();
    metrics.unused(reason);
    ctx.close();
  }

  private void cancelIdleTimer() {
    if (idleTimer != null) {
      idleTimer.cancel(false);
      idleTimer = null;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    unused(ctx, "client_closed");
    ctx.fireChannelInactive();
  }

  private void handshakeFailed(DownstreamConnection c, Throwable cause) {
    if (c.counted) {
      c.channel.close();
      return;
    }
    Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    String reason;
    if (root instanceof NotSslRecordException) {
      reason = "not_tls";
    } else if (root instanceof java.nio.channels.ClosedChannelException) {
      reason = "closed";
    } else if (root instanceof SSLHandshakeException) {
      reason = "alert";
    } else {
      reason = "error";
    }
    LOG.debug("{} handshake failed ({}): {}", c.channel, reason, root.toString());
    metrics.handshakeFailed(reason);
    c.reject(metrics, Reject.TLS_ERROR);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (waitingInfo != null) {
      LOG.debug("{} error before the first byte: {}", ctx.channel(), cause.toString());
      unused(ctx, "error");
      return;
    }
    handshakeFailed(DownstreamConnection.of(ctx.channel()), cause);
  }
}
