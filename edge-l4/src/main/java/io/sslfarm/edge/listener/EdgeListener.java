package io.sslfarm.edge.listener;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.sslfarm.edge.EdgeMetrics;
import io.sslfarm.edge.EdgeOptions;
import io.sslfarm.edge.upstream.UpstreamPool;
import io.sslfarm.net.AccessRule;
import io.sslfarm.net.AccessRules;
import io.sslfarm.net.CidrSet;
import io.sslfarm.net.ProxyGateListener;
import io.sslfarm.net.ProxyGateRejection;
import io.sslfarm.net.ProxyProtocolGate;
import io.sslfarm.net.ProxyProtocolGateOptions;
import io.sslfarm.net.Relay;
import io.sslfarm.net.RelayListener;
import io.sslfarm.net.RelayOptions;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The edge's client-facing TCP listener: binds, owns the shared per-connection state (ACL, per-source limits, the
 * upstream bootstrap template) and hands each accepted channel to a {@link DownstreamHandler}.
 *
 * <p>Event loops and channel types are given by the caller so that they always match (epoll loops with epoll
 * channels, NIO with NIO); the tier passes Vert.x's own Netty groups. An upstream channel is registered on its
 * downstream channel's loop: a relayed connection never crosses threads.
 */
public final class EdgeListener {

  /** Per-channel write queue bound: reading from the other side pauses above the high mark. */
  static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 128 * 1024);

  /** The upstream bootstrap's placeholder handler: passes everything on to the relay added after connect. */
  @ChannelHandler.Sharable
  private static final class PassThrough extends ChannelInboundHandlerAdapter {
  }

  private final EdgeOptions options;
  private final EdgeMetrics metrics;
  private final UpstreamPool pool;
  private final AccessRules acl;
  private final CidrSet trustedProxies;
  private final SourceLimiter sources;
  private final RefusalLog refusalLog = new RefusalLog(RefusalLog.DEFAULT_INTERVAL_NANOS, System::nanoTime);
  private final EventLoopGroup acceptors;
  private final EventLoopGroup workers;
  private final ChannelFactory<? extends ServerChannel> serverChannelFactory;
  private final Bootstrap upstreamBootstrap;
  private final ChannelGroup channels = new DefaultChannelGroup("edge-downstream", GlobalEventExecutor.INSTANCE);
  private final AtomicInteger active = new AtomicInteger();
  private final RelayOptions relayOptions;
  private final RelayListener relayListener;
  private final ProxyProtocolGateOptions gateOptions;
  private final ProxyGateListener gateListener;
  private volatile Channel serverChannel;

  public EdgeListener(EdgeOptions options, EdgeMetrics metrics, UpstreamPool pool, EventLoopGroup acceptors,
                      EventLoopGroup workers, ChannelFactory<? extends ServerChannel> serverChannelFactory,
                      ChannelFactory<? extends Channel> channelFactory) {
    this.options = options;
    this.metrics = metrics;
    this.pool = pool;
    this.acl = AccessRules.of(options.getAcl(),
        options.isAclDefaultAllow() ? AccessRule.Action.ALLOW : AccessRule.Action.DENY);
    this.trustedProxies = options.isAcceptProxy() ? options.trustedCidrs() : CidrSet.EMPTY;
    this.sources = SourceLimiter.of(options, System::nanoTime);
    this.relayOptions = new RelayOptions().setIdleTimeout(options.getIdleTimeout())
        .setMaxPendingBytes(Math.max(1, options.getPendingBytes()));
    this.relayListener = new RelayListener() {
      @Override
      public void onBytes(Relay.Direction direction, int bytes) {
        if (direction == Relay.Direction.TO_UPSTREAM) {
          metrics.bytesIn(bytes);
        } else {
          metrics.bytesOut(bytes);
        }
      }
    };
    this.gateOptions = new ProxyProtocolGateOptions().setTrustedSources(trustedProxies)
        .setHeaderTimeout(options.getConnectTimeout());
    this.gateListener = new ProxyGateListener() {
      @Override
      public void onRejected(Channel channel, ProxyGateRejection reason, Throwable cause) {
        metrics.rejected(EdgeMetrics.RejectReason.PROXY_HEADER);
      }
    };
    this.acceptors = acceptors;
    this.workers = workers;
    this.serverChannelFactory = serverChannelFactory;
    this.upstreamBootstrap = new Bootstrap().channelFactory(channelFactory)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
            options.getConnectTimeout().toMillis()))
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
        .handler(new PassThrough());
  }

  /** Binds {@code edge.host:edge.port}; completes with the bound channel (its local address has the real port). */
  public ChannelFuture bind() {
    ServerBootstrap b = new ServerBootstrap().group(acceptors, workers).channelFactory(serverChannelFactory)
        .option(ChannelOption.SO_BACKLOG, 4096)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
        .childHandler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            if (!openConnection(ch)) {
              metrics.rejected(EdgeMetrics.RejectReason.MAX_CONNECTIONS);
              ch.close();
              return;
            }
            boolean gated = trustedProxies.contains(ch.remoteAddress());
            if (gated) {
              ch.pipeline().addLast(ProxyProtocolGate.HANDLER_NAME, new ProxyProtocolGate(gateOptions, gateListener));
            }
            // a name of its own: an SSL node of this process that adopts the connection adds its handlers beside it
            ch.pipeline().addLast("edge-downstream", new DownstreamHandler(EdgeListener.this, gated));
          }
        });
    ChannelFuture f = b.bind(new InetSocketAddress(options.getHost(), options.getPort()));
    f.addListener((ChannelFuture cf) -> {
      if (cf.isSuccess()) {
        serverChannel = cf.channel();
      }
    });
    return f;
  }

  /** The bound address, or null before {@link #bind()} completed. */
  public InetSocketAddress localAddress() {
    Channel c = serverChannel;
    return c == null ? null : (InetSocketAddress) c.localAddress();
  }

  /** Closes the listening socket; open connections continue. */
  public ChannelFuture stopAccepting() {
    Channel c = serverChannel;
    return c == null ? null : c.close();
  }

  /** Closes the listener and every open downstream connection (their relays close the upstream sides). */
  public void close() {
    stopAccepting();
    channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  /** Open downstream connections. */
  public int activeConnections() {
    return active.get();
  }

  /** Counts a new downstream channel; false (not counted) if {@code edge.max-connections} is reached. */
  boolean openConnection(Channel ch) {
    int max = options.getMaxConnections();
    int now = active.incrementAndGet();
    if (max > 0 && now > max) {
      active.decrementAndGet();
      return false;
    }
    channels.add(ch);
    ch.closeFuture().addListener(f -> active.decrementAndGet());
    return true;
  }

  EdgeOptions options() {
    return options;
  }

  EdgeMetrics metrics() {
    return metrics;
  }

  UpstreamPool pool() {
    return pool;
  }

  AccessRules acl() {
    return acl;
  }

  /** The per-source limiter (exposed for status and tests). */
  public SourceLimiter sources() {
    return sources;
  }

  RefusalLog refusalLog() {
    return refusalLog;
  }

  RelayOptions relayOptions() {
    return relayOptions;
  }

  RelayListener relayListener() {
    return relayListener;
  }

  Bootstrap upstreamBootstrap() {
    return upstreamBootstrap;
  }
}
