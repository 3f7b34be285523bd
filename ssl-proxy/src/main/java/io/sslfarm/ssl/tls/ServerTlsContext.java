package io.sslfarm.ssl.tls;

import io.netty.buffer.ByteBufAllocator;
import javax.net.ssl.SSLEngine;

/** A server TLS context for one certificate version; makes one engine per downstream connection. Thread-safe. */
public interface ServerTlsContext {

  TlsCertificate certificate();

  TlsEngineKind kind();

  /** A new server-mode engine with protocols, ciphers, ALPN and session tickets configured. */
  SSLEngine newEngine(ByteBufAllocator alloc);

  /**
   * True if the finished handshake of {@code engine} resumed a session. Call on the channel's event loop after the
   * handshake and before the engine is closed.
   */
  boolean isResumed(SSLEngine engine, long handshakeStartMillis);

  /** The negotiated ALPN protocol, or null if none. */
  String applicationProtocol(SSLEngine engine);

  /** Installs the farm's ticket keys (no-op for engines that cannot set them). */
  void applyTicketKeys(TicketKeySet keys);
}
