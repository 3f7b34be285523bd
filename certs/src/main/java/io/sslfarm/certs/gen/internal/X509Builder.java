package io.sslfarm.certs.gen.internal;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Builds CA and leaf X.509 v3 certificates with BouncyCastle and the JDK's providers. */
public final class X509Builder {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final int MAX_CN = 64; // RFC 5280 ub-common-name

  private X509Builder() {
  }

  /** A self-signed CA certificate. */
  public static X509Certificate ca(String commonName, KeyPair keys, String signatureAlgorithm, Instant notBefore,
                                   Instant notAfter) {
    X500Name name = name(commonName, "sslfarm development CA");
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(notBefore),
          Date.from(notAfter), name, keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      return sign(b, keys.getPrivate(), signatureAlgorithm);
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build CA certificate", e);
    }
  }

  /**
   * A TLS server leaf for {@code names} (DNS names, wildcards, IPv4/IPv6 literals → IP SANs), issued by
   * {@code issuer} (signed with {@code issuerKey}), or self-signed when {@code issuer} is null.
   */
  public static X509Certificate leaf(List<String> names, PublicKey subjectKey, X509Certificate issuer,
                                     PrivateKey issuerKey, String signatureAlgorithm, Instant notBefore,
                                     Instant notAfter) {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("at least one name is needed");
    }
    List<GeneralName> sans = new ArrayList<>();
    String cn = null;
    for (String raw : names) {
      String n = raw.trim().toLowerCase(Locale.ROOT);
      if (n.isEmpty()) {
        throw new IllegalArgumentException("empty name");
      }
      if (isIpLiteral(n)) {
        sans.add(new GeneralName(GeneralName.iPAddress, new org.bouncycastle.asn1.DEROctetString(ipBytes(n))));
      } else {
        checkDnsName(n);
        sans.add(new GeneralName(GeneralName.dNSName, n));
        if (cn == null) {
          cn = n;
        }
      }
    }
    if (cn == null) {
      cn = names.get(0).trim();
    }
    X500Name subject = name(cn.length() > MAX_CN ? cn.substring(0, MAX_CN) : cn, null);
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X500Name issuerName = issuer == null ? subject : X500Name.getInstance(
          issuer.getSubjectX500Principal().getEncoded());
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName, serial(), Date.from(notBefore),
          Date.from(notAfter), subject, subjectKey)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage("RSA".equals(subjectKey.getAlgorithm())
              ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment : KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
          .addExtension(Extension.subjectAlternativeName, false,
              new GeneralNames(sans.toArray(GeneralName[]::new)))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
      if (issuer != null) {
        b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuer));
      }
      return sign(b, issuerKey, signatureAlgorithm);
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build leaf certificate", e);
    }
  }

  /** The signature algorithm for a signing key: SHA-256 with ECDSA or RSA (SHA-384 for P-384). */
  public static String signatureAlgorithmFor(PrivateKey key) {
    if ("RSA".equals(key.getAlgorithm())) {
      return "SHA256withRSA";
    }
    if (key instanceof java.security.interfaces.ECKey ec && ec.getParams().getCurve().getField().getFieldSize() > 256) {
      return "SHA384withECDSA";
    }
    return "SHA256withECDSA";
  }

  public static boolean isIpLiteral(String n) {
    return IPV4.matcher(n).matches() || (n.indexOf(':') >= 0 && n.matches("[0-9a-f:.]+"));
  }

  private static byte[] ipBytes(String n) {
    try {
      return InetAddress.getByName(n).getAddress(); // a literal: no DNS lookup
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address: " + n);
    }
  }

  private static void checkDnsName(String n) {
    String body = n.startsWith("*.") ? n.substring(2) : n;
    if (body.isEmpty() || !body.matches("[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\\.?")) {
      throw new IllegalArgumentException("not a DNS name (or *.name wildcard): '" + n + "'");
    }
  }

  private static X500Name name(String cn, String org) {
    X500NameBuilder b = new X500NameBuilder(BCStyle.INSTANCE);
    if (org != null) {
      b.addRDN(BCStyle.O, org);
    }
    return b.addRDN(BCStyle.CN, cn).build();
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE); // positive, at most 16 bytes (RFC 5280 §4.1.2.2)
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key, String alg)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg).build(key)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign with " + alg, e);
    }
  }
}
