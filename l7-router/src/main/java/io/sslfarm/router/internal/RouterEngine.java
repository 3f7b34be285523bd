package io.sslfarm.router.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.sslfarm.cluster.SessionTable;
import io.sslfarm.router.RouterMetrics;
import io.sslfarm.router.RouterOptions;
import io.sslfarm.router.affinity.StickyCookieCodec;
import io.sslfarm.router.affinity.StickyKeys;
import io.sslfarm.router.config.RouterFarmConfig;
import io.sslfarm.router.listener.DownstreamListener;
import io.sslfarm.router.route.RouteTable;
import io.sslfarm.router.upstream.UpstreamPools;
import io.sslfarm.router.upstream.UpstreamQueue;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * One router: listener, proxy handler, pools, upstream client. {@link io.sslfarm.router.RouterTier} wires it to a
 * farm node; tests and the standalone main build it directly.
 *
 * <p>Config changes ({@link #apply}) may come from any thread; they are applied on the engine's control context, which
 * also runs the health checks. The route table is swapped as one immutable snapshot.
 */
public final class RouterEngine {

  private final Vertx vertx;
  private final RouterOptions options;
  private final RouterMetrics metrics;
  private final StickyKeys keys;
  private final BiFunction<String, Duration, SessionTable> sessionTableFactory;
  private final Map<String, SessionTable> sessionTables = new ConcurrentHashMap<>();
  private final Context control;
  private volatile RouteTable routes = new RouteTable(RouterFarmConfig.EMPTY);
  private volatile RouterFarmConfig config = RouterFarmConfig.EMPTY;
  private HttpClient client;
  private UpstreamPools pools;
  private DownstreamListener listener;

  /**
   * @param sessionTables (pool name, idle TTL) → the pool's learn-mode table; called once per pool
   */
  public RouterEngine(Vertx vertx, RouterOptions options, MeterRegistry registry, StickyKeys keys,
      BiFunction<String, Duration, SessionTable> sessionTables) {
    this.vertx = vertx;
    this.options = options;
    this.metrics = new RouterMetrics(registry);
    this.keys = keys;
    this.sessionTableFactory = sessionTables;
    this.control = ((VertxInternal) vertx).createEventLoopContext();
  }

  /** Binds the listener; completes with the bound port. */
  public Future<Integer> start() {
    Promise<Integer> p = Promise.promise();
    control.runOnContext(v -> {
      client = vertx.httpClientBuilder()
          .with(new HttpClientOptions().setKeepAlive(true).setPipelining(false).setTcpNoDelay(true)
              .setConnectTimeout((int) options.upstreamConnectTimeout().toMillis())
              .setMaxHeaderSize(Math.max(options.maxHeaderSize(), 16384))
              .setKeepAliveTimeout(Math.max(1, (int) options.idleTimeout().toSeconds()))
              .setDecompressionSupported(false))
          // the pool per backend is as large as its UpstreamQueue's slots, which bound the waiting: a request that
          // got a slot finds a free or openable connection, so Vert.x's own wait queue stays (nearly) empty
          .with(new PoolOptions().setHttp1MaxSize(options.upstreamMaxConnections()).setMaxWaitQueueSize(-1))
          .build();
      pools = new UpstreamPools(vertx, control, client, metrics, UpstreamQueue.Limits.of(options));
      pools.apply(config);
      listener = new DownstreamListener(vertx, options, metrics);
      StickyCookieCodec cookies = new StickyCookieCodec(keys);
      AccessLog accessLog = new AccessLog(options.accessLog(), options.accessLogFormat());
      ProxyHandler handler = new ProxyHandler(vertx, options, metrics, listener, () -> routes, pools, client,
          cookies, this::sessionTable, accessLog);
      VertxInternal vi = (VertxInternal) vertx;
      ProxyCore http1 = new ProxyCore(options, metrics, () -> routes, pools, cookies, this::sessionTable, accessLog,
          vi.transport().channelFactory(false), vi.nameResolver().nettyAddressResolverGroup());
      listener.listen(handler, http1).onComplete(p);
    });
    return p.future();
  }

  private SessionTable sessionTable(String pool, Duration ttl) {
    return sessionTables.computeIfAbsent(pool + "|" + ttl.toMillis(), k -> sessionTableFactory.apply(pool, ttl));
  }

  /** Swaps in a validated config snapshot (any thread). */
  public void apply(RouterFarmConfig next) {
    control.runOnContext(v -> {
      config = next;
      if (pools != null) {
        pools.apply(next);
      }
      routes = new RouteTable(next);
    });
  }

  public RouterFarmConfig config() {
    return config;
  }

  public UpstreamPools pools() {
    return pools;
  }

  public RouterMetrics metrics() {
    return metrics;
  }

  public StickyKeys keys() {
    return keys;
  }

  public int port() {
    return listener == null ? 0 : listener.port();
  }

  public long activeConnections() {
    return listener == null ? 0 : listener.activeConnections();
  }

  public Future<Void> stopAccepting() {
    return listener == null ? Future.succeededFuture() : listener.stopAccepting();
  }

  public Future<Void> close() {
    Promise<Void> p = Promise.promise();
    control.runOnContext(v -> {
      if (pools != null) {
        pools.close();
      }
      Future<Void> l = listener == null ? Future.succeededFuture() : listener.close();
      l.compose(x -> client == null ? Future.succeededFuture() : client.close()).onComplete(p);
    });
    return p.future();
  }
}
