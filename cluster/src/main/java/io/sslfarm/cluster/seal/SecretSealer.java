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
 * <p>Sealed layout: {@code format (1 byte) ‖ key-id (8 bytes, SHA-256 prefix of the master key) ‖ nonce (12) ‖
 * ciphertext+tag}. The key id lets a node with the wrong master key say so instead of reporting a generic tag failure.
 * Two formats, never mixed:
 * <ul>
 *   <li>{@code 0x01} ({@link #seal(byte[], String)}): the associated data is a purpose string only (e.g. {@code
 *       cert:example}), so a sealed value copied onto another entry does not open. Still used for values that carry no
 *       metadata of their own.</li>
 *   <li>{@code 0x02} ({@link #seal(byte[], byte[])}): the associated data is the caller's canonical encoding of every
 *       piece of clear metadata the value travels with (purpose label, id, version or generation, hashes, names; see
 *       {@link io.sslfarm.cluster.SealedTicketKeys#aad()} and {@link io.sslfarm.cluster.CertificateRecord#aad()}).
 *       Changing any of it in the cluster makes the GCM tag fail. {@link #open(byte[], byte[])} refuses a {@code 0x01}
 *       value ({@link SealException.Kind#LEGACY_FORMAT}): accepting one would keep the unbound format replayable.</li>
 * </ul>
 * Thread-safe.
 */
public final class SecretSealer {

  private static final byte FORMAT = 0x01;
  private static final byte FORMAT_BOUND = 0x02;
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

  /** Seals under format {@code 0x01}: the associated data is {@code purpose} only. */
  public byte[] seal(byte[] plain, String purpose) {
    return seal(FORMAT, plain, purpose.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Seals under format {@code 0x02}: {@code aad} (the canonical encoding of the value's clear metadata, purpose label
   * first) must be presented again, byte for byte, to {@link #open(byte[], byte[])}.
   */
  public byte[] seal(byte[] plain, byte[] aad) {
    return seal(FORMAT_BOUND, plain, aad);
  }

  private byte[] seal(byte format, byte[] plain, byte[] aad) {
    byte[] nonce = new byte[NONCE_LEN];
    random.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(aad);
      byte[] ct = c.doFinal(plain);
      return ByteBuffer.allocate(1 + KEY_ID_LEN + NONCE_LEN + ct.length).put(format).put(keyId).put(nonce).put(ct)
          .array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  /**
   * Opens a value sealed by {@link #seal(byte[], String)}.
   *
   * @throws SealException if the value was sealed under another master key, for another purpose, or was altered
   */
  public byte[] open(byte[] sealed, String purpose) throws SealException {
    if (sealed != null && sealed.length > 0 && sealed[0] != FORMAT) {
      throw new SealException(SealException.Kind.FORMAT, "not a sealed value (unknown format)");
    }
    return open(FORMAT, sealed, purpose.getBytes(StandardCharsets.UTF_8), "'" + purpose + "'");
  }

  /**
   * Opens a value sealed by {@link #seal(byte[], byte[])} with the metadata it is presented with.
   *
   * @throws SealException if the value was sealed under another master key, in the old unbound format, or with other
   *                       metadata (altered, swapped or replayed onto other metadata)
   */
  public byte[] open(byte[] sealed, byte[] aad) throws SealException {
    if (sealed != null && sealed.length > 0 && sealed[0] == FORMAT) {
      throw new SealException(SealException.Kind.LEGACY_FORMAT, "sealed in format 1 (not bound to its metadata, "
          + "written by an older sslfarm): refused");
    }
    return open(FORMAT_BOUND, sealed, aad, "its metadata");
  }

  private byte[] open(byte format, byte[] sealed, byte[] aad, String what) throws SealException {
    if (sealed == null || sealed.length < 1 + KEY_ID_LEN + NONCE_LEN + TAG_BITS / 8 || sealed[0] != format) {
      throw new SealException(SealException.Kind.FORMAT, "not a sealed value (unknown format)");
    }
    byte[] id = Arrays.copyOfRange(sealed, 1, 1 + KEY_ID_LEN);
    if (!MessageDigest.isEqual(id, keyId)) {
      throw new SealException(SealException.Kind.OTHER_KEY, "sealed under another master key (key id "
          + java.util.HexFormat.of().formatHex(id) + ", this node has " + keyId() + ")");
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 1 + KEY_ID_LEN, NONCE_LEN));
      c.updateAAD(aad);
      int off = 1 + KEY_ID_LEN + NONCE_LEN;
      return c.doFinal(sealed, off, sealed.length - off);
    } catch (javax.crypto.AEADBadTagException e) {
      throw new SealException(SealException.Kind.TAG, "sealed value does not open for " + what
          + " (altered, or sealed for another entry)");
    } catch (GeneralSecurityException e) {
      throw new SealException(SealException.Kind.FORMAT, "cannot open sealed value: " + e.getMessage());
    }
  }
}
