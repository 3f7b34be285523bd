package io.sslfarm.edge.listener;

import io.netty.util.NetUtil;
import io.sslfarm.edge.EdgeMetrics.RejectReason;
import io.sslfarm.edge.EdgeOptions;
import io.sslfarm.net.CidrSet;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Per-source limits: open connections, and new connections per second (a token bucket holding at most one second's
 * worth, refilled continuously).
 *
 * <p>A <em>source</em> is the client address cut to a prefix: {@code /32} for IPv4 (one address) and {@code /64} for
 * IPv6 by default. An IPv6 host usually holds a whole /64 (RFC 4291 §2.5.1 interface identifiers, SLAAC, privacy
 * addresses of RFC 8981), so counting per /128 would give one client 2^64 budgets. An IPv4-mapped IPv6 address
 * ({@code ::ffff:a.b.c.d}, from a dual-stack socket) counts as the IPv4 address it carries. Sources in the exempt set
 * (default loopback) are neither limited nor tracked.
 *
 * <p>Memory is bounded: at most {@code tableSize} sources are tracked, in least-recently-used order. When the table
 * is full, the least recently used source without open connections is evicted (it only loses its bucket: it is
 * treated as new if it returns, a bounded leniency towards a source that fell out of a flood). If every tracked
 * source has open connections the new source is refused ({@code limit_conn}) — size the table above
 * {@code edge.max-connections} to make that impossible.
 *
 * <p>Thread-safe: one lock around a map operation of a few hundred nanoseconds, shared by the event loops.
 */
public final class SourceLimiter {

  private static final int EVICTION_SCAN = 64;

  /** A client address masked to its source prefix; {@code high} is zero for IPv4. */
  record SourceKey(boolean ipv6, long high, long low, int prefix) {

    @Override
    public String toString() {
      byte[] b = new byte[ipv6 ? 16 : 4];
      if (ipv6) {
        for (int i = 0; i < 8; i++) {
          b[i] = (byte) (high >>> (56 - 8 * i));
          b[8 + i] = (byte) (low >>> (56 - 8 * i));
        }
      } else {
        for (int i = 0; i < 4; i++) {
          b[i] = (byte) (low >>> (24 - 8 * i));
        }
      }
      return NetUtil.bytesToIpAddress(b) + "/" + prefix;
    }
  }

  private static final class Entry {
    int open;
    double tokens;
    long refilledAtNanos;
  }

  private final int maxOpen;
  private final int perSecond;
  private final int tableSize;
  private final int ipv4Prefix;
  private final int ipv6Prefix;
  private final CidrSet exempt;
  private final LongSupplier nanoClock;
  private final LinkedHashMap<SourceKey, Entry> table;

  /** Per address (IPv4 /32, IPv6 /128), nothing exempt. */
  public SourceLimiter(int maxOpen, int perSecond, int tableSize, LongSupplier nanoClock) {
    this(maxOpen, perSecond, tableSize, 32, 128, CidrSet.EMPTY, nanoClock);
  }

  /**
   * @param maxOpen    open connections per source; 0 = unlimited
   * @param perSecond  new connections per second per source, burst one second's worth; 0 = unlimited
   * @param tableSize  sources tracked at most
   * @param ipv4Prefix IPv4 addresses sharing this many leading bits are one source (1–32)
   * @param ipv6Prefix IPv6 addresses sharing this many leading bits are one source (1–128)
   * @param exempt     client addresses never limited nor tracked
   */
  public SourceLimiter(int maxOpen, int perSecond, int tableSize, int ipv4Prefix, int ipv6Prefix, CidrSet exempt,
                       LongSupplier nanoClock) {
    if (ipv4Prefix < 1 || ipv4Prefix > 32 || ipv6Prefix < 1 || ipv6Prefix > 128) {
      throw new IllegalArgumentException("prefix lengths out of range: /" + ipv4Prefix + ", /" + ipv6Prefix);
    }
    this.maxOpen = maxOpen;
    this.perSecond = perSecond;
    this.tableSize = tableSize;
    this.ipv4Prefix = ipv4Prefix;
    this.ipv6Prefix = ipv6Prefix;
    this.exempt = exempt;
    this.nanoClock = nanoClock;
    this.table = new LinkedHashMap<>(Math.min(tableSize, 1024), 0.75f, true);
  }

