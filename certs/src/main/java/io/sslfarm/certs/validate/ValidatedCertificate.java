package io.sslfarm.certs.validate;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A chain and key that passed {@link CertificateValidator}. {@link #toString()} never shows the key.
 *
 * @param chain       leaf first, each certificate signed by the next
 * @param key         the leaf's private key
 * @param names       DNS names served (SAN DNS entries, wildcards included, lower case, no trailing dot; the CN only
 *                    when there is no SAN DNS entry)
 * @param notBefore   the leaf's validity start
 * @param notAfter    the leaf's validity end
 * @param fingerprint SHA-256 of the leaf's DER encoding, lower-case hex
 * @param warnings    non-fatal findings (expiring soon), one sentence each
 */
public record ValidatedCertificate(List<X509Certificate> chain, PrivateKey key, List<String> names, Instant notBefore,
                                   Instant notAfter, String fingerprint, List<String> warnings) {

  public ValidatedCertificate {
    chain = List.copyOf(chain);
    Objects.requireNonNull(key, "key");
    names = List.copyOf(names);
    warnings = List.copyOf(warnings);
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  @Override
  public String toString() {
    return "ValidatedCertificate[names=" + names + ", notAfter=" + notAfter + ", fingerprint=" + fingerprint + "]";
  }
}
