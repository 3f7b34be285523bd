package io.sslfarm.router.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.AsciiString;
import io.sslfarm.cluster.SessionTable;
import io.sslfarm.router.RouterMetrics;
import io.sslfarm.router.RouterOptions;
import io.sslfarm.router.affinity.StickyCookieCodec;
import io.sslfarm.router.listener.DownstreamConnection;
import io.sslfarm.router.listener.DownstreamListener;
import io.sslfarm.router.route.RouteTable;
import io.sslfarm.router.upstream.UpstreamPools;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * What every HTTP/1.x connection of one router shares ({@link Http1Proxy}): configuration, routes, pools, the
 * per-event-loop upstream connections, and the set of open connections (for drain and the connection gauge).
 * {@link #http1} is what the {@link DownstreamListener} installs on each HTTP/1.x connection.
 */
final class ProxyCore implements DownstreamListener.Http1Handlers {

  static final AsciiString X_REQUEST_ID = AsciiString.cached("X-Request-Id");

  final RouterOptions options;
  final RouterMetrics metrics;
  final Supplier<RouteTable> routes;
  final UpstreamPools pools;
  final StickyCookieCodec cookies;
  final AccessLog accessLog;
  final ForwardingHeaders.Underscores underscores;
  private final BiFunction<String, Duration, SessionTable> sessionTables;
  private final ChannelFactory<? extends Channel> channels;
  private final AddressResolverGroup<InetSocketAddress> resolver;
  private final Map<EventLoop, LinkPool> links = new ConcurrentHashMap<>();
  private final Set<Http1Proxy> open = ConcurrentHashMap.newKeySet();
  private final Set<io.sslfarm.net.Relay> websockets = ConcurrentHashMap.newKeySet();
  private volatile boolean draining;

  ProxyCore(RouterOptions options, RouterMetrics metrics, Supplier<RouteTable> routes, UpstreamPools pools,
      StickyCookieCodec cookies, BiFunction<String, Duration, SessionTable> sessionTables, AccessLog accessLog,
      ChannelFactory<? extends Channel> channels, AddressResolverGroup<InetSocketAddress> resolver) {
    this.options = options;
    this.metrics = metrics;
    this.routes = routes;
    this.pools = pools;
    this.cookies = cookies;
    this.sessionTables = sessionTables;
    this.accessLog = accessLog;
    this.underscores = ForwardingHeaders.Underscores.of(options.headersWithUnderscores());
    this.channels = channels;
    this.resolver = resolver;
  }

  @Override
  public ChannelHandler http1(DownstreamConnection connection) {
    return new Http1Proxy(this, connection);
  }

  @Override
  public int openConnections() {
    return open.size();
  }

  /** Every open connection finishes its exchange with {@code Connection: close}; idle ones close now. */
  @Override
  public void drain() {
    draining = true;
    for (Http1Proxy p : open) {
      p.drainOnLoop();
    }
  }

  /** Closes every downstream connection that is left and the idle upstream connections of every loop. */
  @Override
  public void close() {
    draining = true;
    for (Http1Proxy p : open) {
      p.closeNow();
    }
    links.forEach((loop, pool) -> loop.execute(pool::closeIdle));
    for (io.sslfarm.net.Relay r : websockets) {
      r.close(); // the drain's grace is over: WebSockets still open are closed with their connections
    }
  }

  /** Counts a relayed WebSocket until it closes. */
  io.sslfarm.net.RelayListener websocketListener() {
    return new io.sslfarm.net.RelayListener() {
      @Override
      public void onClosed(io.sslfarm.net.RelayStats stats) {
        metrics.websocketClosed();
      }
    };
  }

  void websocketOpened(io.sslfarm.net.Relay relay) {
    metrics.websocketOpened();
    websockets.add(relay);
    relay.closeFuture().addListener(f -> websockets.remove(relay));
  }

  /** The calling loop's upstream connections. */
  LinkPool links(EventLoop loop) {
    LinkPool p = links.get(loop);
    return p != null ? p : links.computeIfAbsent(loop, l -> new LinkPool(l, channels, resolver, options));
  }

  SessionTable sessionTable(String pool, Duration ttl) {
    return sessionTables.apply(pool, ttl);
  }

  void opened(Http1Proxy p) {
    open.add(p);
    if (draining) {
      p.drainOnLoop();
    }
  }

  void closed(Http1Proxy p) {
    open.remove(p);
  }
}