  /** The limiter {@code options} describe ({@code edge.max-*-per-source}, {@code edge.per-source-*}). */
  public static SourceLimiter of(EdgeOptions options, LongSupplier nanoClock) {
    return new SourceLimiter(options.getMaxConnectionsPerSource(), options.getMaxNewPerSecondPerSource(),
        options.getSourceTableSize(), options.getPerSourceIpv4Prefix(), options.getPerSourceIpv6Prefix(),
        options.perSourceExemptCidrs(), nanoClock);
  }

  /** True if either limit is set; otherwise nothing is tracked. */
  public boolean enabled() {
    return maxOpen > 0 || perSecond > 0;
  }

  /** True if connections from {@code address} are subject to the limits (enabled, and not exempt). */
  public boolean limits(InetAddress address) {
    return enabled() && !exempt.contains(address);
  }

  /**
   * Admits a new connection from {@code address}: null if admitted (then {@link #release} must follow on close),
   * else the reason it is refused.
   */
  public RejectReason acquire(InetAddress address) {
    if (!limits(address)) {
      return null;
    }
    SourceKey key = keyOf(address);
    long now = nanoClock.getAsLong();
    synchronized (table) {
      Entry e = table.get(key);
      if (e == null) {
        if (table.size() >= tableSize && !evictOne()) {
          return RejectReason.LIMIT_CONN;
        }
        e = new Entry();
        e.tokens = perSecond;
        e.refilledAtNanos = now;
        table.put(key, e);
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

  /** A connection from {@code address} admitted by {@link #acquire} closed. */
  public void release(InetAddress address) {
    if (!limits(address)) {
      return; // an exempt address never took a slot, even if it shares a prefix with a limited one
    }
    SourceKey key = keyOf(address);
    synchronized (table) {
      Entry e = table.get(key);
      if (e != null && e.open > 0) {
        e.open--;
      }
    }
  }

  /** Open connections counted for the source {@code address} belongs to (tests, status). */
  public int open(InetAddress address) {
    SourceKey key = keyOf(address);
    synchronized (table) {
      Entry e = table.get(key);
      return e == null ? 0 : e.open;
    }
  }

  /** Sources tracked now. */
  public int size() {
    synchronized (table) {
      return table.size();
    }
  }

  /** The source {@code address} counts as, in CIDR notation ({@code 2001:db8:0:1::/64}, RFC 5952), for logs. */
  public String sourceOf(InetAddress address) {
    return keyOf(address).toString();
  }

  SourceKey keyOf(InetAddress address) {
    byte[] a = address.getAddress();
    if (a.length == 16 && isIpv4Mapped(a)) {
      a = new byte[] {a[12], a[13], a[14], a[15]};
    }
    if (a.length == 4) {
      long v = ((a[0] & 0xffL) << 24) | ((a[1] & 0xffL) << 16) | ((a[2] & 0xffL) << 8) | (a[3] & 0xffL);
      return new SourceKey(false, 0, v & (0xffff_ffffL << (32 - ipv4Prefix)) & 0xffff_ffffL, ipv4Prefix);
    }
    long high = 0;
    long low = 0;
    for (int i = 0; i < 8; i++) {
      high = (high << 8) | (a[i] & 0xffL);
      low = (low << 8) | (a[8 + i] & 0xffL);
    }
    if (ipv6Prefix <= 64) {
      low = 0;
      high = ipv6Prefix == 64 ? high : high & (-1L << (64 - ipv6Prefix));
    } else if (ipv6Prefix < 128) {
      low &= -1L << (128 - ipv6Prefix);
    }
    return new SourceKey(true, high, low, ipv6Prefix);
  }

  private static boolean isIpv4Mapped(byte[] a) {
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
  }

  /**
   * Evicts the least recently used source without open connections among the oldest {@value #EVICTION_SCAN}.
   * Sources with open connections met on the way are moved to the young end, so long-lived connections do not pile
   * up at the old end and block eviction.
   */
  private boolean evictOne() {
    Iterator<Map.Entry<SourceKey, Entry>> it = table.entrySet().iterator();
    List<SourceKey> busy = new ArrayList<>();
    boolean evicted = false;
    for (int i = 0; i < EVICTION_SCAN && it.hasNext(); i++) {
      Map.Entry<SourceKey, Entry> e = it.next();
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
