package io.sslfarm.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * Options of a {@link Relay}. Mutable builder-style; a {@link Relay} copies what it needs when it is prepared.
 *
 * <p>Back-pressure uses each channel's own {@code WRITE_BUFFER_WATER_MARK} (Netty's default 32 KiB / 64 KiB): set it
 * on the server's child options and on the upstream bootstrap.
 */
public final class RelayOptions {

  /** Default idle timeout: 5 minutes. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
  /** Default bound on downstream bytes buffered while the upstream connects: 64 KiB. */
  public static final int DEFAULT_MAX_PENDING_BYTES = 64 * 1024;

  private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
  private int maxPendingBytes = DEFAULT_MAX_PENDING_BYTES;
  private Function<Channel, ChannelFuture> downstreamOutputShutdown = Relay::shutdownOutput;
  private Function<Channel, ChannelFuture> upstreamOutputShutdown = Relay::shutdownOutput;

  public RelayOptions() {
  }

  public RelayOptions(RelayOptions other) {
    this.idleTimeout = other.idleTimeout;
    this.maxPendingBytes = other.maxPendingBytes;
    this.downstreamOutputShutdown = other.downstreamOutputShutdown;
    this.upstreamOutputShutdown = other.upstreamOutputShutdown;
  }

  public Duration getIdleTimeout() {
    return idleTimeout;
  }

  /**
   * Close both channels when no byte moved either way (read, or drained from a write queue) for this long. Default
   * {@link #DEFAULT_IDLE_TIMEOUT}; {@link Duration#ZERO} disables the timeout. Resolution: about 1 ms.
   */
  public RelayOptions setIdleTimeout(Duration idleTimeout) {
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    if (idleTimeout.isNegative()) {
      throw new IllegalArgumentException("idleTimeout must not be negative: " + idleTimeout);
    }
    this.idleTimeout = idleTimeout;
    return this;
  }

  public int getMaxPendingBytes() {
    return maxPendingBytes;
  }

  /**
   * Bytes from the downstream buffered while no upstream is attached; when reached, the relay stops reading the
   * downstream (the client is back-pressured, not dropped) until the upstream is attached. Default 64 KiB; must be at
   * least 1.
   */
  public RelayOptions setMaxPendingBytes(int maxPendingBytes) {
    if (maxPendingBytes < 1) {
      throw new IllegalArgumentException("maxPendingBytes must be at least 1: " + maxPendingBytes);
    }
    this.maxPendingBytes = maxPendingBytes;
    return this;
  }

  public Function<Channel, ChannelFuture> getDownstreamOutputShutdown() {
    return downstreamOutputShutdown;
  }

  /**
   * How to half-close the downstream channel's output once the upstream has sent EOF and everything before it was
   * flushed. Default {@link Relay#shutdownOutput} (TCP FIN; a full close for channels that cannot half-close). A TLS
   * tier can send close_notify first.
   */
  public RelayOptions setDownstreamOutputShutdown(Function<Channel, ChannelFuture> shutdown) {
    this.downstreamOutputShutdown = Objects.requireNonNull(shutdown);
    return this;
  }

  public Function<Channel, ChannelFuture> getUpstreamOutputShutdown() {
    return upstreamOutputShutdown;
  }

  /** Like {@link #setDownstreamOutputShutdown} for the upstream channel. Default {@link Relay#shutdownOutput}. */
  public RelayOptions setUpstreamOutputShutdown(Function<Channel, ChannelFuture> shutdown) {
    this.upstreamOutputShutdown = Objects.requireNonNull(shutdown);
    return this;
  }

  @Override
  public String toString() {
    return "RelayOptions[idleTimeout=" + idleTimeout + ", maxPendingBytes=" + maxPendingBytes + "]";
  }
}
