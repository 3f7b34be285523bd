package io.sslfarm.certs.store;

import io.sslfarm.certs.CertificateRejectedException;
import io.sslfarm.certs.CertificateRejectedException.Reason;
import io.sslfarm.certs.pem.PemCodec;
import io.sslfarm.cluster.CertificateRecord;
import io.sslfarm.cluster.seal.SealException;
import io.sslfarm.cluster.seal.SecretSealer;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Opens stored {@link CertificateRecord}s with this node's master key. A record that does not open fails alone, with
 * a message naming its id; nothing else is affected. Thread-safe; CPU only (AES-GCM, DER decoding).
 */
public final class CertificateOpener {

  private final SecretSealer sealer;

  public CertificateOpener(SecretSealer sealer) {
    this.sealer = sealer;
  }

  /** The associated data a certificate's key is sealed with: binds the sealed key to its id. */
  public static String purpose(String id) {
    return "cert:" + id;
  }

  public ServedCertificate open(CertificateRecord record) throws CertificateRejectedException {
    String what = "certificate '" + record.id() + "' (version " + record.version() + ")";
    List<X509Certificate> chain;
    try {
      chain = PemCodec.readChain(record.chainPem());
    } catch (CertificateRejectedException e) {
      throw new CertificateRejectedException(Reason.MALFORMED_PEM, what + ": stored " + e.getMessage());
    }
    byte[] pkcs8;
    try {
      pkcs8 = sealer.open(record.sealedKey(), purpose(record.id()));
    } catch (SealException e) {
      throw new CertificateRejectedException(Reason.UNSEALABLE, what + ": private key does not open on this node: "
          + e.getMessage());
    }
    PrivateKey key;
    try {
      key = new JcaPEMKeyConverter().getPrivateKey(PrivateKeyInfo.getInstance(pkcs8));
    } catch (Exception e) {
      throw new CertificateRejectedException(Reason.UNSEALABLE, what + ": the unsealed private key is not PKCS#8");
    } finally {
      Arrays.fill(pkcs8, (byte) 0);
    }
    return new ServedCertificate(record.id(), key, chain.toArray(X509Certificate[]::new), record.names(),
        record.version(), record.notAfter(), record.fingerprint());
  }
}
