package io.sslfarm.edge.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.sslfarm.edge.EdgeMetrics.RejectReason;
import java.net.InetAddress;
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
}
