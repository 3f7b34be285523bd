package io.sslfarm.cluster.internal;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local, always-readable mirror of an {@code IMap<String, String>} whose values are JSON documents decoded to
 * {@code T}. Kept current by an entry listener and reconciled by {@link #resync()} (listener events that raced the
 * initial load, or were lost while a member hung).
 *
 * <p>Listeners are called on Hazelcast event threads (in order per key), after the mirror changed; they must not block.
 */
final class MapMirror<T> {

  private static final Logger log = LoggerFactory.getLogger(MapMirror.class);

  /** Change callback: {@code current} is null on removal, {@code previous} null on addition. */
  interface Listener<T> {
    void changed(String key, T previous, T current);
  }

  private final IMap<String, String> map;
  private final Function<String, T> decode;
  private final ConcurrentHashMap<String, T> mirror = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<Listener<T>> listeners = new CopyOnWriteArrayList<>();
  private final RejectedValues rejected;
  private final UUID registration;

  MapMirror(IMap<String, String> map, Function<String, T> decode, RejectedValues rejected) {
    this.map = map;
    this.decode = decode;
    this.rejected = rejected;
    this.registration = map.addEntryListener(new Events(), true);
    resync();
  }

  Map<String, T> snapshot() {
    return Collections.unmodifiableMap(new HashMap<>(mirror));
  }

  T get(String key) {
    return mirror.get(key);
  }

  AutoCloseable addListener(Listener<T> l) {
    listeners.add(l);
    return () -> listeners.remove(l);
  }

  /** Reloads the whole map and applies the differences (blocking: cluster threads only). */
  void resync() {
    Map<String, T> fresh = new HashMap<>();
    for (Map.Entry<String, String> e : readAll().entrySet()) {
      T v = safeDecode(e.getKey(), e.getValue());
      if (v != null) {
        fresh.put(e.getKey(), v);
      }
    }
    for (Map.Entry<String, T> e : fresh.entrySet()) {
      apply(e.getKey(), e.getValue());
    }
    for (String k : mirror.keySet()) {
      if (!fresh.containsKey(k)) {
        apply(k, null);
      }
    }
  }

  /**
   * The map's entries, without the ones this member refuses to read. One bulk read; if a value in it is refused (the
   * deserialization filter, or not a String), entry by entry so that the others still load.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private Map<String, String> readAll() {
    IMap raw = map;
    Map<String, String> out = new HashMap<>();
    try {
      for (Object o : raw.entrySet()) {
        Map.Entry<?, ?> e = (Map.Entry<?, ?>) o;
        if (!(e.getKey() instanceof String) || !(e.getValue() instanceof String)) {
          throw new ClassCastException("not a String entry");
        }
        out.put((String) e.getKey(), (String) e.getValue());
      }
      return out;
    } catch (RuntimeException bulk) {
      out.clear();
    }
    for (Object k : raw.keySet()) {
      try {
        Object v = raw.get(k);
        if (k instanceof String key && v instanceof String json) {
          out.put(key, json);
        } else if (v != null) {
          rejected.recordWrongType(map.getName(), k, v);
        }
      } catch (RuntimeException e) {
        rejected.record(map.getName(), k, e);
      }
    }
    return out;
  }

  /** The event's value, or null (and counted) if this member refuses to read it. */
  private String value(EntryEvent<String, String> e) {
    Object v;
    try {
      v = ((EntryEvent<?, ?>) e).getValue();
    } catch (RuntimeException ex) {
      rejected.record(map.getName(), e.getKey(), ex);
      return null;
    }
    if (v == null || v instanceof String) {
      return (String) v;
    }
    rejected.recordWrongType(map.getName(), e.getKey(), v);
    return null;
  }

  private T safeDecode(String key, String json) {
    if (json == null) {
      return null;
    }
    try {
      return decode.apply(json);
    } catch (RuntimeException e) {
      log.warn("cluster map {}: entry {} is not readable, ignored: {}", map.getName(), key, e.getMessage());
      return null;
    }
  }

  private synchronized void apply(String key, T current) {
    T previous = current == null ? mirror.remove(key) : mirror.put(key, current);
    if (Objects.equals(previous, current)) {
      return;
    }
    for (Listener<T> l : listeners) {
      try {
        l.changed(key, previous, current);
      } catch (RuntimeException e) {
        log.warn("cluster map {}: listener failed on {}", map.getName(), key, e);
      }
    }
  }

  void close() {
    try {
      map.removeEntryListener(registration);
    } catch (RuntimeException ignored) {
      // the instance is going away
    }
  }

  private final class Events implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
      EntryRemovedListener<String, String>, EntryExpiredListener<String, String>,
      EntryEvictedListener<String, String>, com.hazelcast.map.listener.EntryMergedListener<String, String> {

    /** After a split heals, the surviving side's entries arrive as merge events. */
    @Override
    public void entryMerged(EntryEvent<String, String> e) {
      apply(e.getKey(), safeDecode(e.getKey(), value(e)));
    }

    @Override
    public void entryAdded(EntryEvent<String, String> e) {
      apply(e.getKey(), safeDecode(e.getKey(), value(e)));
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> e) {
      apply(e.getKey(), safeDecode(e.getKey(), value(e)));
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> e) {
      apply(e.getKey(), null);
    }

    @Override
    public void entryExpired(EntryEvent<String, String> e) {
      apply(e.getKey(), null);
    }

    @Override
    public void entryEvicted(EntryEvent<String, String> e) {
      apply(e.getKey(), null);
    }
  }
}
