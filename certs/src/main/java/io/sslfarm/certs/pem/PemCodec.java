package io.sslfarm.certs.pem;

import io.sslfarm.certs.CertificateRejectedException;
import io.sslfarm.certs.CertificateRejectedException.Reason;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.Key;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * Reads certificate chains and private keys from PEM, writes them back. Accepted private keys: PKCS#8
 * ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}), SEC1 ({@code EC PRIVATE KEY}, with or without a leading
 * {@code EC PARAMETERS} block), encrypted PKCS#8 ({@code ENCRYPTED PRIVATE KEY}, PBES2 or PBES1) and OpenSSL's legacy
 * {@code Proc-Type: 4,ENCRYPTED} PEM. Served keys: RSA 2048–4096 bits, ECDSA P-256 and P-384.
 *
 * <p>Every failure is a {@link CertificateRejectedException} whose message names the problem; messages never contain
 * key bytes. Keys come out as JDK-provider keys (usable by any TLS engine); BouncyCastle is used as an unregistered
 * provider object only for decryption, so the process's provider list is untouched. Stateless and thread-safe.
 */
public final class PemCodec {

  /** RSA modulus bounds: below 2048 is weak, above 4096 makes full handshakes too expensive for a farm node. */
  public static final int MIN_RSA_BITS = 2048;
  public static final int MAX_RSA_BITS = 4096;
  /** Most certificates in a chain upload (leaf + intermediates; public CAs use 2–4). */
  public static final int MAX_CHAIN_LENGTH = 10;
  /** Most PBKDF2 (and PKCS#12 PBE) iterations of an encrypted key: about a second of one core at the bound. */
  public static final int MAX_PBKDF2_ITERATIONS = 1_000_000;
  /** Most memory scrypt may need to decrypt a key (128·N·r bytes). */
  public static final long MAX_SCRYPT_MEMORY = 64L << 20;
  /** Most scrypt work (N·r·p). */
  public static final long MAX_SCRYPT_WORK = 1L << 24;

  private static final BouncyCastleProvider BC = new BouncyCastleProvider();
  private static final Map<ASN1ObjectIdentifier, String> SUPPORTED_CURVES = Map.of(
      SECObjectIdentifiers.secp256r1, "P-256",
      SECObjectIdentifiers.secp384r1, "P-384");
  private static final Map<ASN1ObjectIdentifier, String> KNOWN_ALGORITHMS = Map.of(
      EdECObjectIdentifiers.id_Ed25519, "Ed25519",
      EdECObjectIdentifiers.id_Ed448, "Ed448",
      EdECObjectIdentifiers.id_X25519, "X25519",
      EdECObjectIdentifiers.id_X448, "X448",
      X9ObjectIdentifiers.id_dsa, "DSA",
      PKCSObjectIdentifiers.id_RSASSA_PSS, "RSASSA-PSS",
      PKCSObjectIdentifiers.dhKeyAgreement, "DH");
  private static final String SUPPORTED = "supported: RSA 2048–4096 bits, ECDSA P-256 and P-384";

  private PemCodec() {
  }

