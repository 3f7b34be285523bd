package io.sslfarm.ssl.testing;

import io.sslfarm.ssl.tls.TlsCertificate;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.security.cert.X509Certificate;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Self-signed ECDSA P-256 certificates for tests; the CN is the first name, so clients can tell which one they got. */
public final class TestCertificates {

  private TestCertificates() {
  }

  public static TlsCertificate selfSigned(String id, long version, String... names) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair kp = g.generateKeyPair();
      X500Name subject = new X500Name("CN=" + names[0]);
      long now = System.currentTimeMillis();
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(now),
          new Date(now - 3_600_000), new Date(now + 86_400_000L), subject, kp.getPublic());
      GeneralName[] san = new GeneralName[names.length];
      for (int i = 0; i < names.length; i++) {
        san[i] = new GeneralName(GeneralName.dNSName, names[i]);
      }
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(san));
      X509Certificate cert = new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
      return new TlsCertificate(id, kp.getPrivate(), new X509Certificate[] {cert}, version);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
