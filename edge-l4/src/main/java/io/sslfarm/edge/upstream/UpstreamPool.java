package io.sslfarm.edge.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.sslfarm.cluster.NodeDirectory;
import io.sslfarm.cluster.NodeDirectoryListener;
import io.sslfarm.cluster.NodeInfo;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.edge.EdgeMetrics;
import io.sslfarm.edge.EdgeOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SSL nodes this edge may send connections to: the registry's SSL nodes ({@link NodeDirectory}) joined with
 * this edge's own active health checks.
 *
 * <pre>
 *   registry event ─┐                      ┌─▶ candidates = ACTIVE ∧ weight &gt; 0 ∧ health UP
 *                   ├─▶ update thread ─────┤
 *   health change ──┘   (resolve, rebuild) └─▶ selector.update(snapshot)   (event loops only read it)
 * </pre>
 *
 * <p>Health is local to each edge. A node new to the registry is UNKNOWN and checked at once; its first success
 * makes it UP (so a scaled-out node takes traffic within one check), after which {@code fall} consecutive failures
 * take it DOWN and {@code rise} consecutive successes bring it back. A failed real connect triggers an immediate
 * extra check, so a dead node goes DOWN within about {@code fall} × connect time instead of waiting for the
 * interval. Each node's checks run on one event loop, so its counters need no lock.
 */
