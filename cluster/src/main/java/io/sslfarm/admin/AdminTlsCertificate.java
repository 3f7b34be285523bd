package io.sslfarm.admin;

import java.util.Objects;

/**
 * The admin port's TLS key and certificate, PEM.
 *
 * @param chainPem    the leaf first, then any intermediates
 * @param keyPem      the leaf's private key (PKCS#8, or PKCS#1/SEC1); never logged
 * @param description where they come from, for the start-up log line (a file name, "dev CA in …")
 */
public record AdminTlsCertificate(String chainPem, String keyPem, String description) {

  public AdminTlsCertificate {
    Objects.requireNonNull(chainPem, "chainPem");
    Objects.requireNonNull(keyPem, "keyPem");
    Objects.requireNonNull(description, "description");
  }

  @Override
  public String toString() {
    return "AdminTlsCertificate[" + description + "]"; // no key material
  }
}
