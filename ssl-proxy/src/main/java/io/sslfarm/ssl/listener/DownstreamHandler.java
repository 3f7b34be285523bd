package io.sslfarm.ssl.listener;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.sslfarm.ssl.SslMetrics;
import io.sslfarm.ssl.SslMetrics.Reject;
import io.sslfarm.net.ProxyHeaderEncoder;
import io.sslfarm.net.ProxyInfo;
import io.sslfarm.ssl.internal.RelayHandler;
import io.sslfarm.ssl.upstream.UpstreamConnector;
import java.util.ArrayDeque;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last downstream handler until the relay starts:
 *
 * <pre>
 *  handshake done ─▶ metrics (full|resumed) ─▶ stop reading ─▶ connect router (retry) ─▶ PROXY v2 + TLVs
 *       │                                                               │
 *       └─ failed ─▶ count reason, close                                └─▶ queued plaintext ─▶ relay both ways
 * </pre>
 *
 * Plaintext that arrives while the router connect is under way is queued (reading is paused, so at most what the
 * TLS layer already decrypted).
 */
final class DownstreamHandler extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(DownstreamHandler.class);

  private final SslMetrics metrics;
  private final UpstreamConnector connector;
  private final ArrayDeque<Object> pending = new ArrayDeque<>();
  private Channel upstream;

  DownstreamHandler(SslMetrics metrics, UpstreamConnector connector) {
    this.metrics = metrics;
    this.connector = connector;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    DownstreamConnection c = DownstreamConnection.of(ctx.channel());
    if (evt instanceof SslHandshakeCompletionEvent e) {
      if (e.isSuccess()) {
        handshakeDone(ctx, c);
      } else {
        handshakeFailed(c, e.cause());
      }
      return;
    }
    if (evt instanceof IdleStateEvent) {
      LOG.debug("{} idle, closing", ctx.channel());
      ctx.close();
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
    String alpn = c.tls.applicationProtocol(engine);
    String version = session.getProtocol();
    String cipher = session.getCipherSuite();
    ctx.channel().config().setAutoRead(false);
    connector.connect(ctx.channel().eventLoop()).addListener(f -> {
      if (!f.isSuccess()) {
        LOG.warn("{} no router reachable: {}", ctx.channel(), f.cause().toString());
        releasePending();
        c.reject(metrics, Reject.NO_UPSTREAM);
        return;
      }
      UpstreamConnector.Upstream up = (UpstreamConnector.Upstream) f.getNow();
      Channel uc = up.channel();
      if (!ctx.channel().isActive()) {
        uc.close();
        releasePending();
        return;
      }
      upstream = uc;
      // PROXY v2 with the client's address and what the router may want of the TLS session (§2.2 TLVs).
      ProxyInfo info = ProxyInfo.proxy(c.source, c.destination).withAuthority(c.serverName).withAlpn(alpn)
          .withSsl(new ProxyInfo.Ssl(ProxyInfo.Ssl.CLIENT_SSL, 0, version, cipher, List.of()));
      uc.write(ProxyHeaderEncoder.encode(info, uc.alloc()));
      Object m;
      while ((m = pending.poll()) != null) {
        if (m instanceof ByteBuf b) {
          metrics.bytesIn(b.readableBytes());
        }
        uc.write(m);
      }
      uc.flush();
      uc.pipeline().addLast("relay", new RelayHandler(ctx.channel(), metrics::bytesOut));
      ctx.pipeline().replace(this, "relay", new RelayHandler(uc, metrics::bytesIn));
      uc.config().setAutoRead(true);
      ctx.channel().config().setAutoRead(true);
    });
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
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    pending.add(msg);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    DownstreamConnection c = DownstreamConnection.of(ctx.channel());
    if (!c.handshakeDone) {
      handshakeFailed(c, cause);
    } else {
      LOG.debug("{} closed on error: {}", ctx.channel(), cause.toString());
      ctx.close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releasePending();
    if (upstream != null) {
      upstream.close();
    }
    ctx.fireChannelInactive();
  }

  private void releasePending() {
    Object m;
    while ((m = pending.poll()) != null) {
      ReferenceCountUtil.release(m);
    }
  }
}
