package io.sslfarm.router.affinity;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The HMAC-SHA256 keys of insert-mode cookies: the first signs, every one verifies (so a key change does not
 * re-balance every user at once). Swapped as a whole; safe to read from any thread.
 */
public final class StickyKeys {

  private volatile List<SecretKeySpec> keys;

  private StickyKeys(List<byte[]> raw) {
    set(raw);
  }

  /** Keys given directly (32 random bytes each); the first signs. */
  public static StickyKeys of(List<byte[]> raw) {
    return new StickyKeys(raw);
  }

  /**
   * A key derived from a configured secret ({@code router.sticky-secret}): HMAC-SHA256 keyed with a fixed label over
   * the secret, so the secret itself is never used as a MAC key for anything else.
   */
  public static StickyKeys fromSecret(String secret) {
    return new StickyKeys(List.of(derive(secret)));
  }

  static byte[] derive(String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec("sslfarm-router-sticky-v1".getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
      return mac.doFinal(secret.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** Replaces the keys; the first of {@code raw} signs from now on. */
  public void set(List<byte[]> raw) {
    if (raw.isEmpty()) {
      throw new IllegalArgumentException("at least one sticky key");
    }
    List<SecretKeySpec> l = new ArrayList<>();
    for (byte[] k : raw) {
      if (k.length < 16) {
        throw new IllegalArgumentException("sticky key shorter than 16 bytes");
      }
      l.add(new SecretKeySpec(k, "HmacSHA256"));
    }
    keys = List.copyOf(l);
  }

  List<SecretKeySpec> keys() {
    return keys;
  }

  @Override
  public String toString() {
    return "StickyKeys[" + keys.size() + " keys]";
  }
}
