package io.sslfarm.edge;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelFuture;
import io.sslfarm.cluster.HostPort;
import io.sslfarm.cluster.NodeDirectory;
import io.sslfarm.edge.listener.EdgeListener;
import io.sslfarm.edge.upstream.UpstreamPool;
import io.sslfarm.edge.upstream.UpstreamSelector;
import io.sslfarm.node.Tier;
import io.sslfarm.node.TierContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.transport.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.sslfarm.net.EpollTransport;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge tier: an L4 relay from clients to the SSL nodes of the registry.
 *
 * <p>Runs on Vert.x's own Netty event loops ({@link VertxInternal#acceptorEventLoopGroup()} accepts,
 * {@link VertxInternal#nettyEventLoopGroup()} relays) with Vert.x's transport's channel types, so the edge is
 * epoll exactly when the node's Vert.x is ({@code node.native-transport}) and adds no threads of its own except one
 * for rebuilding the selector table off the event loops. Exception: when Vert.x runs epoll but the native library
 * does not match the Java classes ({@link EpollTransport#usable()} false), the edge creates its own NIO loops
 * (one acceptor, one worker per core) and logs a warning once.
 */
public final class EdgeTier implements Tier {

  private static final Logger log = LoggerFactory.getLogger(EdgeTier.class);

  private final EdgeOptions presetOptions;
  private EdgeOptions options;
  private EdgeMetrics metrics;
  private UpstreamPool pool;
  private volatile EdgeListener listener;
  private EventLoopGroup ownAcceptors;
  private EventLoopGroup ownWorkers;
  private volatile String transportName = "not started";

  /** Takes the options from the node config ({@code edge.*}) at start. */
  public EdgeTier() {
    this(null);
  }

  /** Uses the given options instead of the node config (tests, embedding). */
  public EdgeTier(EdgeOptions options) {
    this.presetOptions = options == null ? null : new EdgeOptions(options).validate();
  }

  @Override
  public Future<HostPort> start(TierContext context) {
    if (context.cluster() == null) {
      return Future.failedFuture(new IllegalStateException("the edge tier needs a cluster (the SSL node registry)"));
    }
    try {
      options = presetOptions != null ? presetOptions : EdgeOptions.from(context.config());
      return start(context.vertx(), context.cluster().nodes(), context.meterRegistry());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * Starts without a {@link TierContext} (benchmarks, embedding): the SSL nodes come from {@code directory}. Needs the
   * options given to the constructor.
   */
  public Future<HostPort> start(Vertx vertx, NodeDirectory directory, MeterRegistry registry) {
    if (options == null) {
      if (presetOptions == null) {
        return Future.failedFuture(new IllegalStateException("no options: use new EdgeTier(options)"));
      }
      options = presetOptions;
    }
    VertxInternal vx = (VertxInternal) vertx;
    EventLoopGroup acceptors;
    EventLoopGroup workers;
    ChannelFactory<? extends ServerChannel> serverChannels;
    ChannelFactory<? extends Channel> channels;
    if (vertx.isNativeTransportEnabled() && !EpollTransport.usable()) {
      // Vert.x's loops are epoll but outgoing connects would fail (see EpollTransport): own NIO loops instead.
      log.warn("native epoll loads but is unusable ({}): the edge runs on its own NIO event loops",
          String.valueOf(EpollTransport.unusableCause()));
      int cores = Runtime.getRuntime().availableProcessors();
      ownAcceptors = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("edge-acceptor"),
          NioIoHandler.newFactory());
      ownWorkers = new MultiThreadIoEventLoopGroup(cores, new DefaultThreadFactory("edge-eventloop"),
          NioIoHandler.newFactory());
      acceptors = ownAcceptors;
      workers = ownWorkers;
      serverChannels = NioServerSocketChannel::new;
      channels = NioSocketChannel::new;
      transportName = "nio (own loops)";
    } else {
      acceptors = vx.acceptorEventLoopGroup();
      workers = vx.nettyEventLoopGroup();
      if (vertx.isNativeTransportEnabled()) {
        // Vert.x's epoll loops; every edge socket gets the half-close fix of EpollTransport (the listener applies it
        // to accepted sockets)
        serverChannels = vx.transport().serverChannelFactory(false);
        channels = EpollTransport.channelFactory();
        transportName = "epoll (Vert.x loops)";
      } else {
        Transport transport = vx.transport();
        serverChannels = transport.serverChannelFactory(false);
        channels = transport.channelFactory(false);
        transportName = "nio (Vert.x loops)";
      }
    }
    metrics = new EdgeMetrics(registry, () -> listener == null ? 0 : listener.activeConnections());
    pool = new UpstreamPool(directory, UpstreamSelector.create(options.getBalance()), options, metrics, workers,
        channels);
    EdgeListener l = new EdgeListener(options, metrics, pool, acceptors, workers, serverChannels, channels);
    listener = l;
    pool.start();
    Promise<HostPort> promise = Promise.promise();
    l.bind().addListener((ChannelFuture f) -> {
      if (f.isSuccess()) {
        InetSocketAddress a = (InetSocketAddress) f.channel().localAddress();
        log.info("edge listening on {} ({}, balance {})", a, transportName, options.getBalance());
        promise.complete(new HostPort(options.getHost(), a.getPort()));
      } else {
        pool.close();
        promise.fail(f.cause());
      }
    });
    return promise.future();
  }

  @Override
  public Future<Void> stopAccepting() {
    EdgeListener l = listener;
    if (l == null) {
      return Future.succeededFuture();
    }
    ChannelFuture f = l.stopAccepting();
    if (f == null) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    f.addListener(x -> p.complete());
    return p.future();
  }

  @Override
  public long activeConnections() {
    EdgeListener l = listener;
    return l == null ? 0 : l.activeConnections();
  }

  @Override
  public Future<Void> close() {
    EdgeListener l = listener;
    if (l == null) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    Thread t = new Thread(() -> { // blocking waits: never on the caller's event loop
      try {
        l.close();
        pool.close();
        if (ownAcceptors != null) {
          ownAcceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
          ownWorkers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        p.complete();
      } catch (RuntimeException e) {
        p.fail(e);
      }
    }, "edge-close");
    t.setDaemon(true);
    t.start();
    return p.future();
  }

  /** Which event loops and channels the edge runs on: "epoll (Vert.x loops)", "nio (Vert.x loops)" or "nio (own loops)". */
  public String transportName() {
    return transportName;
  }

  /** The options in use (after start). */
  public EdgeOptions options() {
    return options;
  }

  /** The meters (after start). */
  public EdgeMetrics metrics() {
    return metrics;
  }

  /** The SSL node set with local health (after start). */
  public UpstreamPool pool() {
    return pool;
  }

  /** The client-facing listener (after start). */
  public EdgeListener listener() {
    return listener;
  }
}
