package io.sslfarm.edge.listener;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.sslfarm.edge.EdgeMetrics.RejectReason;
import io.sslfarm.edge.upstream.Upstream;
import io.sslfarm.net.InProcess;
import io.sslfarm.net.ProxyHeaderEncoder;
import io.sslfarm.net.ProxyHeaderReceived;
import io.sslfarm.net.ProxyInfo;
import io.sslfarm.net.ProxyProtocolGate;
import io.sslfarm.net.Relay;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One downstream connection until its relay starts.
 *
 * <pre>
 *   accept ─▶ [{@link ProxyProtocolGate}, only for a trusted balancer] ─▶ ACL ─▶ per-source limits ─▶ pick SSL node
 *          ─▶ connect (timeout) ──fail, nothing relayed yet──▶ pick another node (bounded retries)
 *          ─▶ {@link Relay#start}: PROXY v2 (client address), the bytes held meanwhile, then both ways
 *   (an SSL node of this process instead takes the client's socket itself: {@link InProcess#handOff})
 * </pre>
 *
 * <p>A direct client is admitted in {@code channelActive}. A connection from a trusted balancer goes through the
 * shared gate first, which holds {@code channelActive} back and fires {@link ProxyHeaderReceived} once the header
 * is in; a bad or late header is refused by the gate and counted here ({@code proxy_header}).
 *
 * <p>All of it runs on the downstream channel's event loop; the upstream channel is registered on the same loop, so
 * no state here is shared between threads. The shared {@link Relay} is attached as soon as the client is admitted:
 * it holds client bytes that arrive while connecting, up to {@code edge.pending-bytes} (then reading pauses and TCP
 * pushes back on the client), and it owns half-close, back-pressure and the idle timeout.
 */
final class DownstreamHandler extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(DownstreamHandler.class);

  private final EdgeListener listener;
  private final boolean behindGate;
  private List<Upstream> tried = List.of();
  private Channel downstream;
  private Relay relay;
  private boolean rejected;
  private InetSocketAddress client;
  private InetSocketAddress destination;
  private ChannelFuture connecting;

  /** @param behindGate true when a {@link ProxyProtocolGate} precedes this handler (the peer is a trusted balancer) */
  DownstreamHandler(EdgeListener listener, boolean behindGate) {
    this.listener = listener;
    this.behindGate = behindGate;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    downstream = ctx.channel();
    if (!behindGate) {
      admit((InetSocketAddress) downstream.remoteAddress(), (InetSocketAddress) downstream.localAddress());
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ProxyHeaderReceived received && relay == null && !rejected) {
      ProxyInfo info = received.info();
      if (info.isLocal() || !info.hasAddresses()) {
        // PROXY v2 §2.2 LOCAL (or UNSPEC): the balancer's own connection (its health check): use the real endpoints.
        admit((InetSocketAddress) downstream.remoteAddress(), (InetSocketAddress) downstream.localAddress());
      } else {
        admit(info.source(), info.destination());
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
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
      listener.refusalLog().refused(downstream.id().asShortText(), listener.sources().sourceOf(source), limited);
      reject(limited);
      return;
    }
    if (listener.sources().limits(source)) {
      downstream.closeFuture().addListener(f -> listener.sources().release(source));
    }
    listener.metrics().accepted();
    Upstream u = listener.pool().select(source, tried);
    if (u != null && handOff(u)) {
      return;
    }
    relay = Relay.prepare(downstream, listener.relayOptions(), listener.relayListener());
    if (u == null) {
      reject(RejectReason.NO_UPSTREAM);
      return;
    }
    connect(u);
  }

  /**
   * When {@code u} is an SSL node of this process, gives it the client's socket itself ({@link InProcess#handOff}): it
   * installs its own pipeline on it, with the client address a PROXY header would have carried, and this edge leaves
   * the data path (no relay, no second channel). Runs before any client byte was read past this handler; the
   * connection stays counted here (edge.max-connections, per-source limits, the node's open connections) until it
   * closes. False: {@code u} is elsewhere (or takes no more connections); nothing changed.
   */
  private boolean handOff(Upstream u) {
    if (!InProcess.handOff(downstream, u.address(), ProxyInfo.proxy(client, destination))) {
      return false;
    }
    downstream.pipeline().remove(this);
    u.connectionOpened();
    downstream.closeFuture().addListener(f -> u.connectionClosed());
    listener.metrics().handedOff();
    return true;
  }

  private void connect(Upstream u) {
    if (tried.isEmpty()) {
      tried = new ArrayList<>(1 + listener.options().getConnectRetries());
    }
    tried.add(u);
    // In a task, never in the caller's stack: the caller may be inside Netty's dispatch of one epoll_wait batch (a
    // PROXY header read, or the failed connect of the previous attempt), and a socket opened there can get the fd
    // number of a connection closed earlier in that batch, whose stale event then hits the new, unconnected channel
    // (see the SSL tier's UpstreamConnector, where this was found). Tasks run after the batch.
    downstream.eventLoop().execute(() -> connect0(u));
  }

  private void connect0(Upstream u) {
    if (relay.isClosed() || !downstream.isActive()) {
      return; // the client went away meanwhile: nothing to connect for
    }
    Bootstrap b = InProcess.route(listener.upstreamBootstrap().clone(downstream.eventLoop()), u.address());
    connecting = b.connect(u.address());
    connecting.addListener((ChannelFutureListener) f -> {
      connecting = null;
      if (relay.isClosed() || !downstream.isActive()) {
        f.channel().close(); // the client went away meanwhile
        return;
      }
      if (f.isSuccess()) {
        established(u, f.channel());
      } else {
        failed(u, f.cause());
      }
    });
  }

  /** Nothing was relayed to {@code u} (the connect failed): try another node, bounded by edge.connect-retries. */
  private void failed(Upstream u, Throwable cause) {
    log.debug("[{}] connect to SSL node {} failed: {}", downstream.id().asShortText(), u, cause.toString());
    listener.pool().connectFailed(u);
    if (tried.size() <= listener.options().getConnectRetries()) {
      Upstream next = listener.pool().select(client.getAddress(), tried);
      if (next != null) {
        listener.metrics().connectRetry();
        connect(next);
        return;
      }
    }
    log.debug("[{}] client {}: no SSL node answered ({} tried)", downstream.id().asShortText(), client, tried.size());
    reject(RejectReason.UPSTREAM_CONNECT);
  }

  private void established(Upstream u, Channel upstream) {
    u.connectionOpened();
    upstream.closeFuture().addListener(f -> u.connectionClosed());
    downstream.pipeline().remove(this);
    relay.start(upstream, ProxyHeaderEncoder.encode(ProxyInfo.proxy(client, destination), upstream.alloc()));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (relay != null && !rejected) {
      ctx.fireChannelRead(msg); // to the relay, which holds it until the upstream is connected
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    ChannelFuture c = connecting;
    if (c != null) {
      c.channel().close();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("[{}] downstream error before relaying: {}", ctx.channel().id().asShortText(), cause.toString());
    ctx.close();
  }

  private void reject(RejectReason reason) {
    if (rejected) {
      return;
    }
    rejected = true;
    listener.metrics().rejected(reason);
    if (relay != null) {
      relay.close(); // releases the held client bytes
    }
    downstream.close();
  }
}
