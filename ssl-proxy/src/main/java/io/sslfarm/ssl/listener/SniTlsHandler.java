package io.sslfarm.ssl.listener;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
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
 *
 * <p>Before the engine is made, {@link HandshakeAdmission} must admit the handshake ({@code ssl.max-handshakes},
 * {@code ssl.max-handshake-rate}); else the connection is closed without a ServerHello and counted as rejected
 * ({@code max_handshakes}, {@code max_handshake_rate}). An admitted handshake is released exactly once: when its
 * handshake future completes (success or failure) or the channel closes, whichever comes first.
 */
final class SniTlsHandler extends AbstractSniHandler<ServerTlsContext> {

  private final TlsContextSelector selector;
  private final SslMetrics metrics;
  private final HandshakeAdmission admission;

  SniTlsHandler(TlsContextSelector selector, SslMetrics metrics, HandshakeAdmission admission) {
    super(0L);
    this.selector = selector;
    this.metrics = metrics;
    this.admission = admission;
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
    SslMetrics.Reject refused = admission.tryAcquire();
    if (refused != null) {
      c.reject(metrics, refused);
      return;
    }
    Slot slot = new Slot(admission);
    ctx.channel().closeFuture().addListener(slot);
    ServerTlsContext tls = future.getNow();
    c.tls = tls;
    SSLEngine engine = tls.newEngine(ctx.alloc());
    SslHandler ssl = new SslHandler(engine);
    ssl.setHandshakeTimeoutMillis(0);
    ssl.handshakeFuture().addListener(slot);
    ctx.pipeline().replace(this, "tls", ssl);
  }

  /**
   * One admitted handshake: released at the first of its two futures (handshake, close). Both notify on the
   * channel's event loop; the flag makes the release happen once whatever the order.
   */
  private static final class Slot implements GenericFutureListener<Future<Object>> {
    private final HandshakeAdmission admission;
    private boolean released;

    Slot(HandshakeAdmission admission) {
      this.admission = admission;
    }

    @Override
    public void operationComplete(Future<Object> f) {
      if (!released) {
        released = true;
        admission.release();
      }
    }
  }
}
