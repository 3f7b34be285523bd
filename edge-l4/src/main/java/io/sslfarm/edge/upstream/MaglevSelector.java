package io.sslfarm.edge.upstream;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;

/**
 * Maglev consistent hashing on the client address (Eisenbud et al., "Maglev: A Fast and Reliable Software Network
 * Load Balancer", NSDI 2016, §3.4), so that every edge sends a client to the same SSL node (which holds its TLS
 * session) and a membership change moves few clients.
 *
 * <pre>
 *   node i:  offset = h1(id) mod M,  skip = h2(id) mod (M − 1) + 1,  permutation[i][j] = (offset + j·skip) mod M
 *   fill:    nodes take turns claiming their next still-free slot until all M slots are owned
 *   lookup:  table[h(client address) mod M]
 * </pre>
 *
 * <p>M is a prime ≥ 100·N taken from a fixed ladder (65,537 up to 655 nodes), so it does not change when one node
 * comes or goes: a changing M would reshuffle every permutation. Weights use Envoy's weighted fill: a node with
 * weight w takes a turn in round r only while {@code r · w ≥ its claimed turns · maxWeight}, so its share of
 * slots is proportional to w. Hashes are fixed (FNV-1a 64 + murmur3 finalizer) so all edges, whatever JVM, build
 * the same table from the same node ids. The table is rebuilt off the event loop and published as one immutable
 * snapshot.
 */
public final class MaglevSelector implements UpstreamSelector {

  private static final int[] TABLE_SIZES = {65_537, 655_373, 6_553_607};

  private record Table(Upstream[] slots, int size) {
  }

  private volatile Table table = new Table(new Upstream[0], 0);

  /** The table size used for {@code n} nodes: the first prime of the ladder that is at least 100·n. */
  public static int tableSize(int n) {
    for (int m : TABLE_SIZES) {
      if (m >= 100L * n) {
        return m;
      }
    }
    throw new IllegalArgumentException("too many nodes for Maglev: " + n);
  }

  @Override
  public void update(List<Candidate> candidates) {
    table = build(candidates);
  }

  static Table build(List<Candidate> candidates) {
    int n = candidates.size();
    if (n == 0) {
      return new Table(new Upstream[0], 0);
    }
    int m = tableSize(n);
    long[] offset = new long[n];
    long[] skip = new long[n];
    long[] next = new long[n];
    long[] turns = new long[n];
    long maxWeight = 0;
    for (int i = 0; i < n; i++) {
      byte[] id = candidates.get(i).upstream().id().getBytes(StandardCharsets.UTF_8);
      offset[i] = Long.remainderUnsigned(hash(id, 0x9E3779B97F4A7C15L), m);
      skip[i] = Long.remainderUnsigned(hash(id, 0xC2B2AE3D27D4EB4FL), m - 1) + 1;
      maxWeight = Math.max(maxWeight, candidates.get(i).weight());
    }
    int[] owner = new int[m];
    java.util.Arrays.fill(owner, -1);
    int filled = 0;
    outer:
    for (long round = 1; ; round++) {
      for (int i = 0; i < n; i++) {
        if (round * candidates.get(i).weight() < turns[i] * maxWeight) {
          continue;
        }
        turns[i]++;
        int c = (int) ((offset[i] + next[i] * skip[i]) % m);
        while (owner[c] >= 0) {
          next[i]++;
          c = (int) ((offset[i] + next[i] * skip[i]) % m);
        }
        owner[c] = i;
        next[i]++;
        if (++filled == m) {
          break outer;
        }
      }
    }
    Upstream[] slots = new Upstream[m];
    for (int s = 0; s < m; s++) {
      slots[s] = candidates.get(owner[s]).upstream();
    }
    return new Table(slots, m);
  }

  @Override
  public Upstream select(InetAddress client, Collection<Upstream> exclude) {
    Table t = table;
    if (t.size == 0) {
      return null;
    }
    int slot = (int) Long.remainderUnsigned(hash(client.getAddress(), 0x51AFD7ED558CCD6DL), t.size);
    Upstream u = t.slots[slot];
    if (exclude.isEmpty() || !exclude.contains(u)) {
      return u;
    }
    // A node failed this connection: walk the table to the next slot owned by another node (same on every edge).
    for (int i = 1; i < t.size; i++) {
      Upstream v = t.slots[(slot + i) % t.size];
      if (!exclude.contains(v)) {
        return v;
      }
    }
    return null;
  }

  /** FNV-1a 64 with a seed, then the murmur3 64-bit finalizer for avalanche. Stable across JVMs and versions. */
  static long hash(byte[] data, long seed) {
    long h = 0xCBF29CE484222325L ^ seed;
    for (byte b : data) {
      h ^= b & 0xFF;
      h *= 0x100000001B3L;
    }
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    h ^= h >>> 33;
    return h;
  }
}
