package io.sslfarm.net;

import io.netty.channel.Channel;

/**
 * Told what a {@link ProxyProtocolGate} decided, so the tier can count it (the net package has no metrics of its own).
 * Called on the channel's event loop, at most once per connection; must not block. Exceptions are logged and ignored.
 */
public interface ProxyGateListener {

  /** No callbacks. */
  ProxyGateListener NOOP = new ProxyGateListener() {
  };

  /** The header was accepted (or, in direct mode, the connection's own addresses were taken). */
  default void onAccepted(Channel channel, ProxyInfo info) {
  }

  /**
   * The connection is being closed without relaying a byte.
   *
   * @param cause the decoder's exception for {@link ProxyGateRejection#MALFORMED_HEADER}, or null
   */
  default void onRejected(Channel channel, ProxyGateRejection reason, Throwable cause) {
  }
}
