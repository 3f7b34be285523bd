package io.sslfarm.ssl.tls;

import java.util.Locale;

/** Which TLS implementation terminates connections. */
public enum TlsEngineKind {
  /** Conscrypt (BoringSSL via JNI): fast; session tickets with per-node random keys, so resumption is node-local. */
  CONSCRYPT,
  /** netty-tcnative BoringSSL: ticket keys can be set, so a session resumes on any SSL node of the farm. */
  OPENSSL;

  /** The lower-case name used in config and as the {@code engine} metric tag. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static TlsEngineKind parse(String s) {
    return valueOf(s.trim().toUpperCase(Locale.ROOT));
  }
}
