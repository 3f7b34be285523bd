package io.sslfarm.edge.upstream;

import java.net.InetAddress;
import java.util.Collection;
import java.util.List;

/**
 * Smooth weighted round robin (nginx's {@code ngx_http_upstream_get_peer}): every pick adds each candidate's weight
 * to its running score, takes the highest score, and subtracts the total from the winner. Weights 5:1:1 give
 * {@code a a b a c a a}, never a burst of five on one node. A pick takes a short lock (a few additions per node).
 */
public final class RoundRobinSelector implements UpstreamSelector {

  private static final class Snapshot {
    final Candidate[] candidates;
    final long[] current;

    Snapshot(List<Candidate> list) {
      candidates = list.toArray(Candidate[]::new);
      current = new long[candidates.length];
    }
  }

  private volatile Snapshot snapshot = new Snapshot(List.of());

  @Override
  public void update(List<Candidate> candidates) {
    snapshot = new Snapshot(candidates);
  }

  @Override
  public Upstream select(InetAddress client, Collection<Upstream> exclude) {
    Snapshot s = snapshot;
    synchronized (s) {
      int best = -1;
      long total = 0;
      for (int i = 0; i < s.candidates.length; i++) {
        Candidate c = s.candidates[i];
        if (!exclude.isEmpty() && exclude.contains(c.upstream())) {
          continue;
        }
        s.current[i] += c.weight();
        total += c.weight();
        if (best < 0 || s.current[i] > s.current[best]) {
          best = i;
        }
      }
      if (best < 0) {
        return null;
      }
      s.current[best] -= total;
      return s.candidates[best].upstream();
    }
  }
}
