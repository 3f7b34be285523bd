package io.sslfarm.cluster;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The cluster's certificate store (records with sealed keys). Validation and sealing are the caller's job (module
 * {@code certs}); this is the replicated structure. {@link #snapshot()} is a local read, safe on an event loop.
 */
public interface CertificateTable {

  Map<String, CertificateRecord> snapshot();

  /** Stores or atomically replaces a record; the stored version is the previous one + 1. */
  CompletionStage<CertificateRecord> put(CertificateRecord record);

  /** Removes a record; completes with false if there was none. */
  CompletionStage<Boolean> remove(String id);

  /**
   * Listens to changes. Called on a cluster thread after the snapshot changed, one call at a time; {@code current}
   * is null when the record was removed. The listener is first called once per existing record.
   */
  AutoCloseable addListener(CertificateTableListener listener);
}
