package io.sslfarm.certs;

import io.sslfarm.certs.gen.GeneratedCertificate;
import io.sslfarm.certs.gen.KeyType;
import io.sslfarm.certs.gen.SelfSigned;
import io.sslfarm.certs.store.ServedCertificate;
import io.sslfarm.certs.validate.CertificateValidator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/** Served certificates for index tests: one shared real key and certificate, distinct ids/names/expiry. */
public final class TestCerts {

  private static final GeneratedCertificate SHARED = SelfSigned.generate(List.of("shared.test"), Duration.ofDays(5),
      KeyType.EC_P256);

  private TestCerts() {
  }

  public static ServedCertificate served(String id, long notAfter, String... names) {
    return new ServedCertificate(id, SHARED.key(), new X509Certificate[] {SHARED.leaf()}, List.of(names), 1, notAfter,
        CertificateValidator.fingerprint(SHARED.leaf()) + "-" + id);
  }

  public static ServedCertificate served(String id, String... names) {
    return served(id, 1_000_000L, names);
  }

}
