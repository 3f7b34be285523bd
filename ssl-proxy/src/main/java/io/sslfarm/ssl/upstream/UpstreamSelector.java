package io.sslfarm.ssl.upstream;

import io.sslfarm.cluster.NodeInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Chooses the L7 router for a new connection: among routers that accept new connections (ACTIVE, weight above 0),
 * the one with the fewest connections opened by this node (ties broken at random, so nodes do not herd). A router
 * whose connect failed is skipped for a back-off period unless no other router is left. Thread-safe; never blocks
 * ({@code routers} is the cluster's local snapshot).
 */
public final class UpstreamSelector {

  private final Supplier<List<NodeInfo>> routers;
  private final long backoffNanos;
  private final ConcurrentHashMap<String, AtomicInteger> active = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Long> failedUntil = new ConcurrentHashMap<>();

  public UpstreamSelector(Supplier<List<NodeInfo>> routers, Duration backoff) {
    this.routers = routers;
    this.backoffNanos = backoff.toNanos();
  }

  /** The router to try next, not one of {@code tried}; empty if none accepts new connections. */
  public Optional<NodeInfo> choose(Set<String> tried) {
    List<NodeInfo> candidates = routers.get().stream().filter(NodeInfo::acceptsNew)
        .filter(n -> !tried.contains(n.id())).toList();
    if (candidates.isEmpty()) {
      return Optional.empty();
    }
    long now = System.nanoTime();
    List<NodeInfo> healthy = candidates.stream().filter(n -> !inBackoff(n.id(), now)).toList();
    List<NodeInfo> pool = healthy.isEmpty() ? candidates : healthy;
    // one snapshot of the counts: every event loop opens and closes connections concurrently, and reading them twice
    // could leave no router at the minimum (nextInt(0) threw IllegalArgumentException under load)
    int[] counts = pool.stream().mapToInt(n -> activeTo(n.id())).toArray();
    int min = Integer.MAX_VALUE;
    for (int c : counts) {
      min = Math.min(min, c);
    }
    List<NodeInfo> least = new ArrayList<>();
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] == min) {
        least.add(pool.get(i));
      }
    }
    least.sort(Comparator.comparing(NodeInfo::id));
    return Optional.of(least.get(ThreadLocalRandom.current().nextInt(least.size())));
  }

  private boolean inBackoff(String id, long now) {
    Long until = failedUntil.get(id);
    return until != null && until - now > 0;
  }

  /** Connections this node has open to a router. */
  public int activeTo(String routerId) {
    AtomicInteger a = active.get(routerId);
    return a == null ? 0 : a.get();
  }

  public void opened(String routerId) {
    active.computeIfAbsent(routerId, k -> new AtomicInteger()).incrementAndGet();
    failedUntil.remove(routerId);
  }

  public void closed(String routerId) {
    AtomicInteger a = active.get(routerId);
    if (a != null) {
      a.decrementAndGet();
    }
  }

  public void connectFailed(String routerId) {
    failedUntil.put(routerId, System.nanoTime() + backoffNanos);
  }
}
