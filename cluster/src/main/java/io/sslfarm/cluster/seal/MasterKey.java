package io.sslfarm.cluster.seal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * The farm master key: 32 bytes, written as base64 (one line) in a file or an environment variable. {@link #toString()}
 * never shows it.
 */
public final class MasterKey {

  public static final int LENGTH = 32;
  private final byte[] bytes;

  private MasterKey(byte[] bytes) {
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException("master key must be " + LENGTH + " bytes (base64 of 32 random bytes), got "
          + bytes.length);
    }
    this.bytes = bytes.clone();
  }

  /** Parses base64 text. The error message never repeats the input. */
  public static MasterKey fromBase64(String text) {
    byte[] b;
    try {
      b = Base64.getDecoder().decode(text.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("master key is not valid base64");
    }
    try {
      return new MasterKey(b);
    } finally {
      Arrays.fill(b, (byte) 0);
    }
  }

  public static MasterKey fromFile(Path file) throws IOException {
    return fromBase64(Files.readString(file, StandardCharsets.US_ASCII));
  }

  public static MasterKey generate() {
    byte[] b = new byte[LENGTH];
    new SecureRandom().nextBytes(b);
    return new MasterKey(b);
  }

  /**
   * Writes the key as base64 to {@code file}, owner-only from the start where the file system has permissions (see
   * {@link io.sslfarm.node.SecretFiles}), unless the file exists: an existing file is never replaced.
   *
   * @return true if this call wrote the file, false if it existed
   */
  public boolean writeTo(Path file) throws IOException {
    return io.sslfarm.node.SecretFiles.createIfAbsent(file, Base64.getEncoder().encodeToString(bytes) + "\n");
  }

  byte[] bytes() {
    return bytes.clone();
  }

  @Override
  public String toString() {
    return "MasterKey[id=" + java.util.HexFormat.of().formatHex(SecretSealer.keyIdOf(bytes)) + "]";
  }
}
