package io.sslfarm.edge.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.sslfarm.edge.EdgeMetrics.RejectReason;
import io.sslfarm.edge.EdgeOptions;
import io.sslfarm.net.CidrSet;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SourceLimiterTest {

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  private static InetAddress ip(int i) throws Exception {
    return InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
  }

  @Test
  void openConnectionLimit_refusesTheNextAndFreesOnRelease() throws Exception {
    SourceLimiter l = new SourceLimiter(2, 0, 100, nanos::get);
    assertThat(l.acquire(ip(1))).isNull();
    assertThat(l.acquire(ip(1))).isNull();
    assertThat(l.acquire(ip(1))).isEqualTo(RejectReason.LIMIT_CONN);
    assertThat(l.acquire(ip(2))).as("another source is independent").isNull();
    l.release(ip(1));
    assertThat(l.acquire(ip(1))).isNull();
  }

  @Test
  void rateLimit_burstOfOneSecond_thenRefillsOverTime() throws Exception {
    SourceLimiter l = new SourceLimiter(0, 10, 100, nanos::get);
    for (int i = 0; i < 10; i++) {
      assertThat(l.acquire(ip(1))).isNull();
      l.release(ip(1));
    }
    assertThat(l.acquire(ip(1))).isEqualTo(RejectReason.LIMIT_RATE);
    nanos.addAndGet(300_000_000L); // 0.3 s at 10/s = 3 tokens
    for (int i = 0; i < 3; i++) {
      assertThat(l.acquire(ip(1))).isNull();
    }
    assertThat(l.acquire(ip(1))).isEqualTo(RejectReason.LIMIT_RATE);
  }

  @Test
  void floodOfSources_staysWithinTheTableSize() throws Exception {
    SourceLimiter l = new SourceLimiter(5, 10, 1000, nanos::get);
    for (int i = 0; i < 200_000; i++) {
      assertThat(l.acquire(ip(i))).isNull();
      l.release(ip(i));
    }
    assertThat(l.size()).isLessThanOrEqualTo(1000);
  }

  @Test
  void fullTableOfOpenSources_refusesNewSources_untilOneCloses() throws Exception {
    SourceLimiter l = new SourceLimiter(5, 0, 16, nanos::get);
    for (int i = 0; i < 16; i++) {
      assertThat(l.acquire(ip(i))).isNull(); // kept open
    }
    assertThat(l.acquire(ip(99))).isEqualTo(RejectReason.LIMIT_CONN);
    l.release(ip(7));
    assertThat(l.acquire(ip(99))).isNull();
    assertThat(l.size()).isEqualTo(16);
  }

  @Test
  void noLimits_tracksNothing() throws Exception {
    SourceLimiter l = new SourceLimiter(0, 0, 16, nanos::get);
    for (int i = 0; i < 100; i++) {
      assertThat(l.acquire(ip(i))).isNull();
    }
    assertThat(l.size()).isZero();
  }

  private static InetAddress addr(String literal) throws Exception {
    return InetAddress.getByName(literal); // a literal: no DNS lookup
  }

  private SourceLimiter defaults() {
    return SourceLimiter.of(new EdgeOptions().validate(), nanos::get);
  }

  @Test
  void defaults_limitANonExemptSource_byRateThenByOpenConnections() throws Exception {
    SourceLimiter l = defaults();
    assertThat(l.enabled()).as("on by default").isTrue();
    InetAddress client = addr("203.0.113.7");
    int admitted = 0;
    while (l.acquire(client) == null) {
      admitted++;
    }
    assertThat(admitted).as("one second's burst").isEqualTo(EdgeOptions.DEFAULT_MAX_NEW_PER_SECOND_PER_SOURCE);
    assertThat(l.acquire(client)).isEqualTo(RejectReason.LIMIT_RATE);
    RejectReason last = null;
    for (int second = 0; second < 10 && last != RejectReason.LIMIT_CONN; second++) {
      nanos.addAndGet(1_000_000_000L);
      while ((last = l.acquire(client)) == null) {
        admitted++;
      }
    }
    assertThat(last).isEqualTo(RejectReason.LIMIT_CONN);
    assertThat(admitted).isEqualTo(EdgeOptions.DEFAULT_MAX_CONNECTIONS_PER_SOURCE);
    assertThat(l.open(client)).isEqualTo(EdgeOptions.DEFAULT_MAX_CONNECTIONS_PER_SOURCE);
    assertThat(l.acquire(addr("203.0.113.8"))).as("another IPv4 address is another source").isNull();
  }

  @Test
  void defaults_exemptLoopback_isNeverLimitedNorTracked() throws Exception {
    SourceLimiter l = defaults();
    for (int i = 0; i < 5_000; i++) {
      assertThat(l.acquire(addr("127.0.0.1"))).isNull();
      assertThat(l.acquire(addr("127.9.8.7"))).isNull();
      assertThat(l.acquire(addr("::1"))).isNull();
    }
    assertThat(l.size()).isZero();
  }

  @Test
  void ipv6_sameSlash64SharesOneBudget_otherSlash64sDoNot() throws Exception {
    SourceLimiter l = new SourceLimiter(2, 0, 100, 32, 64, CidrSet.EMPTY, nanos::get);
    assertThat(l.acquire(addr("2001:db8:1:2::1"))).isNull();
    assertThat(l.acquire(addr("2001:db8:1:2:ffff:ffff:ffff:fffe"))).isNull();
    assertThat(l.acquire(addr("2001:db8:1:2:abcd::3"))).as("third address of the same /64")
        .isEqualTo(RejectReason.LIMIT_CONN);
    assertThat(l.acquire(addr("2001:db8:1:3::1"))).as("the next /64").isNull();
    assertThat(l.acquire(addr("2001:db8:2:2::1"))).as("another /48").isNull();
    assertThat(l.open(addr("2001:db8:1:2::99"))).isEqualTo(2);
    assertThat(l.size()).isEqualTo(3);
    l.release(addr("2001:db8:1:2::1"));
    assertThat(l.acquire(addr("2001:db8:1:2::4"))).isNull();
  }

  @Test
  void ipv6_rateBudgetIsSharedPerSlash64_byDefault() throws Exception {
    SourceLimiter l = defaults();
    int admitted = 0;
    // a host rotating through its /64 (one new address per connection) still spends one bucket
    for (int i = 1; l.acquire(addr("2001:db8:7:7::" + Integer.toHexString(i))) == null; i++) {
      admitted++;
    }
    assertThat(admitted).isEqualTo(EdgeOptions.DEFAULT_MAX_NEW_PER_SECOND_PER_SOURCE);
    assertThat(l.acquire(addr("2001:db8:7:8::1"))).isNull();
    assertThat(l.sourceOf(addr("2001:db8:7:7:1:2:3:4"))).isEqualTo("2001:db8:7:7::/64");
  }

  @Test
  void prefixLengths_areConfigurable() throws Exception {
    SourceLimiter l = new SourceLimiter(1, 0, 100, 24, 128, CidrSet.EMPTY, nanos::get);
    assertThat(l.acquire(addr("198.51.100.1"))).isNull();
    assertThat(l.acquire(addr("198.51.100.200"))).as("same /24").isEqualTo(RejectReason.LIMIT_CONN);
    assertThat(l.acquire(addr("198.51.101.1"))).isNull();
    assertThat(l.acquire(addr("2001:db8::1"))).isNull();
    assertThat(l.acquire(addr("2001:db8::2"))).as("/128: each address").isNull();
    assertThat(l.sourceOf(addr("198.51.100.77"))).isEqualTo("198.51.100.0/24");
    SourceLimiter odd = new SourceLimiter(1, 0, 100, 32, 56, CidrSet.EMPTY, nanos::get);
    assertThat(odd.acquire(addr("2001:db8:1:2ff::1"))).isNull();
    assertThat(odd.acquire(addr("2001:db8:1:200::1"))).as("same /56").isEqualTo(RejectReason.LIMIT_CONN);
    assertThat(odd.acquire(addr("2001:db8:1:300::1"))).isNull();
  }

  @Test
  void ipv4MappedIpv6_countsAsTheIpv4Address() throws Exception {
    SourceLimiter l = new SourceLimiter(1, 0, 100, 32, 64, CidrSet.EMPTY, nanos::get);
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 198, 51, 100, 1};
    // with a scope id the JDK keeps the mapped form as an Inet6Address
    InetAddress v6 = java.net.Inet6Address.getByAddress(null, mapped, 1);
    assertThat(l.acquire(addr("198.51.100.1"))).isNull();
    assertThat(l.acquire(v6)).isEqualTo(RejectReason.LIMIT_CONN);
  }

  @Test
  void exemptAddressInsideALimitedPrefix_neitherTakesNorFreesItsSlots() throws Exception {
    SourceLimiter l = new SourceLimiter(1, 0, 100, 32, 64,
        CidrSet.parse(List.of("2001:db8:1:2::53/128")), nanos::get);
    assertThat(l.acquire(addr("2001:db8:1:2::1"))).isNull();
    assertThat(l.acquire(addr("2001:db8:1:2::53"))).isNull();
    l.release(addr("2001:db8:1:2::53"));
    assertThat(l.acquire(addr("2001:db8:1:2::2"))).as("the exempt close freed nothing")
        .isEqualTo(RejectReason.LIMIT_CONN);
  }
}
