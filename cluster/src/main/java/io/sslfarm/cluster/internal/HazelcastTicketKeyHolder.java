package io.sslfarm.cluster.internal;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.sslfarm.cluster.SealedTicketKeys;
import io.sslfarm.cluster.TicketKeyHolder;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

/** The sealed ticket-key set: one entry of {@code sslfarm.ticket-keys}, replaced by compare-and-set on generation. */
final class HazelcastTicketKeyHolder implements TicketKeyHolder {

  private static final String KEY = "keys";

  private final IMap<String, String> map;
  private final ExecutorService io;
  private final MapMirror<SealedTicketKeys> mirror;
  private final RejectedValues rejected;

  HazelcastTicketKeyHolder(HazelcastInstance hz, ExecutorService io, RejectedValues rejected) {
    this.map = hz.getMap(HazelcastFarmCluster.TICKET_KEYS);
    this.io = io;
    this.rejected = rejected;
    this.mirror = new MapMirror<>(map, json -> SealedTicketKeys.fromJson(new JsonObject(json)), rejected);
  }

  @Override
  public Optional<SealedTicketKeys> current() {
    return Optional.ofNullable(mirror.get(KEY));
  }

  @Override
  public CompletionStage<Boolean> compareAndSet(long expectedGeneration, SealedTicketKeys next) {
    return HazelcastFarmCluster.async(io, () -> {
      String old = map.get(KEY);
      String json = next.toJson().encode();
      if (old == null) {
        return expectedGeneration == 0 && map.putIfAbsent(KEY, json) == null;
      }
      if (SealedTicketKeys.fromJson(new JsonObject(old)).generation() != expectedGeneration) {
        return false;
      }
      return map.replace(KEY, old, json);
    });
  }

  @Override
  public void refused(SealedTicketKeys value, String reason) {
    rejected.recordSealed(HazelcastFarmCluster.TICKET_KEYS, KEY, "generation " + value.generation() + ": " + reason);
  }

  @Override
  public AutoCloseable addListener(Consumer<SealedTicketKeys> listener) {
    AutoCloseable handle = mirror.addListener((k, previous, current) -> {
      if (current != null) {
        listener.accept(current);
      }
    });
    current().ifPresent(listener);
    return handle;
  }

  /** Reloads the local mirror after a cluster merge (blocking: cluster threads only). */
  void resyncAfterMerge() {
    mirror.resync();
  }
}
