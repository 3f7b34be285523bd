package io.sslfarm.edge.listener;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.sslfarm.edge.EdgeMetrics.RejectReason;
import io.sslfarm.edge.upstream.Upstream;
import io.sslfarm.net.ProxyHeaderEncoder;
import io.sslfarm.net.ProxyInfo;
import io.sslfarm.net.Relay;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One downstream connection until its relay starts.
 *
 * <pre>
 *   accept ─▶ [PROXY header, if the peer is a trusted balancer] ─▶ ACL ─▶ per-source limits ─▶ pick SSL node
 *          ─▶ connect (timeout) ──fail, nothing relayed yet──▶ pick another node (bounded retries)
 *          ─▶ {@link Relay#start}: PROXY v2 (client address), the bytes held meanwhile, then both ways
 * </pre>
 *
 * <p>All of it runs on the downstream channel's event loop; the upstream channel is registered on the same loop, so
 * no state here is shared between threads. The shared {@link Relay} is attached as soon as the client is admitted:
 * it holds client bytes that arrive while connecting, up to {@code edge.pending-bytes} (then reading pauses and TCP
 * pushes back on the client), and it owns half-close, back-pressure and the idle timeout.
 */
final class DownstreamHandler extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(DownstreamHandler.class);

  private final EdgeListener listener;
  private final List<Upstream> tried = new ArrayList<>(2);
  private Channel downstream;
  private String id;
  private Relay relay;
  private boolean admitted;
  private boolean rejected;
  private InetSocketAddress client;
  private InetSocketAddress destination;
  private ChannelFuture connecting;
  private ScheduledFuture<?> headerTimeout;

  DownstreamHandler(EdgeListener listener) {
    this.listener = listener;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    downstream = ctx.channel();
    InetSocketAddress remote = (InetSocketAddress) downstream.remoteAddress();
    InetSocketAddress local = (InetSocketAddress) downstream.localAddress();
    id = downstream.id().asShortText();
    if (!listener.openConnection(downstream)) {
      reject(RejectReason.MAX_CONNECTIONS);
      return;
    }
    if (listener.expectsProxyHeader(remote.getAddress())) {
      ctx.pipeline().addBefore(ctx.name(), "proxy-decoder", new HAProxyMessageDecoder());
      headerTimeout = ctx.executor().schedule(() -> {
        log.debug("[{}] no PROXY header from {} in time", id, remote);
        reject(RejectReason.PROXY_HEADER);
      }, listener.options().getConnectTimeout().toMillis(), TimeUnit.MILLISECONDS);
      return;
    }
    admit(remote, local);
  }

  private void admit(InetSocketAddress clientAddress, InetSocketAddress destinationAddress) {
    client = clientAddress;
    destination = destinationAddress;
    InetAddress source = client.getAddress();
    if (!listener.acl().allows(source)) {
      reject(RejectReason.ACL);
      return;
    }
    RejectReason limited = listener.sources().acquire(source);
    if (limited != null) {
      reject(limited);
      return;
    }
    admitted = true;
    downstream.closeFuture().addListener(f -> listener.sources().release(source));
    listener.metrics().accepted();
    relay = Relay.prepare(downstream, listener.relayOptions(), listener.relayListener());
    Upstream u = listener.pool().select(source, tried);
    if (u == null) {
      reject(RejectReason.NO_UPSTREAM);
      return;
    }
    connect(u);
  }

  private void connect(Upstream u) {
    tried.add(u);
    Bootstrap b = listener.upstreamBootstrap().clone(downstream.eventLoop());
    connecting = b.connect(u.address());
    connecting.addListener((ChannelFutureListener) f -> {
      if (!downstream.isActive()) {
        f.channel().close();
        return;
      }
      if (f.isSuccess()) {
        established(u, f.channel());
      } else {
        failed(u, f.cause());
      }
    });
  }

  private void failed(Upstream u, Throwable cause) {
    log.debug("[{}] connect to SSL node {} failed: {}", id, u, cause.toString());
    listener.pool().connectFailed(u);
    if (tried.size() <= listener.options().getConnectRetries()) {
      Upstream next = listener.pool().select(client.getAddress(), tried);
      if (next != null) {
        listener.metrics().connectRetry();
        connect(next);
        return;
      }
    }
    log.info("[{}] client {}: no SSL node answered ({} tried)", id, client, tried.size());
    reject(RejectReason.UPSTREAM_CONNECT);
  }

  private void established(Upstream u, Channel upstream) {
    connecting = null;
    u.connectionOpened();
    upstream.closeFuture().addListener(f -> u.connectionClosed());
    downstream.pipeline().remove(this);
    relay.start(upstream, ProxyHeaderEncoder.encode(ProxyInfo.proxy(client, destination), upstream.alloc()));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HAProxyMessage m) {
      onProxyHeader(ctx, m);
    } else if (admitted && !rejected) {
      ctx.fireChannelRead(msg); // to the relay, which holds it until the upstream is connected
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onProxyHeader(ChannelHandlerContext ctx, HAProxyMessage m) {
    try {
      if (headerTimeout != null) {
        headerTimeout.cancel(false);
      }
      ProxyInfo info = ProxyInfo.fromNetty(m);
      if (info.isLocal() || !info.hasAddresses()) {
        // PROXY v2 §2.2 LOCAL (or UNSPEC): the balancer's own connection (health check): use the real endpoints.
        admit((InetSocketAddress) downstream.remoteAddress(), (InetSocketAddress) downstream.localAddress());
      } else {
        admit(info.source(), info.destination());
      }
    } catch (IllegalArgumentException e) {
      log.debug("[{}] unusable PROXY header from {}: {}", id, downstream.remoteAddress(), e.getMessage());
      reject(RejectReason.PROXY_HEADER);
    } finally {
      m.release();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent && !admitted) {
      ReferenceCountUtil.release(evt);
      ctx.close(); // EOF before the PROXY header
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (connecting != null) {
      connecting.channel().close();
    }
    if (headerTimeout != null) {
      headerTimeout.cancel(false);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof io.netty.handler.codec.DecoderException) {
      log.debug("[{}] bad PROXY header from {}: {}", id, downstream.remoteAddress(), cause.getMessage());
      reject(RejectReason.PROXY_HEADER);
    } else {
      log.debug("[{}] downstream error before relaying: {}", id, cause.toString());
      ctx.close();
    }
  }

  private void reject(RejectReason reason) {
    if (rejected) {
      return;
    }
    rejected = true; // counted once, even if the decoder already closed the channel (it closes before it throws)
    listener.metrics().rejected(reason);
    if (relay != null) {
      relay.close(); // releases the held client bytes
    }
    downstream.close();
  }
}
