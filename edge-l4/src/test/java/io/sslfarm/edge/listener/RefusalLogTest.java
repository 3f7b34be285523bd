package io.sslfarm.edge.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.sslfarm.edge.EdgeMetrics.RejectReason;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RefusalLogTest {

  @Test
  void floodOfRefusals_writesOneLinePerInterval() {
    AtomicLong nanos = new AtomicLong(5_000_000_000L);
    RefusalLog log = new RefusalLog(10_000_000_000L, nanos::get);
    assertThat(log.refused("c1", "198.51.100.1/32", RejectReason.LIMIT_CONN)).isTrue();
    int lines = 0;
    for (int i = 0; i < 10_000; i++) {
      nanos.addAndGet(1_000_000L); // 10 s in 1 ms steps
      if (log.refused("c" + i, "198.51.100.1/32", RejectReason.LIMIT_RATE)) {
        lines++;
      }
    }
    assertThat(lines).isEqualTo(1);
  }
}
