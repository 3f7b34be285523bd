package io.sslfarm.router.affinity;

import io.sslfarm.cluster.SessionTable;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process session table for a router that runs without a cluster (direct mode: {@code cluster.mode: none}, the
 * standalone benchmark router). Same contract as the cluster table, including the idle TTL, but visible to this
 * process only. Expired entries are dropped on access and by a sweep every 4096 writes.
 */
public final class LocalSessionTable implements SessionTable {

  private record Binding(String upstreamId, long lastAccessNanos) {
  }

  private final String name;
  private final Duration idleTtl;
  private final Map<String, Binding> map = new ConcurrentHashMap<>();
  private final AtomicInteger writes = new AtomicInteger();

  public LocalSessionTable(String name, Duration idleTtl) {
    this.name = name;
    this.idleTtl = idleTtl;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public CompletionStage<Optional<String>> lookup(String sessionId) {
    long now = System.nanoTime();
    Binding b = map.get(sessionId);
    if (b == null) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    if (now - b.lastAccessNanos() > idleTtl.toNanos()) {
      map.remove(sessionId, b);
      return CompletableFuture.completedFuture(Optional.empty());
    }
    map.replace(sessionId, b, new Binding(b.upstreamId(), now)); // reads refresh the idle clock
    return CompletableFuture.completedFuture(Optional.of(b.upstreamId()));
  }

  @Override
  public CompletionStage<Void> record(String sessionId, String upstreamId) {
    long now = System.nanoTime();
    map.put(sessionId, new Binding(upstreamId, now));
    if ((writes.incrementAndGet() & 4095) == 0) {
      map.entrySet().removeIf(e -> now - e.getValue().lastAccessNanos() > idleTtl.toNanos());
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<Void> remove(String sessionId) {
    map.remove(sessionId);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public Duration idleTtl() {
    return idleTtl;
  }

  public int size() {
    return map.size();
  }
}
