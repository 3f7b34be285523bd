package io.sslfarm.net;

import java.time.Duration;
import java.util.Objects;

/** Options of a {@link ProxyProtocolGate}. Share one instance between channels only after it is fully set up. */
public final class ProxyProtocolGateOptions {

  /** Default header timeout: 5 seconds. */
  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(5);
  /** Default maximum header size: 4096 bytes (the farm's own headers are a few hundred). */
  public static final int DEFAULT_MAX_HEADER_BYTES = 4096;
  /** Smallest allowed maximum: the 16-byte fixed part. */
  public static final int MIN_MAX_HEADER_BYTES = 16;
  /** Largest allowed maximum: 16 + 65535, what the length field can express. */
  public static final int MAX_MAX_HEADER_BYTES = 16 + 65535;

  private CidrSet trustedSources = CidrSet.EMPTY;
  private boolean required = true;
  private Duration headerTimeout = DEFAULT_HEADER_TIMEOUT;
  private int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;

  public ProxyProtocolGateOptions() {
  }

  public ProxyProtocolGateOptions(ProxyProtocolGateOptions other) {
    this.trustedSources = other.trustedSources;
    this.required = other.required;
    this.headerTimeout = other.headerTimeout;
    this.maxHeaderBytes = other.maxHeaderBytes;
  }

  public CidrSet getTrustedSources() {
    return trustedSources;
  }

  /**
   * Peers allowed to send a PROXY header. Default {@link CidrSet#EMPTY}: nobody (fail closed). Ignored when
   * {@link #setRequired required} is false.
   */
  public ProxyProtocolGateOptions setTrustedSources(CidrSet trustedSources) {
    this.trustedSources = Objects.requireNonNull(trustedSources);
    return this;
  }

  public boolean isRequired() {
    return required;
  }

  /**
   * True (default): every connection must come from a trusted source and start with a PROXY v2 header. False: direct
   * mode, no header is expected; the gate records the connection's own addresses and steps aside.
   */
  public ProxyProtocolGateOptions setRequired(boolean required) {
    this.required = required;
    return this;
  }

  public Duration getHeaderTimeout() {
    return headerTimeout;
  }

  /**
   * Time from connect until the header must be complete. Default {@link #DEFAULT_HEADER_TIMEOUT};
   * {@link Duration#ZERO} disables it (not advised: a silent peer then holds a connection forever).
   */
  public ProxyProtocolGateOptions setHeaderTimeout(Duration headerTimeout) {
    Objects.requireNonNull(headerTimeout);
    if (headerTimeout.isNegative()) {
      throw new IllegalArgumentException("headerTimeout must not be negative: " + headerTimeout);
    }
    this.headerTimeout = headerTimeout;
    return this;
  }

  public int getMaxHeaderBytes() {
    return maxHeaderBytes;
  }

  /**
   * Largest accepted header, signature and TLVs included, in bytes. Default {@link #DEFAULT_MAX_HEADER_BYTES}; between
   * {@link #MIN_MAX_HEADER_BYTES} and {@link #MAX_MAX_HEADER_BYTES}. A longer declared length is refused as soon as
   * the 16 fixed bytes are in.
   */
  public ProxyProtocolGateOptions setMaxHeaderBytes(int maxHeaderBytes) {
    if (maxHeaderBytes < MIN_MAX_HEADER_BYTES || maxHeaderBytes > MAX_MAX_HEADER_BYTES) {
      throw new IllegalArgumentException("maxHeaderBytes must be between " + MIN_MAX_HEADER_BYTES + " and "
          + MAX_MAX_HEADER_BYTES + ": " + maxHeaderBytes);
    }
    this.maxHeaderBytes = maxHeaderBytes;
    return this;
  }

  @Override
  public String toString() {
    return "ProxyProtocolGateOptions[trusted=" + trustedSources + ", required=" + required + ", headerTimeout="
        + headerTimeout + ", maxHeaderBytes=" + maxHeaderBytes + "]";
  }
}
