package io.sslfarm.edge.upstream;

import static io.sslfarm.edge.upstream.SelectorTestSupport.candidates;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoundRobinSelectorTest {

  private static final InetAddress CLIENT = InetAddress.getLoopbackAddress();

  @Test
  void weights5_1_1_giveNginxSmoothSequence() {
    RoundRobinSelector s = new RoundRobinSelector();
    List<Candidate> c = candidates(5, 1, 1);
    s.update(c);
    List<String> seq = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      seq.add(s.select(CLIENT, Set.of()).id());
    }
    // nginx's documented example for weights 5,1,1: a a b a c a a
    assertThat(seq).containsExactly("ssl-0", "ssl-0", "ssl-1", "ssl-0", "ssl-2", "ssl-0", "ssl-0");
  }

  @Test
  void excludedNode_isSkipped() {
    RoundRobinSelector s = new RoundRobinSelector();
    List<Candidate> c = candidates(1, 1, 1);
    s.update(c);
    for (int i = 0; i < 30; i++) {
      assertThat(s.select(CLIENT, Set.of(c.get(1).upstream()))).isNotSameAs(c.get(1).upstream());
    }
  }
}
