package io.sslfarm.certs.gen;

import io.sslfarm.certs.gen.internal.X509Builder;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Plain self-signed server certificates (no CA): for tests and a quick `certs gen --self-signed`. */
public final class SelfSigned {

  private SelfSigned() {
  }

  /** A self-signed certificate for {@code names} valid from an hour ago for {@code validity}. */
  public static GeneratedCertificate generate(List<String> names, Duration validity, KeyType keyType) {
    Instant now = Instant.now();
    return generate(names, now.minus(DevCa.CLOCK_SKEW), now.plus(validity), keyType);
  }

  /** A self-signed certificate with explicit validity (may be in the past or the future, for tests). */
  public static GeneratedCertificate generate(List<String> names, Instant notBefore, Instant notAfter,
                                              KeyType keyType) {
    KeyPair keys = keyType.generate();
    return new GeneratedCertificate(List.of(X509Builder.leaf(names, keys.getPublic(), null, keys.getPrivate(),
        keyType.signatureAlgorithm(), notBefore, notAfter)), keys.getPrivate());
  }
}
