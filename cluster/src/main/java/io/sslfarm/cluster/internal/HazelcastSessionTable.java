package io.sslfarm.cluster.internal;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.sslfarm.cluster.SessionTable;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A sticky-session table on an IMap with a per-entry max-idle and a near cache.
 *
 * <p>Trap: a read served by the near cache does not touch the entry on its owner, so an entry read only through near
 * caches would idle out while in use. Each hit therefore re-records the binding on the owner, at most once per quarter
 * of the idle TTL per session (tracked locally in a bounded map).
 */
final class HazelcastSessionTable implements SessionTable {

  private static final int MAX_TOUCH_TRACKED = 200_000;

  private final IMap<String, String> map;
  private final Duration idleTtl;
  private final ExecutorService io;
  private final ConcurrentHashMap<String, Long> lastTouch = new ConcurrentHashMap<>();

  HazelcastSessionTable(HazelcastInstance hz, String mapName, Duration idleTtl, ExecutorService io) {
    this.map = hz.getMap(mapName);
    this.idleTtl = idleTtl;
    this.io = io;
  }

  @Override
  public String name() {
    return map.getName();
  }

  @Override
  public CompletionStage<Optional<String>> lookup(String sessionId) {
    return HazelcastFarmCluster.async(io, () -> {
      String upstream = map.get(sessionId);
      if (upstream != null) {
        long now = System.nanoTime();
        Long last = lastTouch.get(sessionId);
        if (last == null || now - last > idleTtl.toNanos() / 4) {
          touch(sessionId, upstream, now);
        }
      }
      return Optional.ofNullable(upstream);
    });
  }

  private void touch(String sessionId, String upstream, long now) {
    if (lastTouch.size() > MAX_TOUCH_TRACKED) {
      lastTouch.clear();
    }
    lastTouch.put(sessionId, now);
    map.set(sessionId, upstream, 0, TimeUnit.SECONDS, idleTtl.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public CompletionStage<Void> record(String sessionId, String upstreamId) {
    return HazelcastFarmCluster.async(io, () -> {
      touch(sessionId, upstreamId, System.nanoTime());
      return null;
    });
  }

  @Override
  public CompletionStage<Void> remove(String sessionId) {
    return HazelcastFarmCluster.async(io, () -> {
      lastTouch.remove(sessionId);
      map.delete(sessionId);
      return null;
    });
  }

  /** Entries this member evicted for the size bound (local statistics: no cluster call). */
  long evictions() {
    return map.getLocalMapStats().getEvictionCount();
  }

  @Override
  public Duration idleTtl() {
    return idleTtl;
  }
}
