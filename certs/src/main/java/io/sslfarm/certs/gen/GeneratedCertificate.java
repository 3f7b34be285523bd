package io.sslfarm.certs.gen;

import io.sslfarm.certs.pem.PemCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A generated certificate and its key. {@link #toString()} never shows the key.
 *
 * @param chain leaf first (then the issuing CA, if any)
 * @param key   the leaf's private key
 */
public record GeneratedCertificate(List<X509Certificate> chain, PrivateKey key) {

  public GeneratedCertificate {
    chain = List.copyOf(chain);
    Objects.requireNonNull(key, "key");
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  /** The chain as PEM, leaf first. */
  public String chainPem() {
    return PemCodec.writeCertificates(chain);
  }

  /** The key as unencrypted PKCS#8 PEM. */
  public String keyPem() {
    return PemCodec.writePrivateKey(key);
  }

  /**
   * Writes {@code <name>.pem} (chain) and {@code <name>.key} (key, owner-only permissions on POSIX file systems) into
   * {@code dir}, creating it. Returns the two paths, chain first.
   */
  public List<Path> writeTo(Path dir, String name) throws IOException {
    Files.createDirectories(dir);
    Path chainFile = dir.resolve(name + ".pem");
    Path keyFile = dir.resolve(name + ".key");
    writeAtomically(chainFile, chainPem(), false);
    writeAtomically(keyFile, keyPem(), true);
    return List.of(chainFile, keyFile);
  }

  /** Writes via a temporary file in the same directory (created owner-only when {@code secret}) and a rename. */
  static void writeAtomically(Path file, String content, boolean secret) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp;
    try {
      tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--")));
    } catch (UnsupportedOperationException e) {
      tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    }
    try {
      Files.writeString(tmp, content, StandardCharsets.US_ASCII);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override
  public String toString() {
    return "GeneratedCertificate[subject=" + leaf().getSubjectX500Principal() + ", notAfter=" + leaf().getNotAfter()
        + "]";
  }
}
