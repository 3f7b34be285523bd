package io.sslfarm.certs.store;

import io.sslfarm.cluster.CertificateRecord;
import io.sslfarm.cluster.seal.SecretSealer;

/** Seals a key the way the store does for {@code record}. */
final class CertificateOpenerTestSupport {

  private CertificateOpenerTestSupport() {
  }

  static byte[] seal(CertificateOpener opener, SecretSealer sealer, byte[] pkcs8, CertificateRecord record) {
    return opener.seal(pkcs8, record);
  }
}
