package io.sslfarm.router.affinity;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Insert-mode cookie values: {@code <backend-id>.<issued, epoch seconds, base 36>.<signature>}, where the signature
 * is the first 16 bytes of HMAC-SHA256(key, "v1|" pool "|" backend-id "|" issued), base64url without padding (22
 * characters). Binding the pool name means a cookie for one pool cannot steer another. The cookie carries no secret:
 * it only names a backend; the signature stops a client from choosing (or probing) backends by itself.
 *
 * <p>A cookie whose issue time is older than the pool's idle TTL is stale; the router re-issues a valid cookie when it
 * is older than a quarter of the TTL (sliding expiry), so only idle users go stale. Thread-safe.
 */
public final class StickyCookieCodec {

  /** What a cookie value turned out to be. */
  public enum Status { VALID, MALFORMED, FORGED, STALE }

  /** A decoded cookie; {@code backendId} is set only when {@code status} is VALID. */
  public record Decoded(Status status, String backendId, long issuedEpochSeconds) {
  }

  private static final int SIG_BYTES = 16;
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();
  private static final ThreadLocal<Mac> MAC = ThreadLocal.withInitial(() -> {
    try {
      return Mac.getInstance("HmacSHA256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  });

  private final StickyKeys keys;

  public StickyCookieCodec(StickyKeys keys) {
    this.keys = keys;
  }

  public String encode(String pool, String backendId, long nowEpochSeconds) {
    String issued = Long.toString(nowEpochSeconds, 36);
    byte[] sig = sign(keys.keys().get(0), pool, backendId, issued);
    return backendId + "." + issued + "." + B64.encodeToString(sig);
  }

  /**
   * @param idleTtl zero = never stale
   */
  public Decoded decode(String pool, String value, long nowEpochSeconds, Duration idleTtl) {
    if (value == null || value.length() > 200) {
      return new Decoded(Status.MALFORMED, null, 0);
    }
    int a = value.indexOf('.');
    int b = a < 0 ? -1 : value.indexOf('.', a + 1);
    if (a <= 0 || b <= a + 1 || b == value.length() - 1 || value.indexOf('.', b + 1) >= 0) {
      return new Decoded(Status.MALFORMED, null, 0);
    }
    String id = value.substring(0, a);
    String issued = value.substring(a + 1, b);
    long issuedSec;
    byte[] sig;
    try {
      issuedSec = Long.parseLong(issued, 36);
      sig = B64D.decode(value.substring(b + 1));
    } catch (IllegalArgumentException e) {
      return new Decoded(Status.MALFORMED, null, 0);
    }
    if (sig.length != SIG_BYTES) {
      return new Decoded(Status.MALFORMED, null, 0);
    }
    boolean ok = false;
    for (SecretKeySpec k : keys.keys()) {
      // constant-time comparison: no timing oracle on the signature
      if (MessageDigest.isEqual(sig, sign(k, pool, id, issued))) {
        ok = true;
        break;
      }
    }
    if (!ok) {
      return new Decoded(Status.FORGED, null, 0);
    }
    if (!idleTtl.isZero() && (nowEpochSeconds - issuedSec > idleTtl.toSeconds() || issuedSec > nowEpochSeconds + 300)) {
      return new Decoded(Status.STALE, null, issuedSec);
    }
    return new Decoded(Status.VALID, id, issuedSec);
  }

  private static byte[] sign(SecretKeySpec key, String pool, String id, String issued) {
    Mac mac = MAC.get();
    try {
      mac.init(key);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    mac.update(("v1|" + pool + "|" + id + "|" + issued).getBytes(StandardCharsets.UTF_8));
    byte[] full = mac.doFinal();
    return java.util.Arrays.copyOf(full, SIG_BYTES);
  }

  /**
   * Learn mode: the key under which an application's session id is stored in the cluster's session table: a keyed
   * hash (HMAC-SHA256 with the signing key over pool and id, 128 bits, base64url: 22 characters), so the table holds
   * no application session id in clear, and a client's 8 KiB cookie costs 22 bytes of key. Changing the sticky key
   * re-learns sessions (their next response with Set-Cookie binds them again).
   */
  public String sessionKey(String pool, String sessionId) {
    Mac mac = MAC.get();
    try {
      mac.init(keys.keys().get(0));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    mac.update(("learn|" + pool + "|").getBytes(StandardCharsets.UTF_8));
    mac.update(sessionId.getBytes(StandardCharsets.UTF_8));
    byte[] full = mac.doFinal();
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(full, 16));
  }

  /** True if a valid cookie should be re-issued to slide its expiry. */
  public static boolean needsRefresh(long issuedEpochSeconds, long nowEpochSeconds, Duration idleTtl) {
    return !idleTtl.isZero() && nowEpochSeconds - issuedEpochSeconds > idleTtl.toSeconds() / 4;
  }

}
