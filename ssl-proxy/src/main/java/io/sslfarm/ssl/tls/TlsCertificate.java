package io.sslfarm.ssl.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * A certificate the tier serves: key, chain (leaf first), and a version that changes whenever the content does.
 * Contexts are cached per {@code (id, version)}.
 */
public record TlsCertificate(String id, PrivateKey key, X509Certificate[] chain, long version) {

  public TlsCertificate {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(chain, "chain");
    if (chain.length == 0) {
      throw new IllegalArgumentException("empty chain for certificate " + id);
    }
  }

  /** The cache key of contexts built from this certificate. */
  public String cacheKey() {
    return id + "#" + version;
  }
}
