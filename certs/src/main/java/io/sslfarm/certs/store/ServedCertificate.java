package io.sslfarm.certs.store;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A stored certificate opened on this node, ready for a TLS engine. Holds the private key in clear:
 * {@link #toString()} never shows it; never log it.
 *
 * @param id          certificate id
 * @param key         the leaf's private key
 * @param chain       leaf first
 * @param names       DNS names (wildcards included), lower case
 * @param version     the record version it was opened from
 * @param notAfter    the leaf's validity end, epoch millis
 * @param fingerprint SHA-256 of the leaf, hex
 */
public record ServedCertificate(String id, PrivateKey key, X509Certificate[] chain, List<String> names, long version,
                                long notAfter, String fingerprint) {

  public ServedCertificate {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(key, "key");
    chain = chain.clone();
    if (chain.length == 0) {
      throw new IllegalArgumentException("empty chain");
    }
    names = List.copyOf(names);
  }

  /** A copy of the chain (leaf first). */
  @Override
  public X509Certificate[] chain() {
    return chain.clone();
  }

  public X509Certificate leaf() {
    return chain[0];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServedCertificate s && s.id.equals(id) && s.version == version
        && Objects.equals(s.fingerprint, fingerprint);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, version, fingerprint);
  }

  @Override
  public String toString() {
    return "ServedCertificate[id=" + id + ", version=" + version + ", names=" + names + "]";
  }
}
