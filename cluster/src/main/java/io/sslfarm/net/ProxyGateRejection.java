package io.sslfarm.net;

import java.util.Locale;

/** Why a {@link ProxyProtocolGate} closed a connection; {@link #tag()} is the metric tag value. */
public enum ProxyGateRejection {
  /** The peer's address is not in the trusted CIDR set: closed on connect, nothing read. */
  UNTRUSTED_SOURCE,
  /** The bytes are not a valid PROXY v2 header (a TLS ClientHello, HTTP, a v1 header, a bad field, truncated). */
  MALFORMED_HEADER,
  /** The header's declared length exceeds the configured maximum. */
  HEADER_TOO_LONG,
  /** The header was not complete within the header timeout. */
  HEADER_TIMEOUT,
  /** The peer closed (or reset) the connection before sending a single byte. */
  CLOSED_BEFORE_HEADER;

  /** {@code untrusted_source}, {@code malformed_header}, ... */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
