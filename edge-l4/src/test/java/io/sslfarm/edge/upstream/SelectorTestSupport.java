package io.sslfarm.edge.upstream;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

final class SelectorTestSupport {

  private SelectorTestSupport() {
  }

  static Upstream upstream(String id) {
    return new Upstream(id, InetSocketAddress.createUnresolved(id, 443), 10);
  }

  /** Candidates named ssl-0.. with the given weights. */
  static List<Candidate> candidates(int... weights) {
    List<Candidate> out = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      out.add(new Candidate(upstream("ssl-" + i), weights[i]));
    }
    return out;
  }
}
