package io.sslfarm.cluster.seal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals secrets with AES-256-GCM under the farm master key before they enter Hazelcast (the open-source edition has
 * no member TLS, so anything in the cluster must be assumed readable on the wire).
 *
 * <p>Sealed layout: {@code 0x01 (format) ‖ key-id (8 bytes, SHA-256 prefix of the master key) ‖ nonce (12) ‖
 * ciphertext+tag}. The associated data binds a sealed value to its purpose and id (e.g. {@code cert:example}), so a
 * sealed key copied onto another entry does not open. The key id lets a node with the wrong master key say so
 * instead of reporting a generic tag failure. Thread-safe.
 */
public final class SecretSealer {

  private static final byte FORMAT = 0x01;
  private static final int KEY_ID_LEN = 8;
  private static final int NONCE_LEN = 12;
  private static final int TAG_BITS = 128;

  private final SecretKeySpec key;
  private final byte[] keyId;
  private final SecureRandom random = new SecureRandom();

  public SecretSealer(MasterKey masterKey) {
    byte[] k = masterKey.bytes();
    this.key = new SecretKeySpec(k, "AES");
    this.keyId = keyIdOf(k);
    Arrays.fill(k, (byte) 0);
  }

  static byte[] keyIdOf(byte[] k) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update("sslfarm-master-key-id".getBytes(StandardCharsets.US_ASCII));
      return Arrays.copyOf(d.digest(k), KEY_ID_LEN);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Hex id of the master key (not secret: a hash prefix), to tell operators which key sealed what. */
  public String keyId() {
    return java.util.HexFormat.of().formatHex(keyId);
  }

  public byte[] seal(byte[] plain, String purpose) {
    byte[] nonce = new byte[NONCE_LEN];
    random.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(purpose.getBytes(StandardCharsets.UTF_8));
      byte[] ct = c.doFinal(plain);
      return ByteBuffer.allocate(1 + KEY_ID_LEN + NONCE_LEN + ct.length).put(FORMAT).put(keyId).put(nonce).put(ct)
          .array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  /**
   * Opens a sealed value.
   *
   * @throws SealException if the value was sealed under another master key, for another purpose, or was altered
   */
  public byte[] open(byte[] sealed, String purpose) throws SealException {
    if (sealed == null || sealed.length < 1 + KEY_ID_LEN + NONCE_LEN + TAG_BITS / 8 || sealed[0] != FORMAT) {
      throw new SealException("not a sealed value (unknown format)");
    }
    byte[] id = Arrays.copyOfRange(sealed, 1, 1 + KEY_ID_LEN);
    if (!MessageDigest.isEqual(id, keyId)) {
      throw new SealException("sealed under another master key (key id " + java.util.HexFormat.of().formatHex(id)
          + ", this node has " + keyId() + ")");
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 1 + KEY_ID_LEN, NONCE_LEN));
      c.updateAAD(purpose.getBytes(StandardCharsets.UTF_8));
      int off = 1 + KEY_ID_LEN + NONCE_LEN;
      return c.doFinal(sealed, off, sealed.length - off);
    } catch (javax.crypto.AEADBadTagException e) {
      throw new SealException("sealed value does not open for '" + purpose + "' (altered, or sealed for another entry)");
    } catch (GeneralSecurityException e) {
      throw new SealException("cannot open sealed value: " + e.getMessage());
    }
  }
}
