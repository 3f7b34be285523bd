package io.sslfarm.cluster;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The cluster's certificate store (records with sealed keys). Validation and sealing are the caller's job (module
 * {@code certs}); this is the replicated structure. {@link #snapshot()} is a local read, safe on an event loop.
 */
public interface CertificateTable {

  Map<String, CertificateRecord> snapshot();

  /**
   * Builds the record to store once its version is known: the version is part of what the key is sealed with, so
   * sealing happens here. Called on a cluster thread, possibly more than once (a compare-and-set retry); CPU only.
   */
  @FunctionalInterface
  interface RecordBuilder {
    /**
     * @param version   the version the record must carry
     * @param replacing true if a record with that id is stored now
     */
    CertificateRecord build(long version, boolean replacing);
  }

  /**
   * Stores or atomically replaces record {@code id}: its version is {@link CertificateRecord#nextVersion} of the stored
   * one, and {@code builder} makes the record with it. Completes with the stored record.
   */
  CompletionStage<CertificateRecord> put(String id, RecordBuilder builder);

  /** {@link #put(String, RecordBuilder)} of a record whose seal does not depend on its version (tests, tools). */
  default CompletionStage<CertificateRecord> put(CertificateRecord record) {
    return put(record.id(), (version, replacing) -> record.withVersion(version));
  }

  /**
   * Reports a record that a reader refused (does not open with its metadata, a version that does not increase, key
   * and leaf that do not match): counted in {@code sslfarm.cluster.values.rejected} and logged. Never blocks.
   */
  default void refused(String id, String reason) {
  }

  /** Removes a record; completes with false if there was none. */
  CompletionStage<Boolean> remove(String id);

  /**
   * Listens to changes. Called on a cluster thread after the snapshot changed, one call at a time; {@code current}
   * is null when the record was removed. The listener is first called once per existing record.
   */
  AutoCloseable addListener(CertificateTableListener listener);
}
