package io.sslfarm.ssl.listener;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
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
 *  handshake done ─▶ metrics (full|resumed) ─▶ Relay.prepare (buffers plaintext) ─▶ connect router (retry)
 *       │                                                                                 │
 *       └─ failed ─▶ count reason, close                  PROXY v2 + TLVs, buffered plaintext, relay both ways ◀─┘
 * </pre>
 *
 * The piping (back-pressure, half-close, idle timeout, byte counts) is the shared {@link Relay}; plaintext that
 * arrives while the router connect is under way is buffered by it (bounded: then the client is not read). Runs on the
 * channel's event loop; removes itself once the handshake succeeded.
 */
final class DownstreamHandler extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(DownstreamHandler.class);

  private final SslMetrics metrics;
  private final UpstreamConnector connector;
  private final RelayOptions relayOptions;
  private final RelayListener relayListener;

  DownstreamHandler(SslMetrics metrics, UpstreamConnector connector, RelayOptions relayOptions,
                    RelayListener relayListener) {
    this.metrics = metrics;
    this.connector = connector;
    this.relayOptions = relayOptions;
    this.relayListener = relayListener;
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
    Channel downstream = ctx.channel();
    Relay relay = Relay.prepare(downstream, relayOptions, relayListener);
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
    handshakeFailed(DownstreamConnection.of(ctx.channel()), cause);
  }
}
