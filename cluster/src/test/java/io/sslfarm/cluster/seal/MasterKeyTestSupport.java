package io.sslfarm.cluster.seal;

import java.security.SecureRandom;
import java.util.Base64;

/** Test helper: a random master key in the base64 form nodes read. */
public final class MasterKeyTestSupport {

  private MasterKeyTestSupport() {
  }

  public static String randomBase64() {
    byte[] b = new byte[MasterKey.LENGTH];
    new SecureRandom().nextBytes(b);
    return Base64.getEncoder().encodeToString(b);
  }
}