public final class UpstreamPool implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(UpstreamPool.class);

  private final NodeDirectory directory;
  private final UpstreamSelector selector;
  private final EdgeOptions options;
  private final EdgeMetrics metrics;
  private final EventLoopGroup group;
  private final HealthChecker checker;
  private final Map<String, Tracker> trackers = new ConcurrentHashMap<>();
  private final ExecutorService updater = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "edge-upstream-update");
    t.setDaemon(true);
    return t;
  });
  private volatile AutoCloseable listenerHandle;
  private volatile boolean closed;

  /** Health state of one node; touched only on {@link #loop}. */
  private final class Tracker {
    final Upstream upstream;
    final EventLoop loop;
    ScheduledFuture<?> task;
    boolean checking;
    int successes;
    int failures;

    Tracker(Upstream upstream, EventLoop loop) {
      this.upstream = upstream;
      this.loop = loop;
    }

    void runCheck() {
      if (checking || closed) {
        return;
      }
      checking = true;
      checker.check(loop, upstream.address()).addListener(f -> {
        checking = false;
        onResult(this, Boolean.TRUE.equals(f.getNow()));
      });
    }
  }

  public UpstreamPool(NodeDirectory directory, UpstreamSelector selector, EdgeOptions options, EdgeMetrics metrics,
                      EventLoopGroup group, ChannelFactory<? extends Channel> channelFactory) {
    this.directory = directory;
    this.selector = selector;
    this.options = options;
    this.metrics = metrics;
    this.group = group;
    this.checker = new HealthChecker(channelFactory, options.getHealthTimeout(), options.isHealthTls());
  }

  /** Subscribes to registry changes and starts checking the SSL nodes already registered. */
  public void start() {
    listenerHandle = directory.addListener(new NodeDirectoryListener() {
      @Override
      public void nodeUpdated(NodeInfo previous, NodeInfo current) {
        if (current.role() == NodeRole.SSL) {
          refreshSoon();
        }
      }

      @Override
      public void nodeRemoved(NodeInfo previous) {
        if (previous.role() == NodeRole.SSL) {
          refreshSoon();
        }
      }
    });
    refreshSoon();
  }

  private void refreshSoon() {
    if (!closed) {
      updater.execute(this::refresh);
    }
  }

  /** On the update thread: merges the registry snapshot into the trackers, then rebuilds the selector. */
  private void refresh() {
    if (closed) {
      return;
    }
    Set<String> seen = new HashSet<>();
    for (NodeInfo n : directory.nodes(NodeRole.SSL)) {
      InetSocketAddress address;
      try {
        address = new InetSocketAddress(n.dataHost(), n.dataPort()); // may resolve a name: never on an event loop
      } catch (IllegalArgumentException e) {
        log.warn("SSL node {} has a bad data address '{}': ignored", n.id(), n.dataAddress());
        continue;
      }
      if (address.isUnresolved()) {
        log.warn("SSL node {}: cannot resolve {}: ignored until it changes", n.id(), n.dataAddress());
        continue;
      }
      seen.add(n.id());
      Tracker t = trackers.get(n.id());
      if (t == null) {
        Upstream u = new Upstream(n.id(), address, n.weight());
        u.acceptsNew(n.acceptsNew());
        u.meters(metrics.node(n.id(), u::active, () -> u.health() == Upstream.Health.UP ? 1 : 0));
        Tracker nt = new Tracker(u, group.next());
        trackers.put(n.id(), nt);
        log.info("SSL node {} at {} joined (weight {}, {}): checking", n.id(), address, n.weight(), n.state());
        long interval = options.getHealthInterval().toMillis();
        nt.loop.execute(() -> nt.task = nt.loop.scheduleWithFixedDelay(nt::runCheck, 0, interval,
            TimeUnit.MILLISECONDS));
      } else {
        Upstream u = t.upstream;
        if (!u.address().equals(address)) {
          log.info("SSL node {} moved to {}", n.id(), address);
          u.address(address);
        }
        u.weight(n.weight());
        u.acceptsNew(n.acceptsNew());
      }
    }
    for (Tracker t : List.copyOf(trackers.values())) {
      if (!seen.contains(t.upstream.id())) {
        trackers.remove(t.upstream.id());
        t.loop.execute(() -> {
          if (t.task != null) {
            t.task.cancel(false);
          }
        });
        if (t.upstream.meters() != null) {
          t.upstream.meters().remove();
        }
        log.info("SSL node {} left the registry ({} open connections continue)", t.upstream.id(),
            t.upstream.active());
      }
    }
    rebuild();
  }

  /** On the update thread: publishes the candidates to the selector. */
  private void rebuild() {
    if (closed) {
      return;
    }
    List<Candidate> candidates = new ArrayList<>();
    trackers.values().stream().map(t -> t.upstream).sorted(Comparator.comparing(Upstream::id))
        .filter(u -> u.acceptsNew() && u.weight() > 0 && u.health() == Upstream.Health.UP)
        .forEach(u -> candidates.add(new Candidate(u, u.weight())));
    selector.update(candidates);
  }

  /** On the tracker's event loop. */
  private void onResult(Tracker t, boolean ok) {
    Upstream u = t.upstream;
    Upstream.Health before = u.health();
    Upstream.Health after = before;
    if (ok) {
      t.failures = 0;
      t.successes++;
      if (before == Upstream.Health.UNKNOWN || (before == Upstream.Health.DOWN && t.successes >= options.getHealthRise())) {
        after = Upstream.Health.UP;
      }
    } else {
      t.successes = 0;
      t.failures++;
      if (before != Upstream.Health.DOWN && t.failures >= options.getHealthFall()) {
        after = Upstream.Health.DOWN;
      }
    }
    if (after != before) {
      u.health(after);
      if (u.meters() != null) {
        u.meters().healthChanged(after == Upstream.Health.UP);
      }
      log.info("SSL node {} at {} is {} (was {})", u.id(), u.address(), after, before);
      refreshSoonRebuild();
    }
  }

  private void refreshSoonRebuild() {
    if (!closed) {
      updater.execute(this::rebuild);
    }
  }

  /**
   * Picks an upstream for a new connection (any event loop); counts the pick.
   *
   * @return null when no node is left outside {@code exclude}
   */
  public Upstream select(InetAddress client, Collection<Upstream> exclude) {
    Upstream u = selector.select(client, exclude);
    if (u != null && u.health() != Upstream.Health.UP) {
      // Went DOWN after the selector's snapshot was built and before the rebuild landed: skip it now.
      List<Upstream> skip = new ArrayList<>(exclude);
      for (int i = 0; u != null && u.health() != Upstream.Health.UP && i < 8; i++) {
        skip.add(u);
        u = selector.select(client, skip);
      }
      if (u != null && u.health() != Upstream.Health.UP) {
        u = null;
      }
    }
    if (u != null && u.meters() != null) {
      u.meters().picked();
    }
    return u;
  }

  /** A real connection to {@code u} failed to connect: check it again now rather than at the next interval. */
  public void connectFailed(Upstream u) {
    if (u.meters() != null) {
      u.meters().connectFailed();
    }
    Tracker t = trackers.get(u.id());
    if (t != null && t.upstream == u) {
      t.loop.execute(t::runCheck);
    }
  }

  /** The nodes currently known (for status pages and tests). */
  public List<Upstream> upstreams() {
    return trackers.values().stream().map(t -> t.upstream).sorted(Comparator.comparing(Upstream::id)).toList();
  }

  /** The node with this id, or null. */
  public Upstream upstream(String id) {
    Tracker t = trackers.get(id);
    return t == null ? null : t.upstream;
  }

  @Override
  public void close() {
    closed = true;
    AutoCloseable h = listenerHandle;
    if (h != null) {
      try {
        h.close();
      } catch (Exception e) {
        log.debug("removing the registry listener failed", e);
      }
    }
    for (Tracker t : trackers.values()) {
      t.loop.execute(() -> {
        if (t.task != null) {
          t.task.cancel(false);
        }
      });
      if (t.upstream.meters() != null) {
        t.upstream.meters().remove();
      }
    }
    trackers.clear();
    updater.shutdown();
    try {
      updater.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
