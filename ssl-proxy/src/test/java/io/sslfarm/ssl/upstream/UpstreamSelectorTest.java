package io.sslfarm.ssl.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.sslfarm.cluster.NodeInfo;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.cluster.NodeState;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class UpstreamSelectorTest {

  static NodeInfo router(String id, int weight, NodeState state) {
    return new NodeInfo(id, NodeRole.ROUTER, "127.0.0.1:1", "127.0.0.1:2", weight, state, "t", "m", 0);
  }

  @Test
  void picksLeastLoaded_skipsDrainingAndWeightZero() {
    AtomicReference<List<NodeInfo>> nodes = new AtomicReference<>(List.of(router("r1", 10, NodeState.ACTIVE),
        router("r2", 10, NodeState.ACTIVE), router("r3", 0, NodeState.ACTIVE), router("r4", 10, NodeState.DRAINING)));
    UpstreamSelector s = new UpstreamSelector(nodes::get, Duration.ofSeconds(5));
    s.opened("r1");
    s.opened("r1");
    s.opened("r2");
    for (int i = 0; i < 20; i++) {
      assertThat(s.choose(Set.of()).orElseThrow().id()).isEqualTo("r2");
    }
    s.closed("r1");
    s.closed("r1");
    assertThat(s.choose(Set.of()).orElseThrow().id()).isEqualTo("r1");
    assertThat(s.choose(Set.of("r1", "r2"))).isEmpty();
  }

  @Test
  void failedRouterSkippedDuringBackoff_unlessNoOtherLeft() {
    UpstreamSelector s = new UpstreamSelector(() -> List.of(router("r1", 10, NodeState.ACTIVE),
        router("r2", 10, NodeState.ACTIVE)), Duration.ofMinutes(1));
    s.connectFailed("r1");
    for (int i = 0; i < 20; i++) {
      assertThat(s.choose(Set.of()).orElseThrow().id()).isEqualTo("r2");
    }
    assertThat(s.choose(Set.of("r2")).orElseThrow().id()).isEqualTo("r1");
  }

  @Test
  void chooseNeverFailsWhileOtherLoopsOpenAndClose() throws Exception {
    UpstreamSelector s = new UpstreamSelector(() -> List.of(router("r1", 10, NodeState.ACTIVE),
        router("r2", 10, NodeState.ACTIVE), router("r3", 10, NodeState.ACTIVE)), Duration.ofSeconds(5));
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread churn = new Thread(() -> {
      String[] ids = {"r1", "r2", "r3"};
      for (int i = 0; !stop.get() && i < 50_000_000; i++) {
        s.opened(ids[i % 3]);
        s.closed(ids[(i + 1) % 3]);
      }
    });
    churn.start();
    try {
      long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
      for (int i = 0; i < 2_000_000 && System.nanoTime() < end; i++) {
        assertThat(s.choose(Set.of())).isPresent();
      }
    } finally {
      stop.set(true);
      churn.join(5000);
    }
  }
}
