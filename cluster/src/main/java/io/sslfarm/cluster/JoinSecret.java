package io.sslfarm.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The farm join secret: what a process must know to become a member of the farm's Hazelcast cluster. Text of at least
 * {@link #MIN_LENGTH} characters (generated: base64url of 32 random bytes, one line) in a file beside the master key or
 * in an environment variable. {@link #toString()} never shows it.
 *
 * <p>Hazelcast open source has no member authentication, so the secret is turned into the cluster name
 * ({@link #clusterName(String)}): a member with another secret, or none, asks to join another cluster and is refused
 * by Hazelcast's join check before any partition or map data is sent to it. The derived name travels in clear in
 * Hazelcast's join messages (as all member traffic does in open source): it keeps out processes that do not know the
 * secret, not an eavesdropper on the cluster network. See the README's security section.
 */
public final class JoinSecret {

  public static final int MIN_LENGTH = 16;
  /** Hex digits of HMAC-SHA256 in the derived cluster name: 128 bits. */
  private static final int DIGEST_HEX = 32;
  private static final String CONTEXT = "sslfarm cluster name v1\0";

  private final byte[] bytes;

  private JoinSecret(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Parses the secret's text (surrounding white space ignored). The error message never repeats the input. */
  public static JoinSecret of(String text) {
    String t = text.trim();
    if (t.length() < MIN_LENGTH) {
      throw new IllegalArgumentException("join secret must be at least " + MIN_LENGTH + " characters, got "
          + t.length());
    }
    return new JoinSecret(t.getBytes(StandardCharsets.UTF_8));
  }

  public static JoinSecret fromFile(Path file) throws IOException {
    return of(Files.readString(file, StandardCharsets.UTF_8));
  }

  public static JoinSecret generate() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return of(Base64.getUrlEncoder().withoutPadding().encodeToString(b));
  }

  /**
   * Writes the secret to {@code file}, owner-only from the start where the file system has permissions (see
   * {@link io.sslfarm.node.SecretFiles}), unless the file exists: an existing file is never replaced.
   *
   * @return true if this call wrote the file, false if it existed
   */
  public boolean writeTo(Path file) throws IOException {
    return io.sslfarm.node.SecretFiles.createIfAbsent(file, new String(bytes, StandardCharsets.UTF_8) + "\n");
  }

  /**
   * The Hazelcast cluster name for the configured {@code name}: {@code name + "-" +} the first 128 bits of
   * HMAC-SHA256(secret, context || name), in hex. Same secret and name on every member = same cluster; anything else =
   * another cluster. The name is not secret-free: treat it like the secret (it is what a joiner presents).
   */
  public String clusterName(String name) {
    return name + "-" + HexFormat.of().formatHex(mac(name)).substring(0, DIGEST_HEX);
  }

  /** A short fingerprint for logs (another HMAC context: it does not give away the cluster name). */
  public String id() {
    return HexFormat.of().formatHex(mac("\0id")).substring(0, 8);
  }

  private byte[] mac(String name) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(bytes, "HmacSHA256"));
      return m.doFinal((CONTEXT + name).getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JoinSecret j && java.security.MessageDigest.isEqual(bytes, j.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(mac("\0hash"));
  }

  @Override
  public String toString() {
    return "JoinSecret[id=" + id() + "]";
  }
}
