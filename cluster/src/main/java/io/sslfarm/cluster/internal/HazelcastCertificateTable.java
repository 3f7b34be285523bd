package io.sslfarm.cluster.internal;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.sslfarm.cluster.CertificateRecord;
import io.sslfarm.cluster.CertificateTable;
import io.sslfarm.cluster.CertificateTableListener;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;

/** Certificates on {@code IMap<String, String>} (id → record JSON with the key sealed). Replacement is a CAS loop. */
final class HazelcastCertificateTable implements CertificateTable {

  private final IMap<String, String> map;
  private final ExecutorService io;
  private final MapMirror<CertificateRecord> mirror;
  private final RejectedValues rejected;

  HazelcastCertificateTable(HazelcastInstance hz, ExecutorService io, RejectedValues rejected) {
    this.map = hz.getMap(HazelcastFarmCluster.CERTS);
    this.io = io;
    this.rejected = rejected;
    this.mirror = new MapMirror<>(map, json -> CertificateRecord.fromJson(new JsonObject(json)), rejected);
  }

  @Override
  public Map<String, CertificateRecord> snapshot() {
    return mirror.snapshot();
  }

  @Override
  public CompletionStage<CertificateRecord> put(String id, RecordBuilder builder) {
    return HazelcastFarmCluster.async(io, () -> {
      for (int attempt = 0; attempt < 100; attempt++) {
        String old = map.get(id);
        CertificateRecord previous = null;
        if (old != null) {
          try {
            previous = CertificateRecord.fromJson(new JsonObject(old));
          } catch (RuntimeException e) {
            previous = null; // unreadable: replaced like an absent one (a creation-time version)
          }
        }
        CertificateRecord next = builder.build(CertificateRecord.nextVersion(previous, System.currentTimeMillis()),
            old != null);
        if (!next.id().equals(id)) {
          throw new IllegalArgumentException("record for " + next.id() + " stored as " + id);
        }
        String json = next.toJson().encode();
        boolean stored = old == null ? map.putIfAbsent(id, json) == null : map.replace(id, old, json);
        if (stored) {
          return next;
        }
      }
      throw new IllegalStateException("certificate " + id + " kept changing; replacement abandoned");
    });
  }

  @Override
  public void refused(String id, String reason) {
    rejected.recordSealed(HazelcastFarmCluster.CERTS, id, reason);
  }

  @Override
  public CompletionStage<Boolean> remove(String id) {
    return HazelcastFarmCluster.async(io, () -> map.remove(id) != null);
  }

  @Override
  public AutoCloseable addListener(CertificateTableListener listener) {
    AutoCloseable handle = mirror.addListener((id, previous, current) -> listener.certificateChanged(id, current));
    mirror.snapshot().forEach(listener::certificateChanged);
    return handle;
  }

  /** Reloads the local mirror after a cluster merge (blocking: cluster threads only). */
  void resyncAfterMerge() {
    mirror.resync();
  }
}
