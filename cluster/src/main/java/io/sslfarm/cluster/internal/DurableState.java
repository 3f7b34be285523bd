package io.sslfarm.cluster.internal;

import com.hazelcast.config.Config;
import com.hazelcast.config.MapStoreConfig;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.MapEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.map.listener.MapClearedListener;
import io.sslfarm.cluster.CorruptStateException;
import io.sslfarm.cluster.DurableStateOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The farm's durable state on this member's disk: certificates (values already sealed), farm config, node weights and
 * drain state, one {@link FileEntryStore} directory per map under {@link DurableStateOptions#dir()}. The sticky table,
 * the node registry, loads, leases and ticket keys stay in memory only.
 *
 * <pre>
 *   open()       verify every file ── corrupt? ── refuse: CorruptStateException naming the files
 *                                            └── skip: log each file, rename to *.corrupt, count
 *   configure()  MapStore per map: write-through (write delay 0), initial load EAGER
 *   attach()     every member: entry listener → own disk (a full copy on every member, not only the owner's
 *                partitions); then align the own copy with the cluster's (a joining member takes the farm's state)
 * </pre>
 *
 * <p>Why both: Hazelcast calls a MapStore only on the key's partition owner, so with the MapStore alone each member's
 * disk would hold just the partitions it owned, and the first member of a cold restart would load only those. The
 * listener gives every member the whole state; the MapStore makes the owner's write synchronous (the put returns after
 * the file is on disk) and does the cold-start load. Listener events arrive per key in order, so the last write wins.
 */
final class DurableState {

  private static final Logger log = LoggerFactory.getLogger(DurableState.class);

  static final List<String> MAPS = List.of(HazelcastFarmCluster.CERTS, HazelcastFarmCluster.CONFIG,
      HazelcastNodeDirectory.NODE_SETTINGS);

  private final DurableStateOptions options;
  private final Map<String, FileEntryStore> stores = new LinkedHashMap<>();
  private final Map<String, FileMapStore> mapStores = new LinkedHashMap<>();
  private final AtomicLong corrupt = new AtomicLong();

  private DurableState(DurableStateOptions options) {
    this.options = options;
  }

  /** Opens and verifies the store; blocking file I/O, before Hazelcast starts. */
  static DurableState open(DurableStateOptions options) {
    DurableState s = new DurableState(options);
    if (!options.enabled()) {
      return s;
    }
    List<FileEntryStore.Corrupt> bad = new ArrayList<>();
    Map<String, FileEntryStore.Contents> contents = new LinkedHashMap<>();
    try {
      for (String map : MAPS) {
        FileEntryStore store = new FileEntryStore(options.dir().resolve(map), s.corrupt);
        FileEntryStore.Contents c = store.scan();
        s.stores.put(map, store);
        contents.put(map, c);
        bad.addAll(c.corrupt());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("durable state: cannot open " + options.dir() + ": " + e.getMessage(), e);
    }
    if (!bad.isEmpty()) {
      s.corrupt.addAndGet(bad.size());
      if (options.onCorrupt() == DurableStateOptions.OnCorrupt.REFUSE) {
        String files = bad.stream().map(Object::toString).collect(Collectors.joining(", "));
        throw new CorruptStateException("durable state: " + bad.size() + " corrupt store file(s): " + files
            + ". Remove or restore them (the farm's other members hold a copy), or set cluster.state.on-corrupt: skip"
            + " to start without those entries", bad.stream().map(FileEntryStore.Corrupt::file).toList());
      }
      for (FileEntryStore.Corrupt c : bad) {
        try {
          Path aside = s.storeOf(c.file()).quarantine(c.file());
          log.error("durable state: corrupt store file {} ({}): not loaded, kept as {}", c.file(), c.reason(), aside);
        } catch (IOException e) {
          log.error("durable state: corrupt store file {} ({}): not loaded; cannot rename it: {}", c.file(),
              c.reason(), e.toString());
        }
      }
    }
    contents.forEach((map, c) -> {
      s.mapStores.put(map, new FileMapStore(s.stores.get(map), c.entries().keySet()));
      log.info("durable state: {} entries of {} on disk in {}", c.entries().size(), map, s.stores.get(map).dir());
    });
    return s;
  }

  private FileEntryStore storeOf(Path file) {
    return stores.values().stream().filter(st -> file.startsWith(st.dir())).findFirst().orElseThrow();
  }

  boolean enabled() {
    return options.enabled();
  }

  /** Corrupt store files seen since start (at open, and on later reads). */
  long corruptFiles() {
    return corrupt.get();
  }

  /** Adds write-through and initial load to the durable maps' configs (call after the maps' own configs). */
  void configure(Config cfg) {
    mapStores.forEach((map, store) -> cfg.getMapConfig(map).setMapStoreConfig(new MapStoreConfig()
        .setEnabled(true).setImplementation(store).setWriteDelaySeconds(0)
        .setInitialLoadMode(MapStoreConfig.InitialLoadMode.EAGER)));
  }

  /** Keeps this member's copy of every durable map complete and current (blocking: the cluster start thread). */
  void attach(HazelcastInstance hz) {
    stores.forEach((name, store) -> {
      IMap<String, String> map = hz.getMap(name);
      map.addEntryListener(new Replica(store), true);
      align(name, map, store);
    });
  }

  private void align(String name, IMap<String, String> map, FileEntryStore store) {
    int written = 0;
    int removed = 0;
    Map<String, String> cluster = Map.copyOf(map);
    for (Map.Entry<String, String> e : cluster.entrySet()) {
      if (!e.getValue().equals(store.read(e.getKey()))) {
        store.write(e.getKey(), e.getValue());
        written++;
      }
    }
    try {
      FileEntryStore.Contents local = store.scan();
      for (String key : local.entries().keySet()) {
        if (!cluster.containsKey(key) && !map.containsKey(key)) {
          store.delete(key);
          removed++;
        }
      }
    } catch (IOException e) {
      log.warn("durable state: cannot list {}: {}", store.dir(), e.toString());
    }
    if (written + removed > 0) {
      log.info("durable state: {} aligned with the cluster ({} written, {} removed)", name, written, removed);
    }
  }

  /** Mirrors every change of one map (all partitions) to this member's disk, on Hazelcast event threads. */
  private record Replica(FileEntryStore store) implements EntryAddedListener<String, String>,
      EntryUpdatedListener<String, String>, EntryRemovedListener<String, String>, EntryMergedListener<String, String>,
      MapClearedListener {

    @Override
    public void entryAdded(EntryEvent<String, String> e) {
      write(e);
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> e) {
      write(e);
    }

    /** After a split heals, the entries the merge policy kept on this side. */
    @Override
    public void entryMerged(EntryEvent<String, String> e) {
      if (e.getValue() != null) {
        write(e);
      }
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> e) {
      try {
        store.delete(e.getKey());
      } catch (UncheckedIOException ex) {
        log.error("durable state: {}", ex.getMessage());
      }
    }

    @Override
    public void mapCleared(MapEvent e) {
      try {
        store.scan().entries().keySet().forEach(store::delete);
      } catch (IOException | UncheckedIOException ex) {
        log.error("durable state: cannot clear {}: {}", store.dir(), ex.getMessage());
      }
    }

    private void write(EntryEvent<String, String> e) {
      try {
        store.write(e.getKey(), e.getValue());
      } catch (UncheckedIOException ex) {
        log.error("durable state: {}", ex.getMessage());
      }
    }
  }
}
