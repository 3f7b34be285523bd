package io.sslfarm.router.upstream;

import io.sslfarm.router.config.BackendSpec;
import io.sslfarm.router.config.PoolSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A pool's backends and policy. The backend list is an immutable snapshot swapped on config changes (on the control
 * context); {@link #pickNew} and {@link #byId} are lock-free reads safe on any event loop.
 */
public final class UpstreamPool {

  private record State(PoolSpec spec, List<Upstream> upstreams, Map<String, Upstream> byId) {
  }

  private final String name;
  private final UpstreamQueue.Limits limits;
  private volatile State state;

  UpstreamPool(PoolSpec spec, long nowNanos) {
    this(spec, nowNanos, UpstreamQueue.Limits.DEFAULT);
  }

  UpstreamPool(PoolSpec spec, long nowNanos, UpstreamQueue.Limits limits) {
    this.name = spec.name();
    this.limits = limits;
    List<Upstream> list = new ArrayList<>();
    for (BackendSpec b : spec.backends()) {
      list.add(new Upstream(name, b, nowNanos, limits));
    }
    this.state = state(spec, list);
  }

  private static State state(PoolSpec spec, List<Upstream> list) {
    Map<String, Upstream> m = new HashMap<>();
    list.forEach(u -> m.put(u.id(), u));
    return new State(spec, List.copyOf(list), Map.copyOf(m));
  }

  /** Applies a new spec: keeps the runtime state of backends whose id stays, adds new ones, retires removed ones. */
  void update(PoolSpec spec, long nowNanos) {
    State old = state;
    List<Upstream> list = new ArrayList<>();
    for (BackendSpec b : spec.backends()) {
      Upstream u = old.byId().get(b.id());
      if (u == null) {
        u = new Upstream(name, b, nowNanos, limits);
        u.startSlowStart(nowNanos); // a backend added at runtime ramps up like a returning one
      } else {
        u.update(b);
      }
      list.add(u);
    }
    State next = state(spec, list);
    for (Upstream u : old.upstreams()) {
      if (!next.byId().containsKey(u.id())) {
        u.markRemoved();
      }
    }
    state = next;
  }

  public String name() {
    return name;
  }

  public PoolSpec spec() {
    return state.spec();
  }

  public List<Upstream> upstreams() {
    return state.upstreams();
  }

  /** The configured backend with this id, or null (removed or never existed). */
  public Upstream byId(String id) {
    return state.byId().get(id);
  }

  /**
   * Picks a backend for a new session: weighted random over the backends that are up, not ejected and have weight
   * above 0 (slow start lowers a returning backend's weight). Stateless, so routers need no coordination.
   *
   * @param exclude a backend not to pick (e.g. the one that just failed), or null
   * @return null if no backend can take new sessions
   */
  public Upstream pickNew(long nowNanos, Upstream exclude) {
    State s = state;
    List<Upstream> list = s.upstreams();
    double total = 0;
    int n = list.size();
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      Upstream u = list.get(i);
      if (u != exclude && u.acceptsNew(nowNanos)) {
        w[i] = u.effectiveWeight(nowNanos, s.spec().slowStart());
        total += w[i];
      }
    }
    if (total <= 0) {
      return null;
    }
    double r = ThreadLocalRandom.current().nextDouble(total);
    for (int i = 0; i < n; i++) {
      if (w[i] > 0) {
        r -= w[i];
        if (r < 0) {
          return list.get(i);
        }
      }
    }
    for (int i = n - 1; i >= 0; i--) {
      if (w[i] > 0) {
        return list.get(i);
      }
    }
    return null;
  }
}
