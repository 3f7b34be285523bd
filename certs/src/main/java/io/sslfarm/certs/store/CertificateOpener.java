package io.sslfarm.certs.store;

import io.sslfarm.certs.CertificateRejectedException;
import io.sslfarm.certs.CertificateRejectedException.Reason;
import io.sslfarm.certs.pem.PemCodec;
import io.sslfarm.certs.validate.CertificateValidator;
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
 * a message naming its id; nothing else is affected. Thread-safe; CPU only (AES-GCM, DER decoding, one signature).
 *
 * <p>The key opens only with the record's own metadata ({@link CertificateRecord#aad()}: id, version, chain hash,
 * names, validity, fingerprint), and the opened key must sign what the leaf's public key verifies. A record sealed in
 * format 1 (an older sslfarm, whose seal bound the id only) is refused with {@link Reason#REPLAYED}: it has to be added
 * again.
 */
public final class CertificateOpener {

  private final SecretSealer sealer;

  public CertificateOpener(SecretSealer sealer) {
    this.sealer = sealer;
  }

  /** Seals a PKCS#8 key for {@code record} (its sealed key is ignored): with the record's metadata as AAD. */
  public byte[] seal(byte[] pkcs8, CertificateRecord record) {
    return sealer.seal(pkcs8, record.aad());
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
      pkcs8 = sealer.open(record.sealedKey(), record.aad());
    } catch (SealException e) {
      if (e.kind() == SealException.Kind.LEGACY_FORMAT) {
        throw new CertificateRejectedException(Reason.REPLAYED, what + ": private key " + e.getMessage()
            + "; add the certificate again to serve it", e);
      }
      throw new CertificateRejectedException(Reason.UNSEALABLE, what + ": private key does not open on this node: "
          + e.getMessage(), e);
    }
    PrivateKey key;
    try {
      key = new JcaPEMKeyConverter().getPrivateKey(PrivateKeyInfo.getInstance(pkcs8));
    } catch (Exception e) {
      throw new CertificateRejectedException(Reason.UNSEALABLE, what + ": the unsealed private key is not PKCS#8");
    } finally {
      Arrays.fill(pkcs8, (byte) 0);
    }
    if (!CertificateValidator.keyMatches(key, chain.get(0).getPublicKey())) {
      throw new CertificateRejectedException(Reason.KEY_MISMATCH, what + ": the private key does not match the leaf "
          + "certificate " + CertificateValidator.subject(chain.get(0)));
    }
    return new ServedCertificate(record.id(), key, chain.toArray(X509Certificate[]::new), record.names(),
        record.version(), record.notAfter(), record.fingerprint());
  }
}
