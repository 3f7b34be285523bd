package io.sslfarm.router;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sslfarm.router.upstream.Upstream;
import io.sslfarm.router.upstream.UpstreamPool;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Every meter of the router tier (prefix {@code sslfarm.router.}):
 *
 * <pre>
 * sslfarm.router.requests{route, pool, backend, status}     counter  status = 1xx..5xx; backend "-" if none picked
 * sslfarm.router.upstream.latency{pool, backend}            timer    request sent → response head received (histogram)
 * sslfarm.router.sticky{pool, outcome}                      counter  hit | new | restick | forged | stale | unknown
 * sslfarm.router.rejected{reason}                           counter  one per {@link RouterErrors.Reason}, e.g.
 *                                                                    upstream-queue-full | upstream-queue-timeout
 * sslfarm.router.headers.dropped{reason}                    counter  request headers not forwarded: underscore (a name
 *                                                                    with '_', router.headers-with-underscores: drop)
 * sslfarm.router.health.transitions{pool, backend, state}   counter  state = up | down
 * sslfarm.router.upstream.available{pool, backend}          gauge    1 = may serve, 0 = down/ejected
 * sslfarm.router.upstream.queued{pool, backend}             gauge    requests waiting for one of its connections
 * sslfarm.router.connections.active                         gauge    open downstream connections
 * </pre>
 *
 * Meters are created once per tag combination and cached, so the request path does one map lookup per meter.
 */
public final class RouterMetrics {

  public static final String PREFIX = "sslfarm.router.";

  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Boolean> gauges = new ConcurrentHashMap<>();

  public RouterMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public MeterRegistry registry() {
    return registry;
  }

  private record RequestKey(String route, String pool, String backend) {
  }

  private record BackendKey(String pool, String backend) {
  }

  private static final String[] STATUS_CLASSES = {"0xx", "1xx", "2xx", "3xx", "4xx", "5xx"};

  /** Per (route, pool, backend): one counter per status class, created on first use. */
  private final Map<RequestKey, Counter[]> requestCounters = new ConcurrentHashMap<>();
  private final Map<BackendKey, Timer> latencyTimers = new ConcurrentHashMap<>();

  public void request(String route, String pool, String backend, int status) {
    // the request path: a small key record (scalar-replaced by the JIT) instead of a concatenated string
    RequestKey key = new RequestKey(route, pool, backend);
    Counter[] byClass = requestCounters.get(key);
    if (byClass == null) {
      byClass = requestCounters.computeIfAbsent(key, k -> new Counter[STATUS_CLASSES.length]);
    }
    int i = status / 100;
    if (i < 0 || i >= STATUS_CLASSES.length) {
      i = 0;
    }
    Counter c = byClass[i];
    if (c == null) {
      String cls = STATUS_CLASSES[i];
      c = Counter.builder(PREFIX + "requests")
          .description("requests answered, by route, pool, backend and status class")
          .tags("route", route, "pool", pool, "backend", backend, "status", cls).register(registry);
      byClass[i] = c; // a benign race: the registry returns the same meter for the same id
    }
    c.increment();
  }

