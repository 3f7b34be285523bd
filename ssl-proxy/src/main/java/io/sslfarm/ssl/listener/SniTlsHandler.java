package io.sslfarm.ssl.listener;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.sslfarm.ssl.SslMetrics;
import io.sslfarm.ssl.tls.ServerTlsContext;
import io.sslfarm.ssl.tls.TlsContextSelector;
import java.util.NoSuchElementException;
import javax.net.ssl.SSLEngine;

/**
 * Reads the ClientHello's server name and replaces itself with an {@link SslHandler} whose engine comes from the
 * context for that name (exact, wildcard, default). The lookup is a local read, so it completes at once on the event
 * loop. Netty's own handshake timers are off: {@link DownstreamInitializer} has one deadline from accept to
 * handshake.
 */
final class SniTlsHandler extends AbstractSniHandler<ServerTlsContext> {

  private final TlsContextSelector selector;
  private final SslMetrics metrics;

  SniTlsHandler(TlsContextSelector selector, SslMetrics metrics) {
    super(0L);
    this.selector = selector;
    this.metrics = metrics;
  }

  @Override
  protected Future<ServerTlsContext> lookup(ChannelHandlerContext ctx, String hostname) {
    DownstreamConnection c = DownstreamConnection.of(ctx.channel());
    c.handshakeStartNanos = System.nanoTime();
    c.handshakeStartMillis = System.currentTimeMillis();
    c.serverName = hostname;
    return selector.select(hostname).<Future<ServerTlsContext>>map(t -> ctx.executor().newSucceededFuture(t))
        .orElseGet(() -> ctx.executor().newFailedFuture(new NoSuchElementException("no certificate for "
            + hostname)));
  }

  @Override
  protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<ServerTlsContext> future) {
    DownstreamConnection c = DownstreamConnection.of(ctx.channel());
    if (!future.isSuccess()) {
      metrics.handshakeFailed("no_certificate");
      c.reject(metrics, SslMetrics.Reject.NO_CERTIFICATE);
      return;
    }
    ServerTlsContext tls = future.getNow();
    c.tls = tls;
    SSLEngine engine = tls.newEngine(ctx.alloc());
    SslHandler ssl = new SslHandler(engine);
    ssl.setHandshakeTimeoutMillis(0);
    ctx.pipeline().replace(this, "tls", ssl);
  }
}
