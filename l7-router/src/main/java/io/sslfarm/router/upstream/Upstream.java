package io.sslfarm.router.upstream;

import io.sslfarm.cluster.HostPort;
import io.sslfarm.router.config.BackendSpec;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The runtime state of one backend: its current spec, health (active checks), passive ejection and slow-start clock.
 * Fields are written on the router's control context and by the request path on event loops; all are volatile or
 * atomic and every decision tolerates a slightly stale read.
 */
public final class Upstream {

  private static final long MAX_EJECT_NANOS = Duration.ofSeconds(30).toNanos();
  private static final long BASE_EJECT_NANOS = Duration.ofSeconds(1).toNanos();

  private final String pool;
  private final String id;
  private volatile BackendSpec spec;
  private volatile SocketAddress socketAddress;
  private volatile boolean healthy = true;
  private volatile long upSinceNanos;
  private volatile long ejectedUntilNanos;
  private final AtomicInteger connectFailures = new AtomicInteger();
  private final AtomicInteger inflight = new AtomicInteger();
  private volatile boolean removed;
  private final UpstreamQueue queue;
  // active check streaks, touched only by the health checker on the control context
  int passes;
  int failures;

  Upstream(String pool, BackendSpec spec, long nowNanos, UpstreamQueue.Limits limits) {
    this.pool = pool;
    this.id = spec.id();
    this.queue = new UpstreamQueue(pool + "/" + spec.id(), limits);
    this.upSinceNanos = nowNanos - Long.MAX_VALUE / 4; // up "forever": no slow start for the initial set
    update(spec);
  }

  void update(BackendSpec spec) {
    this.spec = spec;
    HostPort a = spec.address();
    this.socketAddress = SocketAddress.inetSocketAddress(a.port(), a.host());
  }

  public String pool() {
    return pool;
  }

  public String id() {
    return id;
  }

  public BackendSpec spec() {
    return spec;
  }

  public SocketAddress socketAddress() {
    return socketAddress;
  }

  public int weight() {
    return spec.weight();
  }

  public boolean healthy() {
    return healthy;
  }

  public boolean removed() {
    return removed;
  }

  void markRemoved() {
    removed = true;
  }

  /** Up by active checks, not passively ejected, still configured: may serve (sticky) requests. */
  public boolean available(long nowNanos) {
    return healthy && !removed && nowNanos - ejectedUntilNanos >= 0;
  }

  /** May take new sessions: available and weight above 0. */
  public boolean acceptsNew(long nowNanos) {
    return available(nowNanos) && spec.weight() > 0;
  }

  /** The weight for new sessions, ramped linearly from 10% to 100% during slow start. */
  public double effectiveWeight(long nowNanos, Duration slowStart) {
    double w = spec.weight();
    if (!slowStart.isZero()) {
      long since = nowNanos - upSinceNanos;
      long ss = slowStart.toNanos();
      if (since >= 0 && since < ss) {
        w *= 0.1 + 0.9 * ((double) since / ss);
      }
    }
    return w;
  }

  void startSlowStart(long nowNanos) {
    upSinceNanos = nowNanos;
  }

  void setHealthy(boolean up, long nowNanos) {
    if (up && !healthy) {
      upSinceNanos = nowNanos;
    }
    healthy = up;
  }

  /** Admission to this backend: its connection slots and bounded wait queue (saturation never ejects). */
  public UpstreamQueue queue() {
    return queue;
  }

  /** A connection to this backend failed: eject it for 1 s, doubling per consecutive failure up to 30 s. */
  public void reportConnectFailure(long nowNanos) {
    int n = connectFailures.incrementAndGet();
    long eject = Math.min(MAX_EJECT_NANOS, BASE_EJECT_NANOS << Math.min(n - 1, 5));
    ejectedUntilNanos = nowNanos + eject;
    upSinceNanos = nowNanos + eject; // slow start again once it returns
  }

  /** A request reached the backend: the ejection back-off resets. */
  public void reportSuccess() {
    if (connectFailures.get() != 0) {
      connectFailures.set(0);
    }
  }

  public boolean ejected(long nowNanos) {
    return nowNanos - ejectedUntilNanos < 0;
  }

  public AtomicInteger inflight() {
    return inflight;
  }

  @Override
  public String toString() {
    return pool + "/" + id + "@" + spec.address();
  }
}
