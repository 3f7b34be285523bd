package io.sslfarm.cluster.internal;

import com.hazelcast.map.MapStore;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Hazelcast's write-through hook for one durable map, on this member's {@link FileEntryStore}. Hazelcast calls it on
 * the partition owner of each key (partition threads, never a Vert.x event loop): {@code store}/{@code delete} before
 * a put/remove returns, {@code loadAllKeys}/{@code loadAll} when the map is created on a cold cluster (initial load
 * EAGER), {@code load} on a read miss. A corrupt file yields no value (the store logs and counts it).
 */
final class FileMapStore implements MapStore<String, String> {

  private final FileEntryStore files;
  private final Set<String> keysAtOpen;

  FileMapStore(FileEntryStore files, Set<String> keysAtOpen) {
    this.files = files;
    this.keysAtOpen = Set.copyOf(keysAtOpen);
  }

  @Override
  public void store(String key, String value) {
    files.write(key, value);
  }

  @Override
  public void storeAll(Map<String, String> map) {
    map.forEach(files::write);
  }

  @Override
  public void delete(String key) {
    files.delete(key);
  }

  @Override
  public void deleteAll(Collection<String> keys) {
    keys.forEach(files::delete);
  }

  @Override
  public String load(String key) {
    return files.read(key);
  }

  @Override
  public Map<String, String> loadAll(Collection<String> keys) {
    Map<String, String> out = new HashMap<>();
    for (String k : keys) {
      String v = files.read(k);
      if (v != null) {
        out.put(k, v);
      }
    }
    return out;
  }

  /** The keys found when the store was opened (verified, corrupt files excluded): what a cold cluster loads. */
  @Override
  public Iterable<String> loadAllKeys() {
    return keysAtOpen;
  }
}
