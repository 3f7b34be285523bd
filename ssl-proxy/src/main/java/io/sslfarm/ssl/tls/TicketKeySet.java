package io.sslfarm.ssl.tls;

import io.netty.handler.ssl.OpenSslSessionTicketKey;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The farm's three session-ticket keys. Each key is 48 bytes: name (16) ‖ HMAC key (16) ‖ AES key (16), the layout
 * BoringSSL's ticket callback uses. {@link #encode()} is previous ‖ current ‖ next (the plaintext that is sealed into
 * {@link io.sslfarm.cluster.SealedTicketKeys}).
 *
 * <p>Rotation: previous ← current, current ← next, next ← random. A ticket encrypted under "current" stays
 * decryptable while that key is current and then previous (two periods), so nothing within one session lifetime
 * (= the rotation period) is rejected; "next" is accepted so that tickets from a node that applied a rotation a
 * moment earlier resume here too.
 */
public final class TicketKeySet {

  public static final int KEY_LENGTH = OpenSslSessionTicketKey.TICKET_KEY_SIZE;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] previous;
  private final byte[] current;
  private final byte[] next;

  private TicketKeySet(byte[] previous, byte[] current, byte[] next) {
    this.previous = previous;
    this.current = current;
    this.next = next;
  }

  /** A fresh set of three random keys. */
  public static TicketKeySet generate() {
    return new TicketKeySet(randomKey(), randomKey(), randomKey());
  }

  private static byte[] randomKey() {
    byte[] k = new byte[KEY_LENGTH];
    RANDOM.nextBytes(k);
    return k;
  }

  /** The next generation: previous ← current, current ← next, next ← random. */
  public TicketKeySet rotate() {
    return new TicketKeySet(current.clone(), next.clone(), randomKey());
  }

  public byte[] encode() {
    byte[] out = new byte[3 * KEY_LENGTH];
    System.arraycopy(previous, 0, out, 0, KEY_LENGTH);
    System.arraycopy(current, 0, out, KEY_LENGTH, KEY_LENGTH);
    System.arraycopy(next, 0, out, 2 * KEY_LENGTH, KEY_LENGTH);
    return out;
  }

  public static TicketKeySet decode(byte[] b) {
    if (b.length != 3 * KEY_LENGTH) {
      throw new IllegalArgumentException("ticket key set must be " + 3 * KEY_LENGTH + " bytes, got " + b.length);
    }
    return new TicketKeySet(Arrays.copyOfRange(b, 0, KEY_LENGTH), Arrays.copyOfRange(b, KEY_LENGTH, 2 * KEY_LENGTH),
        Arrays.copyOfRange(b, 2 * KEY_LENGTH, 3 * KEY_LENGTH));
  }

  /**
   * The keys in tcnative order: BoringSSL encrypts new tickets with the first key and decrypts with whichever key's
   * name matches (a ticket under a non-first key is accepted and renewed). So: current, next, previous.
   */
  public OpenSslSessionTicketKey[] toOpenSsl() {
    return new OpenSslSessionTicketKey[] {toKey(current), toKey(next), toKey(previous)};
  }

  private static OpenSslSessionTicketKey toKey(byte[] k) {
    int n = OpenSslSessionTicketKey.NAME_SIZE;
    int h = OpenSslSessionTicketKey.HMAC_KEY_SIZE;
    return new OpenSslSessionTicketKey(Arrays.copyOfRange(k, 0, n), Arrays.copyOfRange(k, n, n + h),
        Arrays.copyOfRange(k, n + h, KEY_LENGTH));
  }

  /** The 16-byte name of the current key, hex (not secret: it travels in every ticket). */
  public String currentName() {
    return java.util.HexFormat.of().formatHex(current, 0, 16);
  }

  @Override
  public String toString() {
    return "TicketKeySet{current=" + currentName() + "}";
  }
}
