package io.sslfarm.certs.gen;

import io.sslfarm.certs.CertificateRejectedException;
import io.sslfarm.certs.gen.internal.X509Builder;
import io.sslfarm.certs.pem.PemCodec;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local development CA: ECDSA P-256, kept as {@code ca.pem} (certificate, world-readable: give it to clients as
 * {@code --cacert}) and {@code ca.key} (PKCS#8, owner-only {@code 0600}) in one directory. It issues leaf
 * certificates so {@code sslfarm up} serves HTTPS with nothing prepared, and {@code sslfarm certs gen} works offline.
 *
 * <p>Not for production: the CA key sits unencrypted on disk. Several processes sharing the directory agree on one CA
 * (creation holds a file lock). Thread-safe; every method does file or CPU work, never call it on an event loop.
 */
public final class DevCa {

  public static final String CERT_FILE = "ca.pem";
  public static final String KEY_FILE = "ca.key";
  public static final Duration CA_VALIDITY = Duration.ofDays(3650);
  /** Default validity of issued leaves (below the 398 days browsers accept). */
  public static final Duration DEFAULT_LEAF_VALIDITY = Duration.ofDays(397);
  /** Issued certificates start this long before now, for clients whose clock is behind. */
  static final Duration CLOCK_SKEW = Duration.ofHours(1);

  private static final Logger log = LoggerFactory.getLogger(DevCa.class);
  private static final Object JVM_LOCK = new Object(); // FileLock is per process: threads need their own lock

  private final Path dir;
  private final X509Certificate certificate;
  private final PrivateKey key;

  private DevCa(Path dir, X509Certificate certificate, PrivateKey key) {
    this.dir = dir;
    this.certificate = certificate;
    this.key = key;
  }

  /** Loads the CA from {@code dir}, or creates it (and the directory) if {@code ca.pem} is absent. */
  public static DevCa loadOrCreate(Path dir) throws IOException {
    Files.createDirectories(dir);
    synchronized (JVM_LOCK) {
      try (FileChannel ch = FileChannel.open(dir.resolve(".ca.lock"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE); FileLock ignored = ch.lock()) {
        Path certFile = dir.resolve(CERT_FILE);
        Path keyFile = dir.resolve(KEY_FILE);
        if (Files.exists(certFile) || Files.exists(keyFile)) {
          return load(dir, certFile, keyFile);
        }
        KeyPair keys = KeyType.EC_P256.generate();
        Instant now = Instant.now();
        X509Certificate cert = X509Builder.ca("sslfarm dev CA " + now.getEpochSecond(), keys,
            KeyType.EC_P256.signatureAlgorithm(), now.minus(CLOCK_SKEW), now.plus(CA_VALIDITY));
        GeneratedCertificate.writeAtomically(keyFile, PemCodec.writePrivateKey(keys.getPrivate()), true);
        GeneratedCertificate.writeAtomically(certFile, PemCodec.writeCertificates(List.of(cert)), false);
        log.info("created development CA in {} ({}); trust {} to connect", dir, cert.getSubjectX500Principal(),
            certFile);
        return new DevCa(dir, cert, keys.getPrivate());
      }
    }
  }

  private static DevCa load(Path dir, Path certFile, Path keyFile) throws IOException {
    if (!Files.exists(certFile) || !Files.exists(keyFile)) {
      throw new IOException("development CA in " + dir + " is incomplete: need both " + CERT_FILE + " and "
          + KEY_FILE + " (delete both to create a new CA)");
    }
    try {
      List<X509Certificate> certs = PemCodec.readChain(Files.readString(certFile, StandardCharsets.US_ASCII));
      PrivateKey key = PemCodec.readPrivateKey(Files.readString(keyFile, StandardCharsets.US_ASCII), null);
      if (!key.getAlgorithm().equals(certs.get(0).getPublicKey().getAlgorithm())) {
        throw new IOException("development CA in " + dir + ": " + KEY_FILE + " is not the key of " + CERT_FILE);
      }
      return new DevCa(dir, certs.get(0), key);
    } catch (CertificateRejectedException e) {
      throw new IOException("development CA in " + dir + " is unreadable: " + e.getMessage(), e);
    }
  }

  public Path dir() {
    return dir;
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /** The CA certificate as PEM (what clients trust). */
  public String certificatePem() {
    return PemCodec.writeCertificates(List.of(certificate));
  }

  /** A leaf for {@code names} with an ECDSA P-256 key, valid {@link #DEFAULT_LEAF_VALIDITY}. */
  public GeneratedCertificate issue(String... names) {
    return issue(List.of(names), DEFAULT_LEAF_VALIDITY, KeyType.DEFAULT);
  }

  /**
   * A leaf for {@code names}: DNS names, wildcards ({@code *.example.com}) and IP literals ({@code 127.0.0.1} becomes
   * an IP SAN). The chain is the leaf then this CA's certificate.
   *
   * @throws IllegalArgumentException if a name is neither a DNS name nor an IP literal
   */
  public GeneratedCertificate issue(List<String> names, Duration validity, KeyType keyType) {
    Instant now = Instant.now();
    return issue(names, now.minus(CLOCK_SKEW), now.plus(validity), keyType);
  }

  /** A leaf with explicit validity (may lie in the past or the future: for tests of expiry handling). */
  public GeneratedCertificate issue(List<String> names, Instant notBefore, Instant notAfter, KeyType keyType) {
    KeyPair keys = keyType.generate();
    X509Certificate leaf = X509Builder.leaf(names, keys.getPublic(), certificate, key,
        X509Builder.signatureAlgorithmFor(key), notBefore, notAfter);
    return new GeneratedCertificate(List.of(leaf, certificate), keys.getPrivate());
  }

  @Override
  public String toString() {
    return "DevCa[" + dir + ", " + certificate.getSubjectX500Principal() + "]";
  }
}
