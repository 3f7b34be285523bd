package io.sslfarm.admin;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Issues the admin port's certificate from the farm's dev CA when no {@code admin.tls-cert-file} is configured. The
 * certs module provides it (the cluster module has no CA of its own); a node without one can use TLS only with
 * configured files.
 */
public interface AdminCertificateIssuer {

  /** No dev CA at all: {@code admin.tls: auto} stays plain HTTP, {@code on} needs the cert and key files. */
  AdminCertificateIssuer NONE = (names, create) -> Optional.empty();

  /**
   * A fresh key and a certificate for {@code names} (host names and IP literals), signed by the dev CA.
   *
   * @param create create the dev CA when it does not exist yet; false = empty when there is none
   * @return empty when there is no dev CA (and {@code create} is false, or this issuer has none)
   * @throws IOException when the CA exists but cannot be read, or cannot be created
   */
  Optional<AdminTlsCertificate> issue(List<String> names, boolean create) throws IOException;
}
