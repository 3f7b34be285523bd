package io.sslfarm.net;

/**
 * The user event a {@link ProxyProtocolGate} fires (after {@code channelActive}, before any payload byte) once the
 * PROXY header was accepted; in direct mode it carries the connection's own addresses.
 *
 * @param info what the header said; also in the channel attribute {@link ProxyProtocolGate#PROXY_INFO}
 */
public record ProxyHeaderReceived(ProxyInfo info) {
}
