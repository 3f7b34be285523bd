package io.sslfarm.ssl.listener;

import io.sslfarm.ssl.SslMetrics.Reject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Admission of new TLS handshakes on one node ({@code ssl.max-handshakes}, {@code ssl.max-handshake-rate}; HAProxy
 * {@code maxsslconn} / {@code maxsslrate}). A handshake is counted from its ClientHello (when the {@code SslHandler}
 * would be installed) until its handshake future completes or the channel closes. The rate is a token bucket holding
 * one second's worth of handshakes (GCRA on one atomic: no lock). All handshakes are counted against the rate,
 * resumptions too: a ClientHello that offers a session ticket or PSK may still end in a full handshake (unknown or
 * rotated ticket), and an attacker could add a bogus one to skip the limit, so the two cannot be told apart before the
 * work. Thread-safe; shared by the node's event loops.
 */
public final class HandshakeAdmission {

  private final int maxInProgress;
  private final int ratePerSecond;
  /** GCRA: the time (nanos) at which the bucket is full again; a token costs {@link #interval}. */
  private final AtomicLong fullAt;
  private final long interval;
  private final long burst;
  private final AtomicInteger inProgress = new AtomicInteger();

  /** {@code maxInProgress} / {@code ratePerSecond} 0 = no limit. */
  public HandshakeAdmission(int maxInProgress, int ratePerSecond) {
    this.maxInProgress = maxInProgress;
    this.ratePerSecond = ratePerSecond;
    this.interval = ratePerSecond > 0 ? TimeUnit.SECONDS.toNanos(1) / ratePerSecond : 0;
    this.burst = interval * ratePerSecond;
    this.fullAt = new AtomicLong(System.nanoTime());
  }

  /**
   * Takes a slot (and a token) for a new handshake; returns null if admitted (the caller must {@link #release} once),
   * else the reason it is refused. A refused handshake holds nothing.
   */
  Reject tryAcquire() {
    if (maxInProgress > 0) {
      if (inProgress.incrementAndGet() > maxInProgress) {
        inProgress.decrementAndGet();
        return Reject.MAX_HANDSHAKES;
      }
    } else {
      inProgress.incrementAndGet();
    }
    if (ratePerSecond > 0 && !takeToken()) {
      inProgress.decrementAndGet();
      return Reject.MAX_HANDSHAKE_RATE;
    }
    return null;
  }

  private boolean takeToken() {
    while (true) {
      long now = System.nanoTime();
      long full = fullAt.get();
      // an empty-to-full bucket is `burst` nanos of credit; a token moves the "full again" time one interval on
      long next = Math.max(full - now, 0) + interval;
      if (next > burst) {
        return false;
      }
      if (fullAt.compareAndSet(full, now + next)) {
        return true;
      }
    }
  }

  void release() {
    inProgress.decrementAndGet();
  }

  /** Handshakes in progress now (admitted, not finished). */
  public int inProgress() {
    return inProgress.get();
  }
}