  public void upstreamLatency(String pool, String backend, long nanos) {
    BackendKey key = new BackendKey(pool, backend);
    Timer t = latencyTimers.get(key);
    if (t == null) {
      t = latencyTimers.computeIfAbsent(key, k -> Timer.builder(PREFIX + "upstream.latency")
          .description("time from sending the request upstream to receiving the response head")
          .tags("pool", pool, "backend", backend).publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
          .register(registry));
    }
    t.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  private final Map<String, Counter[]> stickyCounters = new ConcurrentHashMap<>();

  /** {@link #sticky(String, String)} without building a key per request: one counter per pool and outcome. */
  public void sticky(String pool, io.sslfarm.router.affinity.StickyDecision.Outcome outcome) {
    Counter[] byOutcome = stickyCounters.get(pool);
    if (byOutcome == null) {
      byOutcome = stickyCounters.computeIfAbsent(pool,
          k -> new Counter[io.sslfarm.router.affinity.StickyDecision.Outcome.values().length]);
    }
    Counter c = byOutcome[outcome.ordinal()];
    if (c == null) {
      c = Counter.builder(PREFIX + "sticky").description("sticky routing outcomes")
          .tags("pool", pool, "outcome", outcome.tag()).register(registry);
      byOutcome[outcome.ordinal()] = c; // a benign race: the registry returns the same meter for the same id
    }
    c.increment();
  }

  /** Sticky outcomes: hit, new (no binding yet), restick (bound backend unusable), forged, stale, unknown. */
  public void sticky(String pool, String outcome) {
    counter("sticky|" + pool + "|" + outcome, () -> Counter.builder(PREFIX + "sticky")
        .description("sticky routing outcomes").tags("pool", pool, "outcome", outcome).register(registry)).increment();
  }

  public void rejected(RouterErrors.Reason reason) {
    counter("rej|" + reason, () -> Counter.builder(PREFIX + "rejected")
        .description("requests or connections the router answered or closed by itself, by reason")
        .tag("reason", reason.tag()).register(registry)).increment();
  }

  /** {@code n} request headers not forwarded, e.g. reason {@code underscore}. */
  public void headersDropped(String reason, int n) {
    counter("hdrdrop|" + reason, () -> Counter.builder(PREFIX + "headers.dropped")
        .description("request headers the router did not forward, by reason")
        .tag("reason", reason).register(registry)).increment(n);
  }

  public void healthTransition(String pool, String backend, boolean up) {
    String state = up ? "up" : "down";
    counter("health|" + pool + "|" + backend + "|" + state, () -> Counter.builder(PREFIX + "health.transitions")
        .tags("pool", pool, "backend", backend, "state", state).register(registry)).increment();
  }

  /** Registers the availability gauges of a pool's backends (idempotent). */
  public void registerPool(UpstreamPool pool) {
    for (Upstream u : pool.upstreams()) {
      if (gauges.putIfAbsent(pool.name() + "|" + u.id(), Boolean.TRUE) == null) {
        Gauge.builder(PREFIX + "upstream.available", u, x -> x.available(System.nanoTime()) ? 1 : 0)
            .description("1 if the backend may serve requests").tags("pool", pool.name(), "backend", u.id())
            .register(registry);
        Gauge.builder(PREFIX + "upstream.queued", u, x -> x.queue().waiting())
            .description("requests waiting for a connection to the backend (router.upstream-queue-size)")
            .tags("pool", pool.name(), "backend", u.id()).register(registry);
      }
    }
  }

  private final java.util.concurrent.atomic.AtomicInteger websockets = new java.util.concurrent.atomic.AtomicInteger();
  private volatile Counter websocketUpgrades;

  /** A WebSocket was upgraded (the backend answered 101) and is relayed from now on. */
  public void websocketOpened() {
    Counter c = websocketUpgrades;
    if (c == null) {
      Gauge.builder(PREFIX + "websocket.active", websockets, java.util.concurrent.atomic.AtomicInteger::get)
          .description("open WebSocket connections").register(registry);
      c = Counter.builder(PREFIX + "websocket.upgrades").description("WebSocket upgrades the backends accepted")
          .register(registry);
      websocketUpgrades = c;
    }
    websockets.incrementAndGet();
    c.increment();
  }

  public void websocketClosed() {
    websockets.decrementAndGet();
  }

  public int activeWebsockets() {
    return websockets.get();
  }

  public void registerConnections(Supplier<Number> active) {
    Gauge.builder(PREFIX + "connections.active", active).description("open downstream connections")
        .strongReference(true).register(registry);
  }

  private Counter counter(String key, Supplier<Counter> make) {
    Counter c = counters.get(key);
    if (c == null) {
      c = counters.computeIfAbsent(key, k -> make.get());
    }
    return c;
  }
}