  /**
   * Reads the certificates of a chain PEM, in file order. Non-certificate blocks are refused, a private key block
   * with a hint that it belongs in the key field.
   */
  public static List<X509Certificate> readChain(String pem) throws CertificateRejectedException {
    if (pem == null || pem.isBlank()) {
      throw new CertificateRejectedException(Reason.MALFORMED_PEM, "certificate chain is empty");
    }
    List<X509Certificate> chain = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      while (true) {
        int n = chain.size() + 1;
        Object o = readNext(parser, "certificate chain", n);
        if (o == null) {
          break;
        }
        if (n > MAX_CHAIN_LENGTH) {
          throw new CertificateRejectedException(Reason.CHAIN_TOO_LONG, "certificate chain: more than "
              + MAX_CHAIN_LENGTH + " certificates (send the leaf and its intermediates, not a trust store)");
        }
        if (o instanceof X509CertificateHolder holder) {
          try {
            chain.add(converter.getCertificate(holder));
          } catch (java.security.cert.CertificateException e) {
            throw new CertificateRejectedException(Reason.MALFORMED_PEM,
                "certificate chain: certificate " + n + " is not a valid X.509 certificate (" + e.getMessage() + ")");
          }
        } else if (isPrivateKey(o)) {
          throw new CertificateRejectedException(Reason.MALFORMED_PEM,
              "certificate chain: block " + n + " is a private key; send it as the key, not in the chain");
        } else {
          throw new CertificateRejectedException(Reason.MALFORMED_PEM,
              "certificate chain: block " + n + " is a " + describeBlock(o) + ", expected CERTIFICATE");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // StringReader does not fail on close
    }
    if (chain.isEmpty()) {
      throw new CertificateRejectedException(Reason.MALFORMED_PEM,
          "certificate chain: no PEM block found (expected -----BEGIN CERTIFICATE-----)");
    }
    return List.copyOf(chain);
  }

  /**
   * Reads one private key. {@code passphrase} is needed for encrypted keys only (null or empty otherwise).
   * {@code CERTIFICATE} and {@code EC PARAMETERS} blocks around the key are skipped (combined PEM files).
   */
  public static PrivateKey readPrivateKey(String pem, char[] passphrase) throws CertificateRejectedException {
    if (pem == null || pem.isBlank()) {
      throw new CertificateRejectedException(Reason.MALFORMED_PEM, "private key is empty");
    }
    PrivateKeyInfo found = null;
    int blocks = 0;
    boolean sawCertificate = false;
    boolean sawPublicKey = false;
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      while (true) {
        Object o = readNext(parser, "private key", blocks + 1);
        if (o == null) {
          break;
        }
        blocks++;
        if (o instanceof X509CertificateHolder) {
          sawCertificate = true;
          continue;
        }
        if (o instanceof ASN1ObjectIdentifier || o instanceof org.bouncycastle.asn1.x9.X9ECParameters) {
          continue; // EC PARAMETERS, as written by `openssl ecparam -genkey`
        }
        if (o instanceof SubjectPublicKeyInfo || o instanceof org.bouncycastle.asn1.pkcs.RSAPublicKey) {
          sawPublicKey = true;
          continue;
        }
        PrivateKeyInfo info = toPrivateKeyInfo(o, passphrase);
        if (info == null) {
          throw new CertificateRejectedException(Reason.MALFORMED_PEM,
              "private key: block " + blocks + " is a " + describeBlock(o) + ", expected a private key");
        }
        if (found != null) {
          throw new CertificateRejectedException(Reason.MALFORMED_PEM,
              "private key: the PEM holds more than one private key; send exactly one");
        }
        found = info;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (found == null) {
      String what = sawCertificate ? "only certificates" : sawPublicKey ? "a public key" : "no PEM block";
      throw new CertificateRejectedException(Reason.MALFORMED_PEM, "private key: found " + what
          + ", expected -----BEGIN PRIVATE KEY----- (or RSA/EC/ENCRYPTED PRIVATE KEY)");
    }
    checkSupported(found);
    PrivateKey key;
    try {
      key = new JcaPEMKeyConverter().getPrivateKey(found);
    } catch (IOException | RuntimeException e) {
      throw new CertificateRejectedException(Reason.MALFORMED_PEM, "private key: not a valid "
          + algorithmName(found.getPrivateKeyAlgorithm()) + " key");
    }
    if (key instanceof RSAKey rsa) {
      int bits = rsa.getModulus().bitLength();
      if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
        throw new CertificateRejectedException(Reason.KEY_SIZE, "private key: RSA " + bits + " bits is "
            + (bits < MIN_RSA_BITS ? "too short" : "too long") + " (" + SUPPORTED + ")");
      }
    }
    return key;
  }

  /** A short description of a key: {@code RSA 2048}, {@code EC P-256}, or the algorithm name. */
  public static String describeKey(Key key) {
    if (key instanceof RSAKey rsa) {
      return "RSA " + rsa.getModulus().bitLength();
    }
    try {
      AlgorithmIdentifier alg = key instanceof PublicKey
          ? SubjectPublicKeyInfo.getInstance(key.getEncoded()).getAlgorithm()
          : PrivateKeyInfo.getInstance(key.getEncoded()).getPrivateKeyAlgorithm();
      if (X9ObjectIdentifiers.id_ecPublicKey.equals(alg.getAlgorithm())) {
        return "EC " + curveName(alg.getParameters());
      }
      return algorithmName(alg);
    } catch (RuntimeException e) {
      return key.getAlgorithm();
    }
  }

  /** PEM of certificates, in the given order. */
  public static String writeCertificates(List<X509Certificate> certificates) {
    StringWriter out = new StringWriter();
    try (PemWriter w = new PemWriter(out)) {
      for (X509Certificate c : certificates) {
        w.writeObject(new PemObject("CERTIFICATE", c.getEncoded()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("certificate cannot be encoded", e);
    }
    return out.toString();
  }

  /** PEM of an unencrypted PKCS#8 private key ({@code -----BEGIN PRIVATE KEY-----}). */
  public static String writePrivateKey(PrivateKey key) {
    StringWriter out = new StringWriter();
    try (PemWriter w = new PemWriter(out)) {
      w.writeObject(new JcaPKCS8Generator(key, null).generate());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static Object readNext(PEMParser parser, String what, int n) throws CertificateRejectedException {
    try {
      return parser.readObject();
    } catch (IOException | RuntimeException e) {
      // BouncyCastle: "-----END ... not found", "malformed PEM data", "unrecognised object: X", bad base64
      String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new CertificateRejectedException(Reason.MALFORMED_PEM, what + ": PEM block " + n
          + " is malformed or truncated (" + firstLine(detail) + ")");
    }
  }

  private static boolean isPrivateKey(Object o) {
    return o instanceof PrivateKeyInfo || o instanceof PEMKeyPair || o instanceof PEMEncryptedKeyPair
        || o instanceof PKCS8EncryptedPrivateKeyInfo;
  }

  private static PrivateKeyInfo toPrivateKeyInfo(Object o, char[] passphrase) throws CertificateRejectedException {
    if (o instanceof PrivateKeyInfo info) {
      return info;
    }
    if (o instanceof PEMKeyPair pair) {
      return pair.getPrivateKeyInfo();
    }
    if (o instanceof PKCS8EncryptedPrivateKeyInfo enc) {
      char[] pass = requirePassphrase(passphrase);
      checkKdfCost(enc.getEncryptionAlgorithm());
      try {
        return enc.decryptPrivateKeyInfo(new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC).build(pass));
      } catch (Exception e) {
        // PKCSException (bad padding) or a garbled structure decrypted with the wrong key: same cause for a user
        throw new CertificateRejectedException(Reason.BAD_PASSPHRASE,
            "private key: wrong passphrase for the encrypted private key (or unsupported encryption "
                + enc.getEncryptionAlgorithm().getAlgorithm().getId() + ")");
      }
    }
    if (o instanceof PEMEncryptedKeyPair enc) {
      char[] pass = requirePassphrase(passphrase);
      try {
        return enc.decryptKeyPair(new JcePEMDecryptorProviderBuilder().setProvider(BC).build(pass))
            .getPrivateKeyInfo();
      } catch (Exception e) {
        throw new CertificateRejectedException(Reason.BAD_PASSPHRASE,
            "private key: wrong passphrase for the encrypted private key");
      }
    }
    return null;
  }

  /**
   * Refuses a key derivation costlier than the bounds, before any of it runs: the uploader chooses the cost, and an
   * unbounded one holds a worker thread (PBKDF2, PKCS#12 iterations) or the heap (scrypt) as long as it likes.
   */
  private static void checkKdfCost(org.bouncycastle.asn1.x509.AlgorithmIdentifier alg)
      throws CertificateRejectedException {
    try {
      org.bouncycastle.asn1.ASN1ObjectIdentifier oid = alg.getAlgorithm();
      if (org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.id_PBES2.equals(oid)) {
        var kdf = org.bouncycastle.asn1.pkcs.PBES2Parameters.getInstance(alg.getParameters()).getKeyDerivationFunc();
        if (org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.id_PBKDF2.equals(kdf.getAlgorithm())) {
          checkIterations("PBKDF2",
              org.bouncycastle.asn1.pkcs.PBKDF2Params.getInstance(kdf.getParameters()).getIterationCount());
        } else if (org.bouncycastle.asn1.misc.MiscObjectIdentifiers.id_scrypt.equals(kdf.getAlgorithm())) {
          var p = org.bouncycastle.asn1.misc.ScryptParams.getInstance(kdf.getParameters());
          java.math.BigInteger n = p.getCostParameter();
          java.math.BigInteger r = p.getBlockSize();
          java.math.BigInteger par = p.getParallelizationParameter();
          java.math.BigInteger memory = n.multiply(r).shiftLeft(7); // 128 · N · r bytes
          java.math.BigInteger work = n.multiply(r).multiply(par);
          if (memory.compareTo(java.math.BigInteger.valueOf(MAX_SCRYPT_MEMORY)) > 0
              || work.compareTo(java.math.BigInteger.valueOf(MAX_SCRYPT_WORK)) > 0) {
            throw new CertificateRejectedException(Reason.KDF_TOO_COSTLY, "private key: scrypt N=" + n + " r=" + r
                + " p=" + par + " needs " + memory.shiftRight(20) + " MiB and N·r·p=" + work + "; the limits are "
                + (MAX_SCRYPT_MEMORY >> 20) + " MiB and " + MAX_SCRYPT_WORK + " (re-encrypt the key with lower"
                + " scrypt parameters, e.g. openssl's defaults N=16384 r=8 p=1)");
          }
        }
      } else if (oid.getId().startsWith(org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.pkcs_12PbeIds.getId() + ".")
          || oid.getId().startsWith("1.2.840.113549.1.5.")) {
        // PKCS#12 PBE and PKCS#5 v1 PBES1: (salt, iterations)
        checkIterations("PBE", org.bouncycastle.asn1.pkcs.PKCS12PBEParams.getInstance(alg.getParameters())
            .getIterations());
      }
    } catch (IllegalArgumentException | ClassCastException e) {
      throw new CertificateRejectedException(Reason.MALFORMED_PEM,
          "private key: the encryption parameters of the encrypted private key are malformed");
    }
  }

  private static void checkIterations(String kdf, java.math.BigInteger iterations)
      throws CertificateRejectedException {
    if (iterations.compareTo(java.math.BigInteger.valueOf(MAX_PBKDF2_ITERATIONS)) > 0) {
      throw new CertificateRejectedException(Reason.KDF_TOO_COSTLY, "private key: " + kdf + " iteration count "
          + iterations + " is above the limit of " + MAX_PBKDF2_ITERATIONS + " (re-encrypt the key with fewer"
          + " iterations, or upload it unencrypted over a trusted channel)");
    }
  }

  private static char[] requirePassphrase(char[] passphrase) throws CertificateRejectedException {
    if (passphrase == null || passphrase.length == 0) {
      throw new CertificateRejectedException(Reason.BAD_PASSPHRASE,
          "private key: the key is encrypted and no passphrase was given");
    }
    return passphrase;
  }

  private static void checkSupported(PrivateKeyInfo info) throws CertificateRejectedException {
    AlgorithmIdentifier alg = info.getPrivateKeyAlgorithm();
    ASN1ObjectIdentifier oid = alg.getAlgorithm();
    if (PKCSObjectIdentifiers.rsaEncryption.equals(oid)) {
      return; // size checked once converted
    }
    if (X9ObjectIdentifiers.id_ecPublicKey.equals(oid)) {
      ASN1Encodable params = alg.getParameters();
      if (!(params instanceof ASN1ObjectIdentifier curve)) {
        throw new CertificateRejectedException(Reason.UNSUPPORTED_KEY, "private key: EC key without a named curve"
            + " (explicit or missing parameters); " + SUPPORTED);
      }
      if (!SUPPORTED_CURVES.containsKey(curve)) {
        throw new CertificateRejectedException(Reason.UNSUPPORTED_KEY,
            "private key: EC curve " + curveName(curve) + " is not supported (" + SUPPORTED + ")");
      }
      return;
    }
    throw new CertificateRejectedException(Reason.UNSUPPORTED_KEY,
        "private key: algorithm " + algorithmName(alg) + " is not supported (" + SUPPORTED + ")");
  }

  private static String curveName(ASN1Encodable params) {
    if (params instanceof ASN1ObjectIdentifier curve) {
      String known = SUPPORTED_CURVES.get(curve);
      if (known != null) {
        return known;
      }
      String name = ECNamedCurveTable.getName(curve);
      return name == null ? curve.getId() : name;
    }
    return "with explicit parameters";
  }

  private static String algorithmName(AlgorithmIdentifier alg) {
    ASN1ObjectIdentifier oid = alg.getAlgorithm();
    if (PKCSObjectIdentifiers.rsaEncryption.equals(oid)) {
      return "RSA";
    }
    if (X9ObjectIdentifiers.id_ecPublicKey.equals(oid)) {
      return "EC";
    }
    return KNOWN_ALGORITHMS.getOrDefault(oid, oid.getId());
  }

  private static String describeBlock(Object o) {
    if (o instanceof X509CertificateHolder) {
      return "CERTIFICATE";
    }
    if (o instanceof SubjectPublicKeyInfo || o instanceof org.bouncycastle.asn1.pkcs.RSAPublicKey) {
      return "PUBLIC KEY";
    }
    if (o instanceof org.bouncycastle.pkcs.PKCS10CertificationRequest) {
      return "CERTIFICATE REQUEST";
    }
    if (o instanceof org.bouncycastle.cert.X509CRLHolder) {
      return "X509 CRL";
    }
    if (o instanceof ASN1ObjectIdentifier || o instanceof org.bouncycastle.asn1.x9.X9ECParameters) {
      return "EC PARAMETERS";
    }
    return o.getClass().getSimpleName();
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
