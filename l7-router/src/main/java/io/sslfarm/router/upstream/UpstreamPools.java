package io.sslfarm.router.upstream;

import io.sslfarm.router.RouterMetrics;
import io.sslfarm.router.config.HealthSpec;
import io.sslfarm.router.config.PoolSpec;
import io.sslfarm.router.config.RouterFarmConfig;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All pools of a router, reconciled with each config snapshot, and their active health checks.
 *
 * <p>Threading: {@link #apply} and the health checks run on the control context given at construction (one thread at
 * a time); {@link #pool} is a lock-free read of an immutable map, safe on any event loop.
 */
public final class UpstreamPools implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(UpstreamPools.class);

  private final Vertx vertx;
  private final Context control;
  private final HttpClient client;
  private final RouterMetrics metrics;
  private final UpstreamQueue.Limits limits;
  private volatile Map<String, UpstreamPool> pools = Map.of();
  private final Map<String, Long> healthTimers = new HashMap<>();
  private final Map<String, HealthSpec> healthSpecs = new HashMap<>();
  private boolean closed;

  /**
   * @param control the context that runs reconciliation and health checks
   * @param client  the upstream client (health checks share its keep-alive pools)
   * @param limits  every backend's connection slots and wait queue
   */
  public UpstreamPools(Vertx vertx, Context control, HttpClient client, RouterMetrics metrics,
      UpstreamQueue.Limits limits) {
    this.vertx = vertx;
    this.limits = limits;
    this.control = control;
    this.client = client;
    this.metrics = metrics;
  }

  public UpstreamPool pool(String name) {
    return pools.get(name);
  }

  public Map<String, UpstreamPool> pools() {
    return pools;
  }

  /** Reconciles with a new config: call on the control context. */
  public void apply(RouterFarmConfig config) {
    if (closed) {
      return;
    }
    long now = System.nanoTime();
    Map<String, UpstreamPool> old = pools;
    Map<String, UpstreamPool> next = new HashMap<>();
    for (PoolSpec spec : config.pools().values()) {
      UpstreamPool p = old.get(spec.name());
      if (p == null) {
        p = new UpstreamPool(spec, now, limits);
      } else {
        p.update(spec, now);
      }
      next.put(spec.name(), p);
      metrics.registerPool(p);
    }
    for (UpstreamPool p : old.values()) {
      if (!next.containsKey(p.name())) {
        p.upstreams().forEach(Upstream::markRemoved);
      }
    }
    pools = Map.copyOf(next);
    reschedule(next);
  }

  private void reschedule(Map<String, UpstreamPool> next) {
    for (var it = healthTimers.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      UpstreamPool p = next.get(e.getKey());
      HealthSpec now = p == null ? null : p.spec().health().orElse(null);
      if (now == null || !now.equals(healthSpecs.get(e.getKey()))) {
        vertx.cancelTimer(e.getValue());
        healthSpecs.remove(e.getKey());
        it.remove();
      }
    }
    for (UpstreamPool p : next.values()) {
      HealthSpec h = p.spec().health().orElse(null);
      if (h == null) {
        // no active checks: backends count as up (passive ejection still applies)
        p.upstreams().forEach(u -> u.setHealthy(true, System.nanoTime()));
        continue;
      }
      if (!healthTimers.containsKey(p.name())) {
        long id = vertx.setPeriodic(h.interval().toMillis(), h.interval().toMillis(), t -> check(p.name()));
        healthTimers.put(p.name(), id);
        healthSpecs.put(p.name(), h);
      }
    }
  }

  private void check(String poolName) {
    UpstreamPool p = pools.get(poolName);
    if (p == null || closed) {
      return;
    }
    HealthSpec h = p.spec().health().orElse(null);
    if (h == null) {
      return;
    }
    for (Upstream u : p.upstreams()) {
      RequestOptions ro = new RequestOptions().setMethod(HttpMethod.GET).setServer(u.socketAddress())
          .setHost(u.spec().address().host()).setPort(u.spec().address().port()).setURI(h.path())
          .setTimeout(h.timeout().toMillis()).setConnectTimeout(h.timeout().toMillis());
      client.request(ro)
          .compose(req -> req.putHeader("User-Agent", "sslfarm-router-health").send())
          .compose(resp -> resp.body().map(b -> resp.statusCode()))
          .onComplete(ar -> control.runOnContext(v -> {
            boolean pass = ar.succeeded() && h.passes(ar.result());
            record(p, u, h, pass, ar.succeeded() ? "status " + ar.result() : String.valueOf(ar.cause()));
          }));
    }
  }

  private void record(UpstreamPool p, Upstream u, HealthSpec h, boolean pass, String detail) {
    long now = System.nanoTime();
    if (pass) {
      u.failures = 0;
      u.passes++;
      if (!u.healthy() && u.passes >= h.rise()) {
        u.setHealthy(true, now);
        LOG.info("upstream {} is UP ({} passes)", u, u.passes);
        metrics.healthTransition(p.name(), u.id(), true);
      }
    } else {
      u.passes = 0;
      u.failures++;
      if (u.healthy() && u.failures >= h.fall()) {
        u.setHealthy(false, now);
        LOG.warn("upstream {} is DOWN after {} failed checks (last: {})", u, u.failures, detail);
        metrics.healthTransition(p.name(), u.id(), false);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    healthTimers.values().forEach(vertx::cancelTimer);
    healthTimers.clear();
  }
}
