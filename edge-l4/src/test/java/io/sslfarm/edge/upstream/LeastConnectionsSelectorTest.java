package io.sslfarm.edge.upstream;

import static io.sslfarm.edge.upstream.SelectorTestSupport.candidates;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LeastConnectionsSelectorTest {

  private static final InetAddress CLIENT = InetAddress.getLoopbackAddress();

  @Test
  void shortConnections_followTheWeights() {
    LeastConnectionsSelector s = new LeastConnectionsSelector();
    List<Candidate> c = candidates(50, 30, 20);
    s.update(c);
    Map<Upstream, Integer> n = new HashMap<>();
    for (int i = 0; i < 100_000; i++) {
      n.merge(s.select(CLIENT, Set.of()), 1, Integer::sum); // nothing stays open: active is always 0
    }
    assertThat(n.get(c.get(0).upstream())).isBetween(47_500, 52_500);
    assertThat(n.get(c.get(1).upstream())).isBetween(28_500, 31_500);
    assertThat(n.get(c.get(2).upstream())).isBetween(19_000, 21_000);
  }

  @Test
  void longConnections_balanceActivePerWeight() {
    LeastConnectionsSelector s = new LeastConnectionsSelector();
    List<Candidate> c = candidates(50, 30, 20);
    s.update(c);
    for (int i = 0; i < 1000; i++) {
      s.select(CLIENT, Set.of()).connectionOpened();
    }
    assertThat(c.get(0).upstream().active()).isBetween(480, 520);
    assertThat(c.get(1).upstream().active()).isBetween(280, 320);
    assertThat(c.get(2).upstream().active()).isBetween(180, 220);
  }

  @Test
  void excludedNodes_areNeverPicked_andNoneLeftGivesNull() {
    LeastConnectionsSelector s = new LeastConnectionsSelector();
    List<Candidate> c = candidates(10, 10);
    s.update(c);
    for (int i = 0; i < 100; i++) {
      assertThat(s.select(CLIENT, Set.of(c.get(0).upstream()))).isSameAs(c.get(1).upstream());
    }
    assertThat(s.select(CLIENT, Set.of(c.get(0).upstream(), c.get(1).upstream()))).isNull();
    s.update(List.of());
    assertThat(s.select(CLIENT, Set.of())).isNull();
  }

  @Test
  void weightZero_cannotBeACandidate() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> candidates(10, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
