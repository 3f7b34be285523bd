package io.sslfarm.certs.sni;

import io.sslfarm.certs.CertificateRejectedException;
import io.sslfarm.certs.CertsMetrics;
import io.sslfarm.certs.store.CertificateOpener;
import io.sslfarm.certs.store.ServedCertificate;
import io.sslfarm.cluster.CertificateRecord;
import io.sslfarm.cluster.CertificateTable;
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
 * <p>A record that does not open (wrong master key, altered record, bad chain) is left out of the index, counted in
 * {@code sslfarm.certs.open.failures{cert, reason}}, logged once per id and version (never with key material), and
 * reported by {@link #failures()}; every other certificate is served as before.
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
      return before.with(c);
    } catch (CertificateRejectedException e) {
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
