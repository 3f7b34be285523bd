package io.sslfarm.cluster;

/** Certificate store changes; see {@link CertificateTable#addListener}. Must not block. */
@FunctionalInterface
public interface CertificateTableListener {

  /** {@code current} is null when {@code id} was removed. */
  void certificateChanged(String id, CertificateRecord current);
}
