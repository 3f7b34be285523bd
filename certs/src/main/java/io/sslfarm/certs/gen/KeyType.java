package io.sslfarm.certs.gen;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Locale;

/** Key types the generator can make (the same the farm serves). */
public enum KeyType {
  EC_P256("EC", "secp256r1", 0, "SHA256withECDSA"),
  EC_P384("EC", "secp384r1", 0, "SHA384withECDSA"),
  RSA_2048("RSA", null, 2048, "SHA256withRSA"),
  RSA_3072("RSA", null, 3072, "SHA256withRSA"),
  RSA_4096("RSA", null, 4096, "SHA256withRSA");

  /** The default for generated certificates: ECDSA P-256 (fast handshakes, universally supported). */
  public static final KeyType DEFAULT = EC_P256;

  private final String algorithm;
  private final String curve;
  private final int bits;
  private final String signatureAlgorithm;

  KeyType(String algorithm, String curve, int bits, String signatureAlgorithm) {
    this.algorithm = algorithm;
    this.curve = curve;
    this.bits = bits;
    this.signatureAlgorithm = signatureAlgorithm;
  }

  /** The signature algorithm a key of this type signs certificates with. */
  public String signatureAlgorithm() {
    return signatureAlgorithm;
  }

  public KeyPair generate() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
      if (curve != null) {
        g.initialize(new ECGenParameterSpec(curve));
      } else {
        g.initialize(bits);
      }
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate " + this + " key", e);
    }
  }

  /** Parses {@code ec-p256}, {@code p256}, {@code ec}, {@code rsa} (2048), {@code rsa-4096}, …, case-insensitive. */
  public static KeyType parse(String s) {
    String n = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    return switch (n) {
      case "ec", "ecdsa", "ec-p256", "p256", "p-256", "ecdsa-p256" -> EC_P256;
      case "ec-p384", "p384", "p-384", "ecdsa-p384" -> EC_P384;
      case "rsa", "rsa-2048", "rsa2048" -> RSA_2048;
      case "rsa-3072", "rsa3072" -> RSA_3072;
      case "rsa-4096", "rsa4096" -> RSA_4096;
      default -> throw new IllegalArgumentException("unknown key type '" + s
          + "' (ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096)");
    };
  }
}
