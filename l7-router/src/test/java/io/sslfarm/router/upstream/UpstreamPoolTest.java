package io.sslfarm.router.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.sslfarm.cluster.HostPort;
import io.sslfarm.router.config.BackendSpec;
import io.sslfarm.router.config.PoolSpec;
import io.sslfarm.router.config.StickySpec;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UpstreamPoolTest {

  private static PoolSpec spec(Duration slowStart, int... weights) {
    BackendSpec[] bs = new BackendSpec[weights.length];
    for (int i = 0; i < weights.length; i++) {
      bs[i] = new BackendSpec("b" + i, new HostPort("127.0.0.1", 1000 + i), weights[i]);
    }
    return new PoolSpec("web", List.of(bs), StickySpec.NONE, Optional.empty(), slowStart);
  }

  private static Map<String, Integer> picks(UpstreamPool p, long now, int n) {
    Map<String, Integer> m = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Upstream u = p.pickNew(now, null);
      m.merge(u == null ? "none" : u.id(), 1, Integer::sum);
    }
    return m;
  }

  @Test
  void weightsSplitNewSessions_zeroGetsNone() {
    UpstreamPool p = new UpstreamPool(spec(Duration.ZERO, 10, 30, 0), 0);
    Map<String, Integer> m = picks(p, 0, 20_000);
    assertThat(m).doesNotContainKey("b2");
    assertThat(m.get("b1") / (double) m.get("b0")).isBetween(2.6, 3.4);
    assertThat(p.byId("b2").available(0)).as("weight 0 still serves sticky sessions").isTrue();
  }

  @Test
  void ejectedBackend_takesNothing_untilBackOffEnds() {
    UpstreamPool p = new UpstreamPool(spec(Duration.ZERO, 10, 10), 0);
    long now = 1_000_000_000L;
    p.byId("b0").reportConnectFailure(now);
    assertThat(picks(p, now + 1, 1000)).containsOnlyKeys("b1");
    assertThat(p.byId("b0").available(now + Duration.ofMillis(999).toNanos())).isFalse();
    assertThat(p.byId("b0").available(now + Duration.ofSeconds(1).toNanos())).isTrue();
    p.byId("b0").reportConnectFailure(now); // second failure in a row: 2 s
    assertThat(p.byId("b0").available(now + Duration.ofMillis(1500).toNanos())).isFalse();
  }

  @Test
  void returningBackend_rampsUpDuringSlowStart() {
    UpstreamPool p = new UpstreamPool(spec(Duration.ofSeconds(10), 10, 10), 0);
    Upstream b0 = p.byId("b0");
    long t = 5_000_000_000L;
    b0.setHealthy(false, t);
    assertThat(picks(p, t, 500)).containsOnlyKeys("b1");
    b0.setHealthy(true, t);
    assertThat(b0.effectiveWeight(t, Duration.ofSeconds(10))).isEqualTo(1.0);
    assertThat(b0.effectiveWeight(t + Duration.ofSeconds(5).toNanos(), Duration.ofSeconds(10))).isEqualTo(5.5);
    assertThat(b0.effectiveWeight(t + Duration.ofSeconds(10).toNanos(), Duration.ofSeconds(10))).isEqualTo(10.0);
    int early = picks(p, t, 20_000).getOrDefault("b0", 0);
    assertThat(early).isBetween(1_200, 2_500); // ~1/11 of new sessions right after coming back
  }

  @Test
  void removedBackend_isGoneForStickyLookups_keptOnesKeepState() {
    UpstreamPool p = new UpstreamPool(spec(Duration.ZERO, 10, 10), 0);
    Upstream b1 = p.byId("b1");
    b1.reportConnectFailure(0);
    Upstream b0 = p.byId("b0");
    p.update(new PoolSpec("web", List.of(new BackendSpec("b1", new HostPort("127.0.0.1", 1001), 50)),
        StickySpec.NONE, Optional.empty(), Duration.ZERO), 0);
    assertThat(p.byId("b0")).isNull();
    assertThat(b0.removed()).isTrue();
    assertThat(p.byId("b1")).isSameAs(b1);
    assertThat(b1.weight()).isEqualTo(50);
    assertThat(b1.ejected(1)).isTrue();
  }
}
