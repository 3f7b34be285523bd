package io.sslfarm.edge.upstream;

import static io.sslfarm.edge.upstream.SelectorTestSupport.candidates;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class MaglevSelectorTest {

  private static final Logger log = LoggerFactory.getLogger(MaglevSelectorTest.class);

  private static List<InetAddress> clients(int n) throws UnknownHostException {
    Random r = new Random(7);
    List<InetAddress> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] a = new byte[4];
      r.nextBytes(a);
      out.add(InetAddress.getByAddress(a));
    }
    return out;
  }

  private static Map<InetAddress, String> assign(MaglevSelector s, List<InetAddress> clients) {
    Map<InetAddress, String> m = new HashMap<>();
    for (InetAddress c : clients) {
      m.put(c, s.select(c, Set.of()).id());
    }
    return m;
  }

  @Test
  void tableSize_isAPrimeOfAtLeast100PerNode_andStableAcrossSmallChanges() {
    assertThat(MaglevSelector.tableSize(1)).isEqualTo(65_537);
    assertThat(MaglevSelector.tableSize(655)).isEqualTo(65_537);
    assertThat(MaglevSelector.tableSize(656)).isEqualTo(655_373);
    assertThat(java.math.BigInteger.valueOf(655_373).isProbablePrime(50)).isTrue();
  }

  @Test
  void oneOfTenNodesLeaving_movesOnlyItsOwnClientsPlusLittle() throws Exception {
    int n = 10;
    List<Candidate> all = candidates(10, 10, 10, 10, 10, 10, 10, 10, 10, 10);
    MaglevSelector s = new MaglevSelector();
    s.update(all);
    List<InetAddress> clients = clients(100_000);
    Map<InetAddress, String> before = assign(s, clients);
    List<Candidate> less = new ArrayList<>(all);
    less.remove(3);
    s.update(less);
    Map<InetAddress, String> after = assign(s, clients);
    long moved = clients.stream().filter(c -> !before.get(c).equals(after.get(c))).count();
    long movedNotFromLeaver = clients.stream()
        .filter(c -> !before.get(c).equals("ssl-3") && !before.get(c).equals(after.get(c))).count();
    double movedShare = moved / (double) clients.size();
    log.info("Maglev N={} one leaves: moved {} of {} clients ({}%), {} of them not from the leaving node", n,
        moved, clients.size(), String.format("%.2f", 100 * movedShare), movedNotFromLeaver);
    assertThat(movedShare).as("share of clients that moved").isLessThan(1.0 / n + 0.02);
    assertThat(movedNotFromLeaver / (double) clients.size()).as("collateral moves").isLessThan(0.02);
  }

  @Test
  void sameNodes_sameTable_onEveryEdge_whateverTheOrderOfUpdates() throws Exception {
    MaglevSelector a = new MaglevSelector();
    MaglevSelector b = new MaglevSelector();
    a.update(candidates(10, 20, 30));
    b.update(candidates(10, 20, 30));
    List<InetAddress> clients = clients(10_000);
    assertThat(assign(a, clients)).isEqualTo(assign(b, clients));
  }

  @Test
  void weights_giveProportionalShares() throws Exception {
    MaglevSelector s = new MaglevSelector();
    s.update(candidates(50, 30, 20));
    Map<String, Integer> n = new HashMap<>();
    assign(s, clients(100_000)).values().forEach(id -> n.merge(id, 1, Integer::sum));
    assertThat(n.get("ssl-0")).isBetween(47_500, 52_500);
    assertThat(n.get("ssl-1")).isBetween(28_500, 31_500);
    assertThat(n.get("ssl-2")).isBetween(19_000, 21_000);
  }

  @Test
  void excludedNode_fallsToTheNextSlotsOwner() throws Exception {
    MaglevSelector s = new MaglevSelector();
    List<Candidate> c = candidates(10, 10, 10);
    s.update(c);
    for (InetAddress client : clients(1000)) {
      Upstream first = s.select(client, Set.of());
      Upstream retry = s.select(client, Set.of(first));
      assertThat(retry).isNotNull().isNotSameAs(first);
    }
  }
}
