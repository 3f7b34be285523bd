package io.sslfarm.cluster.internal;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.MapEvent;
import com.hazelcast.map.IMap;
import io.sslfarm.cluster.FarmConfig;
import io.sslfarm.cluster.FarmConfigFeed;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Farm config on an IMap (section name → JSON, a few small entries, with a backup), mirrored in an immutable local
 * {@link FarmConfig} snapshot: tiers read {@link #current()} without touching the cluster. Each change rebuilds the
 * snapshot and hands it to listeners one at a time on a dedicated thread.
 *
 * <p>Not a ReplicatedMap, although that would keep a full copy on every member: a member that joins or restarts gets a
 * ReplicatedMap's entries by a background replication sync that fires no entry event and, under load, was seen to
 * leave a restarted router with pools but no routes (503 for half the requests of a rolling restart, in the
 * Testcontainers suite). An IMap's listener is registered before the first read, so no change is missed; after a split
 * heals {@link #resyncAfterMerge()} re-reads it, and a re-read every {@link #RESYNC_MILLIS} ms is the safety net.
 */
final class HazelcastConfigFeed implements FarmConfigFeed {

  private static final Logger log = LoggerFactory.getLogger(HazelcastConfigFeed.class);

  private final IMap<String, String> map;
  private final ExecutorService io;
  static final long RESYNC_MILLIS = 5000;
  private final ScheduledExecutorService notifier = Executors.newSingleThreadScheduledExecutor(
      HazelcastFarmCluster.daemon("sslfarm-config-events"));
  private final HazelcastInstance hz;
  private final CopyOnWriteArrayList<Consumer<FarmConfig>> listeners = new CopyOnWriteArrayList<>();
  private volatile FarmConfig current;

  HazelcastConfigFeed(HazelcastInstance hz, ExecutorService io) {
    this.map = hz.getMap(HazelcastFarmCluster.CONFIG);
    this.io = io;
    this.hz = hz;
    map.addEntryListener(new EntryListener<String, String>() {
      @Override
      public void entryAdded(EntryEvent<String, String> e) {
        changed();
      }

      @Override
      public void entryUpdated(EntryEvent<String, String> e) {
        changed();
      }

      @Override
      public void entryRemoved(EntryEvent<String, String> e) {
        changed();
      }

      @Override
      public void entryEvicted(EntryEvent<String, String> e) {
        changed();
      }

      @Override
      public void entryExpired(EntryEvent<String, String> e) {
        changed();
      }

      @Override
      public void mapCleared(MapEvent e) {
        changed();
      }

      @Override
      public void mapEvicted(MapEvent e) {
        changed();
      }
    }, false);
    this.current = read();
    notifier.scheduleWithFixedDelay(this::resync, RESYNC_MILLIS, RESYNC_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void resync() {
    if (!hz.getLifecycleService().isRunning()) {
      notifier.shutdown();
      return;
    }
    try {
      publishIfChanged();
    } catch (RuntimeException e) {
      log.debug("farm config resync: {}", e.toString());
    }
  }

  private FarmConfig read() {
    Map<String, JsonObject> sections = new TreeMap<>();
    for (Map.Entry<String, String> e : map.entrySet()) {
      try {
        sections.put(e.getKey(), new JsonObject(e.getValue()));
      } catch (RuntimeException ex) {
        log.warn("farm config section {} is not valid JSON, ignored", e.getKey());
      }
    }
    return new FarmConfig(sections);
  }

  private void changed() {
    notifier.execute(this::publishIfChanged);
  }

  /** On the notifier thread. */
  private void publishIfChanged() {
    FarmConfig next = read();
    if (next.equals(current)) {
      return;
    }
    current = next;
    for (Consumer<FarmConfig> l : listeners) {
      try {
        l.accept(next);
      } catch (RuntimeException e) {
        log.warn("farm config listener failed", e);
      }
    }
  }

  @Override
  public FarmConfig current() {
    return current;
  }

  @Override
  public CompletionStage<Void> apply(FarmConfig config) {
    return HazelcastFarmCluster.async(io, () -> {
      config.sections().forEach((k, v) -> map.put(k, v.encode()));
      return null;
    });
  }

  @Override
  public CompletionStage<Void> removeSection(String name) {
    return HazelcastFarmCluster.async(io, () -> {
      map.remove(name);
      return null;
    });
  }

  @Override
  public AutoCloseable addListener(Consumer<FarmConfig> listener) {
    listeners.add(listener);
    notifier.execute(() -> listener.accept(current));
    return () -> listeners.remove(listener);
  }

  /** Re-reads the config after a cluster merge. */
  void resyncAfterMerge() {
    changed();
  }
}
