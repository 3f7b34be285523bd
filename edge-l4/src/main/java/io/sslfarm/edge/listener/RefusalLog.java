package io.sslfarm.edge.listener;

import io.sslfarm.edge.EdgeMetrics.RejectReason;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs per-source refusals at WARN, at most one line per interval: a flood from one source must not turn into a
 * flood of log lines. The line names the latest refused connection and how many were refused since the previous line
 * (all of them are counted in {@code sslfarm.edge.connections.rejected} regardless). Thread-safe, lock-free.
 */
final class RefusalLog {

  static final long DEFAULT_INTERVAL_NANOS = 10_000_000_000L;

  private static final Logger log = LoggerFactory.getLogger(RefusalLog.class);

  private final long intervalNanos;
  private final LongSupplier nanoClock;
  private final AtomicLong nextLineAt;
  private final AtomicLong unlogged = new AtomicLong();

  RefusalLog(long intervalNanos, LongSupplier nanoClock) {
    this.intervalNanos = intervalNanos;
    this.nanoClock = nanoClock;
    this.nextLineAt = new AtomicLong(nanoClock.getAsLong());
  }

  /** A connection was refused; returns true if this call wrote the log line. */
  boolean refused(String connectionId, String source, RejectReason reason) {
    long since = unlogged.incrementAndGet();
    long now = nanoClock.getAsLong();
    long next = nextLineAt.get();
    if (now - next < 0 || !nextLineAt.compareAndSet(next, now + intervalNanos)) {
      return false;
    }
    unlogged.addAndGet(-since);
    log.warn("[{}] per-source limit: refused a connection from {} ({}); {} refused by per-source limits since the"
        + " previous line (at most one line per {} s)", connectionId, source, reason.tag(), since,
        intervalNanos / 1_000_000_000L);
    return true;
  }
}
