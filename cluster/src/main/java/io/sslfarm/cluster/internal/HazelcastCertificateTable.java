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

  HazelcastCertificateTable(HazelcastInstance hz, ExecutorService io, RejectedValues rejected) {
    this.map = hz.getMap(HazelcastFarmCluster.CERTS);
    this.io = io;
    this.mirror = new MapMirror<>(map, json -> CertificateRecord.fromJson(new JsonObject(json)), rejected);
  }

  @Override
  public Map<String, CertificateRecord> snapshot() {
    return mirror.snapshot();
  }

  @Override
  public CompletionStage<CertificateRecord> put(CertificateRecord record) {
    return HazelcastFarmCluster.async(io, () -> {
      for (int attempt = 0; attempt < 100; attempt++) {
        String old = map.get(record.id());
        long version = old == null ? 1 : CertificateRecord.fromJson(new JsonObject(old)).version() + 1;
        CertificateRecord next = record.withVersion(version);
        String json = next.toJson().encode();
        boolean stored = old == null ? map.putIfAbsent(record.id(), json) == null : map.replace(record.id(), old, json);
        if (stored) {
          return next;
        }
      }
      throw new IllegalStateException("certificate " + record.id() + " kept changing; replacement abandoned");
    });
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
