package io.sslfarm.edge.upstream;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Weighted least-connections with the power of two choices (the default, {@code edge.balance: p2c}).
 *
 * <p>Two candidates are drawn at random with probability proportional to their weight; the one with fewer open
 * connections per unit of weight ({@code active / weight}) wins, the first draw on a tie. With long connections
 * this converges to {@code active ∝ weight}; with short ones (everything at 0 active) the weighted draw alone
 * gives the weight ratio. Two draws instead of a full scan: O(log N) per pick, no herd on the one least-loaded
 * node when several edges see the same stale counts (Mitzenmacher, "The Power of Two Choices").
 */
public final class LeastConnectionsSelector implements UpstreamSelector {

  private record Snapshot(Candidate[] candidates, long[] cumulative, long total) {
    static Snapshot of(List<Candidate> list) {
      Candidate[] c = list.toArray(Candidate[]::new);
      long[] cum = new long[c.length];
      long t = 0;
      for (int i = 0; i < c.length; i++) {
        t += c[i].weight();
        cum[i] = t;
      }
      return new Snapshot(c, cum, t);
    }

    Candidate draw(ThreadLocalRandom rnd) {
      long r = rnd.nextLong(total);
      int lo = 0;
      int hi = cumulative.length - 1;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (cumulative[mid] > r) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      return candidates[lo];
    }
  }

  private volatile Snapshot snapshot = Snapshot.of(List.of());

  @Override
  public void update(List<Candidate> candidates) {
    snapshot = Snapshot.of(candidates);
  }

  @Override
  public Upstream select(InetAddress client, Collection<Upstream> exclude) {
    Snapshot s = snapshot;
    if (!exclude.isEmpty()) {
      List<Candidate> left = new ArrayList<>(s.candidates.length);
      for (Candidate c : s.candidates) {
        if (!exclude.contains(c.upstream())) {
          left.add(c);
        }
      }
      s = Snapshot.of(left);
    }
    if (s.candidates.length == 0) {
      return null;
    }
    if (s.candidates.length == 1) {
      return s.candidates[0].upstream();
    }
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    Candidate a = s.draw(rnd);
    Candidate b = s.draw(rnd);
    for (int i = 0; i < 3 && b == a; i++) {
      b = s.draw(rnd);
    }
    // a.active / a.weight <= b.active / b.weight, without division
    long la = (long) a.upstream().active() * b.weight();
    long lb = (long) b.upstream().active() * a.weight();
    return (lb < la ? b : a).upstream();
  }
}
