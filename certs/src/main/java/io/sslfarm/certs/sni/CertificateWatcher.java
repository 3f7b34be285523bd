package io.sslfarm.certs.sni;

import io.sslfarm.certs.CertificateRejectedException;
import io.sslfarm.certs.CertsMetrics;
import io.sslfarm.certs.store.CertificateOpener;
import io.sslfarm.certs.store.ServedCertificate;
import io.sslfarm.cluster.CertificateRecord;
import io.sslfarm.cluster.CertificateTable;
import io.sslfarm.cluster.seal.SealException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an {@link SniIndex} of the cluster's certificates opened with this node's master key, on every SSL node.
 *
 * <pre>
 *   CertificateTable event (cluster thread) ─▶ open record (unseal key) ─▶ new SniIndex ─▶ volatile swap ─▶ listeners
 * </pre>
 *
 * <p>A record that does not open (wrong master key, altered record or metadata, bad chain, key not the leaf's) is left
 * out of the index, counted in {@code sslfarm.certs.open.failures{cert, reason}}, logged once per id and version
 * (never with key material), and reported by {@link #failures()}; every other certificate is served as before.
 *
 * <p>Versions only go up: the watcher remembers, per id, the highest version it accepted, also after the id was
 * removed. A record whose version is not above it (an older or removed record put back by a writer on the cluster
 * port; the version is bound into the seal, so it cannot be raised) is refused with reason {@code replayed}, reported
 * to {@link CertificateTable#refused}, and what was served stays served. A certificate added again after a removal
 * gets a creation-time version (see {@link CertificateRecord#nextVersion}), above any earlier one. There is no upper
 * bound on a version step: only a master-key holder can seal a version, and a table may legitimately skip many.
 *
 * <p>Threading: {@link #current()} is a volatile read, safe on event loops. Changes are applied one at a time on the
 * cluster thread that delivers them; {@link #start()} replays the existing records on the calling thread, so call it
 * off event loops.
 */
public final class CertificateWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(CertificateWatcher.class);

  private final CertificateTable table;
  private final CertificateOpener opener;
  private final CertsMetrics metrics;
  private final CopyOnWriteArrayList<SniIndexListener> listeners = new CopyOnWriteArrayList<>();
  private final Map<String, Failure> failures = new ConcurrentHashMap<>();
  /** Highest version accepted per id, kept after removal (guarded by this). */
  private final Map<String, Long> highestAccepted = new java.util.HashMap<>();
  private volatile SniIndex current;
  private AutoCloseable registration;

  /** Why a stored certificate is not served on this node. */
  public record Failure(long version, CertificateRejectedException.Reason reason, String message) {
  }

  public CertificateWatcher(CertificateTable table, CertificateOpener opener, String defaultId, CertsMetrics metrics) {
    this.table = Objects.requireNonNull(table, "table");
    this.opener = Objects.requireNonNull(opener, "opener");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.current = SniIndex.empty(defaultId);
  }

  /** Subscribes to the table (existing records are opened first). Idempotent. */
  public synchronized CertificateWatcher start() {
    if (registration == null) {
      registration = table.addListener(this::certificateChanged);
    }
    return this;
  }

  /** The index now in force. */
  public SniIndex current() {
    return current;
  }

  /** Certificates stored in the cluster that this node could not open: id → why. */
  public Map<String, Failure> failures() {
    return Map.copyOf(failures);
  }

  /** Adds a listener; returns a handle that removes it. See {@link SniIndexListener} for the threading contract. */
  public AutoCloseable addListener(SniIndexListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  private synchronized void certificateChanged(String id, CertificateRecord record) {
    SniIndex before = current;
    SniIndex next;
    if (record == null) {
      failures.remove(id);
      metrics.expiryRemoved(id);
      next = before.without(id);
      if (next != before) {
        log.info("certificate {} removed from this node", id);
      }
    } else {
      metrics.expiry(id, record.notAfter());
      ServedCertificate have = before.byId(id).orElse(null);
      if (have != null && have.version() == record.version() && Objects.equals(have.fingerprint(),
          record.fingerprint())) {
        return; // a replayed event for what is already served
      }
      Long highest = highestAccepted.get(id);
      if (highest != null && record.version() <= highest) {
        refuseReplay(record, highest);
        return;
      }
      next = open(record, before);
    }
    if (next == before) {
      return;
    }
    current = next;
    metrics.served(next.size());
    for (SniIndexListener l : listeners) {
      try {
        l.indexChanged(next);
      } catch (RuntimeException e) {
        log.warn("SNI index listener failed: {}", e.toString());
      }
    }
  }

  private SniIndex open(CertificateRecord record, SniIndex before) {
    String id = record.id();
    try {
      ServedCertificate c = opener.open(record);
      if (failures.remove(id) != null) {
        log.info("certificate {} version {} opens again on this node", id, record.version());
      }
      log.info("certificate {} version {} now served for {}", id, record.version(), record.names());
      highestAccepted.merge(id, record.version(), Math::max);
      return before.with(c);
    } catch (CertificateRejectedException e) {
      if (!(e.getCause() instanceof SealException se && se.kind() == SealException.Kind.OTHER_KEY)) {
        table.refused(id, e.getMessage()); // altered, swapped or replayed: a rogue write, not a misconfigured node
      }
      Failure f = new Failure(record.version(), e.reason(), e.getMessage());
      Failure old = failures.put(id, f);
      metrics.openFailure(id, e.reason());
      if (old == null || old.version() != f.version() || !old.message().equals(f.message())) {
        log.error("{} (not served on this node)", e.getMessage());
      }
      return before.without(id);
    } catch (RuntimeException e) {
      Failure f = new Failure(record.version(), CertificateRejectedException.Reason.UNSEALABLE,
          "certificate '" + id + "': cannot be opened (" + e.getClass().getSimpleName() + ")");
      if (failures.put(id, f) == null) {
        log.error("{} (not served on this node)", f.message());
      }
      metrics.openFailure(id, f.reason());
      return before.without(id);
    }
  }

  /** A record not newer than one accepted: refused, what is served stays served. */
  private void refuseReplay(CertificateRecord record, long highest) {
    String id = record.id();
    String message = "certificate '" + id + "' (version " + record.version() + "): not newer than version " + highest
        + " accepted on this node (an older or removed record put back?); refused";
    table.refused(id, message);
    metrics.openFailure(id, CertificateRejectedException.Reason.REPLAYED);
    Failure f = new Failure(record.version(), CertificateRejectedException.Reason.REPLAYED, message);
    Failure old = failures.put(id, f);
    if (old == null || old.version() != f.version() || !old.message().equals(f.message())) {
      log.error("{}", message);
    }
  }

  @Override
  public synchronized void close() {
    if (registration != null) {
      try {
        registration.close();
      } catch (Exception e) {
        log.debug("closing certificate listener: {}", e.toString());
      }
      registration = null;
    }
  }
}
