package io.sslfarm.edge.listener;

import io.sslfarm.edge.EdgeMetrics.RejectReason;
import java.net.InetAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Per-client-address limits: open connections, and new connections per second (a token bucket holding at most one
 * second's worth, refilled continuously).
 *
 * <p>Memory is bounded: at most {@code tableSize} addresses are tracked, in least-recently-used order. When the table
 * is full, the least recently used address without open connections is evicted (it only loses its bucket: it is
 * treated as new if it returns, a bounded leniency towards a source that fell out of a flood). If every tracked
 * address has open connections the new source is refused ({@code limit_conn}) — size the table above
 * {@code edge.max-connections} to make that impossible.
 *
 * <p>Thread-safe: one lock around a map operation of a few hundred nanoseconds, shared by the event loops.
 */
public final class SourceLimiter {

  private static final int EVICTION_SCAN = 64;

  private static final class Entry {
    int open;
    double tokens;
    long refilledAtNanos;
  }

  private final int maxOpen;
  private final int perSecond;
  private final int tableSize;
  private final LongSupplier nanoClock;
  private final LinkedHashMap<InetAddress, Entry> table;

  public SourceLimiter(int maxOpen, int perSecond, int tableSize, LongSupplier nanoClock) {
    this.maxOpen = maxOpen;
    this.perSecond = perSecond;
    this.tableSize = tableSize;
    this.nanoClock = nanoClock;
    this.table = new LinkedHashMap<>(Math.min(tableSize, 1024), 0.75f, true);
  }

  /** True if either limit is set; otherwise nothing is tracked. */
  public boolean enabled() {
    return maxOpen > 0 || perSecond > 0;
  }

  /**
   * Admits a new connection from {@code source}: null if admitted (then {@link #release} must follow on close),
   * else the reason it is refused.
   */
  public RejectReason acquire(InetAddress source) {
    if (!enabled()) {
      return null;
    }
    long now = nanoClock.getAsLong();
    synchronized (table) {
      Entry e = table.get(source);
      if (e == null) {
        if (table.size() >= tableSize && !evictOne()) {
          return RejectReason.LIMIT_CONN;
        }
        e = new Entry();
        e.tokens = perSecond;
        e.refilledAtNanos = now;
        table.put(source, e);
      }
      if (maxOpen > 0 && e.open >= maxOpen) {
        return RejectReason.LIMIT_CONN;
      }
      if (perSecond > 0) {
        double elapsed = (now - e.refilledAtNanos) / 1e9;
        e.tokens = Math.min(perSecond, e.tokens + elapsed * perSecond);
        e.refilledAtNanos = now;
        if (e.tokens < 1) {
          return RejectReason.LIMIT_RATE;
        }
        e.tokens -= 1;
      }
      e.open++;
      return null;
    }
  }

  /** A connection admitted by {@link #acquire} closed. */
  public void release(InetAddress source) {
    if (!enabled()) {
      return;
    }
    synchronized (table) {
      Entry e = table.get(source);
      if (e != null && e.open > 0) {
        e.open--;
      }
    }
  }

  /** Open connections tracked for {@code source} (tests, status). */
  public int open(InetAddress source) {
    synchronized (table) {
      Entry e = table.get(source);
      return e == null ? 0 : e.open;
    }
  }

  /** Addresses tracked now. */
  public int size() {
    synchronized (table) {
      return table.size();
    }
  }

  /**
   * Evicts the least recently used address without open connections among the oldest {@value #EVICTION_SCAN}.
   * Addresses with open connections met on the way are moved to the young end, so long-lived connections do not
   * pile up at the old end and block eviction.
   */
  private boolean evictOne() {
    Iterator<Map.Entry<InetAddress, Entry>> it = table.entrySet().iterator();
    java.util.List<InetAddress> busy = new java.util.ArrayList<>();
    boolean evicted = false;
    for (int i = 0; i < EVICTION_SCAN && it.hasNext(); i++) {
      Map.Entry<InetAddress, Entry> e = it.next();
      if (e.getValue().open == 0) {
        it.remove();
        evicted = true;
        break;
      }
      busy.add(e.getKey());
    }
    busy.forEach(table::get); // access order: moves them to the young end
    return evicted;
  }
}
