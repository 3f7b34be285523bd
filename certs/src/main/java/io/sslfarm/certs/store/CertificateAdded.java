package io.sslfarm.certs.store;

import java.util.List;

/**
 * The result of a successful add.
 *
 * @param certificate the stored certificate (its new version)
 * @param warnings    non-fatal findings, e.g. expiring soon
 * @param replaced    true if a certificate with that id existed before
 */
public record CertificateAdded(CertificateSummary certificate, List<String> warnings, boolean replaced) {

  public CertificateAdded {
    warnings = List.copyOf(warnings);
  }
}
