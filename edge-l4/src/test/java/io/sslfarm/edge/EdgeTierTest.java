package io.sslfarm.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sslfarm.edge.EdgeMetrics.RejectReason;
import io.sslfarm.edge.testing.EdgeFixture;
import io.sslfarm.edge.testing.FakeSslNode;
import io.sslfarm.edge.upstream.Upstream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(120)
class EdgeTierTest {

  private EdgeFixture f;

  @BeforeEach
  void setUp() {
    f = new EdgeFixture();
  }

  @AfterEach
  void tearDown() throws Exception {
    f.close();
  }

  private void awaitHealthy(int n) {
    await().atMost(Duration.ofSeconds(5)).until(() -> f.healthyNodes() == n);
  }

  private double rejected(RejectReason r) {
    return f.edge.metrics().rejectedCount(r);
  }

  @Test
  void clientAddress_arrivesInProxyHeader() throws Exception {
    FakeSslNode n = f.addNode("ssl-a", 10);
    f.startEdge(Map.of());
    awaitHealthy(1);
    assertThat(f.edge.transportName()).isEqualTo(io.sslfarm.net.EpollTransport.usable()
        ? "epoll (Vert.x loops)" : "nio (own loops)");
    try (Socket s = f.connect()) {
      assertThat(EdgeFixture.readLine(s)).isEqualTo("ssl-a 127.0.0.1:" + s.getLocalPort());
      assertThat(n.sources()).containsExactly(new InetSocketAddress("127.0.0.1", s.getLocalPort()));
    }
    assertThat(n.missingHeader()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"p2c", "round-robin"})
  void distributionAcrossThreeNodes_matchesWeightsWithin5Percent_weightZeroGetsNone(String balance) throws Exception {
    Map<String, Integer> weights = Map.of("ssl-a", 50, "ssl-b", 30, "ssl-c", 20, "ssl-zero", 0);
    for (var e : weights.entrySet()) {
      f.addNode(e.getKey(), e.getValue());
    }
    f.startEdge(Map.of("edge.balance", balance));
    awaitHealthy(4); // ssl-zero answers its health check but has weight 0
    Map<String, Integer> counts = new HashMap<>();
    for (int batch = 0; batch < 10; batch++) {
      // connections held open in batches of 300, so least-connections sees real load
      List<Socket> open = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        Socket s = f.connect();
        open.add(s);
        String id = EdgeFixture.readLine(s).split(" ")[0];
        counts.merge(id, 1, Integer::sum);
      }
      for (Socket s : open) {
        s.close();
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> f.edge.activeConnections() == 0);
    }
    org.slf4j.LoggerFactory.getLogger(EdgeTierTest.class).info("{}: 3000 connections went {}", balance, counts);
    assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(3000);
    assertThat(counts.getOrDefault("ssl-zero", 0)).isZero();
    assertThat(f.nodes.stream().filter(n -> n.id().equals("ssl-zero")).findFirst().orElseThrow().connections())
        .isZero();
    for (String id : List.of("ssl-a", "ssl-b", "ssl-c")) {
      double expected = 3000.0 * weights.get(id) / 100;
      assertThat((double) counts.getOrDefault(id, 0)).as("%s got %s", id, counts)
          .isBetween(expected * 0.95, expected * 1.05);
      assertThat(f.picks(id)).isEqualTo(counts.get(id).doubleValue());
    }
  }

  @Test
  void killedSslNode_getsNoNewConnectionsWithin1s_andNoClientFails() throws Exception {
    f.addNode("ssl-a", 10);
    FakeSslNode b = f.addNode("ssl-b", 10);
    f.addNode("ssl-c", 10);
    f.startEdge(Map.of("edge.health.interval", "100ms", "edge.health.timeout", "200ms", "edge.health.fall", 2));
    awaitHealthy(3);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    AtomicInteger failuresAfterDown = new AtomicInteger();
    List<String> answeredAfterDown = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean bDown = new AtomicBoolean();
    CompletableFuture<Void> clients = CompletableFuture.runAsync(() -> {
      while (!stop.get()) {
        boolean afterDown = bDown.get();
        try (Socket s = f.connect()) {
          String line = EdgeFixture.readLine(s);
          if (line == null) {
            failures.incrementAndGet();
            if (afterDown) {
              failuresAfterDown.incrementAndGet();
            }
          } else {
            ok.incrementAndGet();
            if (bDown.get()) {
              answeredAfterDown.add(line.split(" ")[0]);
            }
          }
        } catch (IOException e) {
          failures.incrementAndGet();
          if (afterDown) {
            failuresAfterDown.incrementAndGet();
          }
        }
      }
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() >= 200);
    b.close(); // killed: listener and connections gone
    long killedAt = System.nanoTime();
    Upstream ub = f.edge.pool().upstream("ssl-b");
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
        .until(() -> ub.health() == Upstream.Health.DOWN);
    long downAfterMs = (System.nanoTime() - killedAt) / 1_000_000;
    bDown.set(true);
    double picksAtDown = f.picks("ssl-b");
    int okAtDown = ok.get();
    await().atMost(Duration.ofSeconds(20)).until(() -> ok.get() >= okAtDown + 300);
    stop.set(true);
    clients.get(10, TimeUnit.SECONDS);
    assertThat(downAfterMs).isLessThan(1000);
    assertThat(f.picks("ssl-b")).as("picks of the dead node after it went DOWN").isEqualTo(picksAtDown);
    assertThat(answeredAfterDown).isNotEmpty().doesNotContain("ssl-b");
    // A connection that reached ssl-b just before it died (accepted, then closed with it) can fail in the kill
    // window: bytes were already relayed, so it is not retried. After DOWN, none may fail.
    org.slf4j.LoggerFactory.getLogger(EdgeTierTest.class).info(
        "killed node: DOWN after {} ms; {} clients ok, {} failed in the kill window, {} after DOWN; retries {}",
        downAfterMs, ok.get(), failures.get() - failuresAfterDown.get(), failuresAfterDown.get(),
        f.edge.metrics().connectRetries());
    assertThat(failuresAfterDown.get()).as("client connections that failed after the node went DOWN").isZero();
    assertThat(failures.get()).as("client connections that failed in the kill window").isLessThanOrEqualTo(2);
  }

  @Test
  void aclDenyBeforeAllow_blocksThatClient() throws Exception {
    FakeSslNode n = f.addNode("ssl-a", 10);
    f.startEdge(Map.of("edge.acl", List.of("deny 127.0.0.1/32", "allow 127.0.0.0/8"), "edge.acl-default", "deny"));
    awaitHealthy(1);
    try (Socket s = f.connect()) {
      assertThat(readOrEof(s)).isNull();
    }
    assertThat(rejected(RejectReason.ACL)).isEqualTo(1);
    assertThat(n.connections()).isZero();
  }

  @Test
  void aclAllowBeforeDeny_admitsThatClient() throws Exception {
    f.addNode("ssl-a", 10);
    f.startEdge(Map.of("edge.acl", List.of(Map.of("action", "allow", "cidr", "127.0.0.1"),
        Map.of("action", "deny", "cidr", "127.0.0.0/8")), "edge.acl-default", "deny"));
    awaitHealthy(1);
    try (Socket s = f.connect()) {
      assertThat(EdgeFixture.readLine(s)).startsWith("ssl-a ");
    }
    assertThat(rejected(RejectReason.ACL)).isZero();
  }

  @Test
  void clientOverItsConnectionLimit_isRefusedAndCounted() throws Exception {
    f.addNode("ssl-a", 10);
    // loopback is exempt by default: limit every source so that this client is counted
    f.startEdge(Map.of("edge.max-connections-per-source", 3, "edge.per-source-exempt", List.of()));
    awaitHealthy(1);
    List<Socket> open = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Socket s = f.connect();
      open.add(s);
      assertThat(EdgeFixture.readLine(s)).startsWith("ssl-a ");
    }
    try (Socket fourth = f.connect()) {
      assertThat(readOrEof(fourth)).isNull();
    }
    assertThat(rejected(RejectReason.LIMIT_CONN)).isEqualTo(1);
    open.remove(0).close();
    await().atMost(Duration.ofSeconds(5))
        .until(() -> f.edge.listener().sources().open(java.net.InetAddress.getByName("127.0.0.1")) == 2);
    try (Socket again = f.connect()) {
      assertThat(EdgeFixture.readLine(again)).startsWith("ssl-a ");
    }
    for (Socket s : open) {
      s.close();
    }
  }

  @Test
  void clientOverItsNewConnectionRate_isRefusedAndCounted() throws Exception {
    f.addNode("ssl-a", 10);
    f.startEdge(Map.of("edge.max-new-per-second-per-source", 5, "edge.per-source-exempt", List.of()));
    awaitHealthy(1);
    int admitted = 0;
    for (int i = 0; i < 20; i++) {
      try (Socket s = f.connect()) {
        if (readOrEof(s) != null) {
          admitted++;
        }
      }
    }
    // a bucket of 5 refilled at 5/s: 20 quick connections admit 5 plus what refilled meanwhile
    assertThat(admitted).isBetween(5, 10);
    assertThat(rejected(RejectReason.LIMIT_RATE)).isEqualTo(20 - admitted);
  }

  /** Connects from loopback as a trusted balancer and sends a PROXY v2 header carrying {@code client}. */
  private Socket connectAs(String client) throws IOException {
    Socket s = f.connect();
    InetAddress source = InetAddress.getByName(client);
    String destination = source instanceof java.net.Inet6Address ? "2001:db8:ffff::1" : "198.51.100.1";
    ByteBuf h = io.sslfarm.net.ProxyHeaderEncoder.encode(io.sslfarm.net.ProxyInfo.proxy(
        new InetSocketAddress(source, 40000), new InetSocketAddress(destination, 443)),
        UnpooledByteBufAllocator.DEFAULT);
    s.getOutputStream().write(ByteBufUtil.getBytes(h));
    h.release();
    return s;
  }

  @Test
  void ipv6ClientsOfOneSlash64_shareOneConnectionBudget_otherSlash64Unaffected() throws Exception {
    f.addNode("ssl-a", 10);
    // default prefixes and exemptions; only the open-connection limit lowered so that the test stays small
    f.startEdge(Map.of("edge.accept-proxy", true, "edge.trusted-proxies", List.of("127.0.0.0/8"),
        "edge.max-connections-per-source", 2));
    awaitHealthy(1);
    List<Socket> open = new ArrayList<>();
    for (String a : List.of("2001:db8:1:2::1", "2001:db8:1:2:aaaa:bbbb:cccc:dddd")) {
      Socket s = connectAs(a);
      open.add(s);
      assertThat(EdgeFixture.readLine(s)).startsWith("ssl-a ");
    }
    try (Socket third = connectAs("2001:db8:1:2::3")) {
      assertThat(readOrEof(third)).as("a third address of the same /64").isNull();
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> rejected(RejectReason.LIMIT_CONN) == 1);
    try (Socket other = connectAs("2001:db8:1:3::1")) {
      assertThat(EdgeFixture.readLine(other)).as("the next /64").startsWith("ssl-a ");
    }
    for (Socket s : open) {
      assertThat(s.isClosed()).isFalse();
      s.close();
    }
    assertThat(rejected(RejectReason.LIMIT_CONN)).isEqualTo(1);
  }

  @Test
  void defaultLimits_countANonExemptClient_butNotLoopback() throws Exception {
    f.addNode("ssl-a", 10);
    f.startEdge(Map.of("edge.accept-proxy", true, "edge.trusted-proxies", List.of("127.0.0.0/8")));
    awaitHealthy(1);
    // the numbers themselves are checked with a fake clock in SourceLimiterTest; here: the defaults are wired in
    var sources = f.edge.listener().sources();
    InetAddress client = InetAddress.getByName("203.0.113.9");
    try (Socket s = connectAs("203.0.113.9"); Socket local = f.connect()) {
      assertThat(EdgeFixture.readLine(s)).isEqualTo("ssl-a 203.0.113.9:40000");
      ByteBuf h = io.sslfarm.net.ProxyHeaderEncoder.encode(io.sslfarm.net.ProxyInfo.local(),
          UnpooledByteBufAllocator.DEFAULT);
      local.getOutputStream().write(ByteBufUtil.getBytes(h));
      h.release();
      assertThat(EdgeFixture.readLine(local)).as("PROXY LOCAL: the balancer's own address, loopback")
          .startsWith("ssl-a ");
      assertThat(sources.limits(client)).isTrue();
      assertThat(sources.open(client)).isEqualTo(1);
      assertThat(sources.size()).as("loopback is not tracked").isEqualTo(1);
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> sources.open(client) == 0);

    // a client on loopback (exempt by default) is not limited, even with a per-source limit of 1
    EdgeTier direct = f.startAnotherEdge(Map.of("edge.max-connections-per-source", 1));
    int directPort = direct.listener().localAddress().getPort();
    await().atMost(Duration.ofSeconds(5)).until(() -> EdgeFixture.healthyNodes(direct) == 1);
    List<Socket> open = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        Socket s = EdgeFixture.connect(InetAddress.getByName("127.0.0.1"), directPort);
        open.add(s);
        assertThat(EdgeFixture.readLine(s)).startsWith("ssl-a ");
      }
    } finally {
      for (Socket s : open) {
        s.close();
      }
    }
    assertThat(direct.metrics().rejectedCount(RejectReason.LIMIT_CONN)).isZero();
  }

  @Test
  void noHealthySslNode_refusesAndCounts() throws Exception {
    f.startEdge(Map.of());
    try (Socket s = f.connect()) {
      assertThat(readOrEof(s)).isNull();
    }
    assertThat(rejected(RejectReason.NO_UPSTREAM)).isEqualTo(1);
  }

  @Test
  void proxyHeaderFromTrustedBalancer_forwardsTheOriginalClientAddress() throws Exception {
    FakeSslNode n = f.addNode("ssl-a", 10);
    f.startEdge(Map.of("edge.accept-proxy", true, "edge.trusted-proxies", List.of("127.0.0.0/8")));
    awaitHealthy(1);
    try (Socket s = f.connect()) {
      ByteBuf h = io.sslfarm.net.ProxyHeaderEncoder.encode(io.sslfarm.net.ProxyInfo.proxy(
          new InetSocketAddress("203.0.113.7", 5555), new InetSocketAddress("198.51.100.1", 443)),
          UnpooledByteBufAllocator.DEFAULT);
      s.getOutputStream().write(ByteBufUtil.getBytes(h));
      h.release();
      assertThat(EdgeFixture.readLine(s)).isEqualTo("ssl-a 203.0.113.7:5555");
    }
    try (Socket bad = f.connect()) {
      bad.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes());
      assertThat(readOrEof(bad)).isNull();
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> rejected(RejectReason.PROXY_HEADER) == 1);
    assertThat(n.connections()).isEqualTo(1);
  }

  @Test
  void halfCloseAnd100MbEachWay_relayIntact_withBoundedMemory() throws Exception {
    long size = 100L << 20;
    // the SSL node reads at most 64 KiB per ms (64 MB/s), slower than a loopback client writes: the edge must hold
    // the client back (pause reading), not buffer what the node cannot take yet
    FakeSslNode n = f.addNode(new FakeSslNode("ssl-bulk", f.nodeGroup, FakeSslNode.Mode.BULK, size, 64 << 10), 10);
    f.startEdge(Map.of());
    awaitHealthy(1);
    BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(p -> p.getName().equals("direct")).findFirst().orElseThrow();
    // the edge's channels allocate from Netty's default allocator (pooled, direct); the JVM's direct pool also
    // sees what the pool holds from the OS
    ByteBufAllocatorMetric pooled = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
    long directBefore = direct.getMemoryUsed();
    long pooledBefore = pooled.usedDirectMemory();
    AtomicLong peakDirect = new AtomicLong(directBefore);
    AtomicLong peakPooled = new AtomicLong(pooledBefore);
    AtomicBoolean sampling = new AtomicBoolean(true);
    Thread sampler = new Thread(() -> {
      while (sampling.get()) {
        peakDirect.accumulateAndGet(direct.getMemoryUsed(), Math::max);
        peakPooled.accumulateAndGet(pooled.usedDirectMemory(), Math::max);
        java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
      }
    });
    sampler.start();
    try (Socket s = f.connect()) {
      s.setSoTimeout(60_000);
      CompletableFuture<String> upload = CompletableFuture.supplyAsync(() -> {
        try {
          MessageDigest md = MessageDigest.getInstance("SHA-256");
          OutputStream out = s.getOutputStream();
          Random r = new Random(42);
          byte[] chunk = new byte[64 * 1024];
          for (long sent = 0; sent < size; sent += chunk.length) {
            r.nextBytes(chunk);
            md.update(chunk);
            out.write(chunk);
          }
          s.shutdownOutput(); // half-close: we keep reading the download
          return HexFormat.of().formatHex(md.digest());
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      MessageDigest got = MessageDigest.getInstance("SHA-256");
      MessageDigest expected = MessageDigest.getInstance("SHA-256");
      InputStream in = s.getInputStream();
      byte[] buf = new byte[64 * 1024];
      byte[] exp = new byte[64 * 1024];
      long received = 0;
      int k;
      while ((k = in.read(buf)) >= 0) {
        for (int i = 0; i < k; i++) {
          exp[i] = FakeSslNode.streamByte(received + i);
        }
        got.update(buf, 0, k);
        expected.update(exp, 0, k);
        received += k;
      }
      String uploaded = upload.get(60, TimeUnit.SECONDS);
      assertThat(received).isEqualTo(size);
      assertThat(HexFormat.of().formatHex(got.digest())).isEqualTo(HexFormat.of().formatHex(expected.digest()));
      await().atMost(Duration.ofSeconds(10)).until(() -> !n.receivedDigests().isEmpty());
      assertThat(n.receivedDigests()).containsExactly(uploaded);
    } finally {
      sampling.set(false);
      sampler.join();
    }
    long growth = peakDirect.get() - directBefore;
    long pooledGrowth = peakPooled.get() - pooledBefore;
    org.slf4j.LoggerFactory.getLogger(EdgeTierTest.class).info(
        "100 MB each way: peak growth of JVM direct memory {} KiB, of the pooled allocator's direct memory {} KiB",
        growth >> 10, pooledGrowth >> 10);
    // unbounded buffering of the upload would need tens of MB here (the client writes faster than the node reads);
    // the pooled allocator grows by whole chunks (4 MiB) per arena, and a busy machine spreads work over more arenas
    assertThat(pooledGrowth).as("pooled direct memory growth while relaying 200 MB").isLessThan(16L << 20);
    assertThat(growth).as("JVM direct memory growth while relaying 200 MB").isLessThan(16L << 20);
    await().atMost(Duration.ofSeconds(5)).until(() -> f.edge.activeConnections() == 0);
  }

  @Test
  void drainingNode_getsNoNewConnections_butOpenOnesContinue() throws Exception {
    f.addNode("ssl-a", 10);
    f.addNode("ssl-b", 10);
    f.startEdge(Map.of("edge.balance", "round-robin"));
    awaitHealthy(2);
    Socket onA = null;
    List<Socket> others = new ArrayList<>();
    while (onA == null) {
      Socket s = f.connect();
      if (EdgeFixture.readLine(s).startsWith("ssl-a ")) {
        onA = s;
      } else {
        others.add(s);
      }
    }
    f.cluster.nodes().setState("ssl-a", io.sslfarm.cluster.NodeState.DRAINING).toCompletableFuture()
        .get(5, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(2)).until(() -> !f.edge.pool().upstream("ssl-a").acceptsNew());
    double picksA = f.picks("ssl-a");
    for (int i = 0; i < 20; i++) {
      try (Socket s = f.connect()) {
        assertThat(EdgeFixture.readLine(s)).startsWith("ssl-b ");
      }
    }
    assertThat(f.picks("ssl-a")).isEqualTo(picksA);
    onA.getOutputStream().write("still here\n".getBytes());
    assertThat(EdgeFixture.readLine(onA)).as("the open connection to the draining node still relays")
        .isEqualTo("still here");
    onA.close();
    for (Socket s : others) {
      s.close();
    }
  }

  @Test
  void tlsHealthCheck_sendsProxyLocalFirst_andANodeWithoutTlsStaysOut() throws Exception {
    FakeSslNode plain = f.addNode("ssl-plain", 10);
    f.startEdge(Map.of("edge.health.tls", true));
    await().atMost(Duration.ofSeconds(5)).until(() -> f.edge.pool().upstream("ssl-plain") != null
        && f.edge.pool().upstream("ssl-plain").health() == Upstream.Health.DOWN);
    assertThat(plain.localHeaders()).as("checks that sent PROXY v2 LOCAL first").isGreaterThanOrEqualTo(2);
    assertThat(plain.missingHeader()).isZero();
    try (Socket s = f.connect()) {
      assertThat(readOrEof(s)).isNull();
    }
    assertThat(rejected(RejectReason.NO_UPSTREAM)).isEqualTo(1);
  }

  @Test
  void maglev_oneOfFourNodesLeaving_movesAboutAQuarterOfClients_andTwoEdgesChooseAlike() throws Exception {
    for (String id : List.of("ssl-0", "ssl-1", "ssl-2", "ssl-3")) {
      f.addNode(id, 10);
    }
    f.startEdge(Map.of("edge.balance", "maglev"));
    EdgeTier second = f.startAnotherEdge(Map.of("edge.balance", "maglev"));
    int secondPort = second.listener().localAddress().getPort();
    awaitHealthy(4);
    await().atMost(Duration.ofSeconds(5)).until(() -> EdgeFixture.healthyNodes(second) == 4);
    List<InetAddress> clients = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      clients.add(InetAddress.getByAddress(new byte[] {127, 1, (byte) (i / 200), (byte) (1 + i % 200)}));
    }
    Map<InetAddress, String> before = new HashMap<>();
    for (InetAddress c : clients) {
      String viaFirst = nodeFor(c, f.port);
      assertThat(nodeFor(c, secondPort)).as("second edge, client %s", c).isEqualTo(viaFirst);
      assertThat(nodeFor(c, f.port)).as("same client again, %s", c).isEqualTo(viaFirst);
      before.put(c, viaFirst);
    }
    f.cluster.nodes().deregister("ssl-2").toCompletableFuture().get(5, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(5)).until(() -> f.edge.pool().upstreams().size() == 3);
    int moved = 0;
    int collateral = 0;
    long onLeaver = before.values().stream().filter("ssl-2"::equals).count();
    for (InetAddress c : clients) {
      String now = nodeFor(c, f.port);
      assertThat(now).isNotEqualTo("ssl-2");
      if (!now.equals(before.get(c))) {
        moved++;
        if (!before.get(c).equals("ssl-2")) {
          collateral++;
        }
      }
    }
    org.slf4j.LoggerFactory.getLogger(EdgeTierTest.class).info(
        "maglev, 1 of 4 nodes left: {} of {} clients moved ({} had been on the leaver, {} collateral)", moved,
        clients.size(), onLeaver, collateral);
    assertThat(onLeaver).as("clients on each node before").isBetween(40L, 110L);
    assertThat(moved).as("clients that moved").isEqualTo((int) onLeaver + collateral);
    assertThat(moved / (double) clients.size()).as("share moved, N = 4").isLessThanOrEqualTo(1.0 / 4 + 0.1);
    assertThat(collateral).as("clients moved between the nodes that stayed").isLessThanOrEqualTo(6);
  }

  private static String nodeFor(InetAddress client, int edgePort) throws IOException {
    try (Socket s = EdgeFixture.connect(client, edgePort)) {
      String line = EdgeFixture.readLine(s);
      assertThat(line).as("answer for %s", client).isNotNull().endsWith(" " + client.getHostAddress() + ":"
          + s.getLocalPort());
      return line.split(" ")[0];
    }
  }

  @Test
  void clientFin_isRelayed_andTheConnectionEndsPromptly() throws Exception {
    f.addNode("ssl-a", 10);
    f.startEdge(Map.of());
    awaitHealthy(1);
    long slowest = 0;
    for (int i = 0; i < 50; i++) {
      try (Socket s = f.connect()) {
        assertThat(EdgeFixture.readLine(s)).startsWith("ssl-a ");
        long t0 = System.nanoTime();
        s.shutdownOutput(); // FIN: the node answers with its own FIN once it sees ours
        assertThat(s.getInputStream().read()).as("EOF after the half-close").isEqualTo(-1);
        slowest = Math.max(slowest, System.nanoTime() - t0);
      }
    }
    org.slf4j.LoggerFactory.getLogger(EdgeTierTest.class).info("FIN round trip through the edge: slowest {} µs",
        slowest / 1000);
    assertThat(slowest).as("slowest FIN round trip (ns)").isLessThan(TimeUnit.MILLISECONDS.toNanos(150));
    await().atMost(Duration.ofSeconds(5)).until(() -> f.edge.activeConnections() == 0);
  }

  private static String readOrEof(Socket s) {
    try {
      return EdgeFixture.readLine(s);
    } catch (IOException e) {
      return null; // reset by the edge: refused as well
    }
  }
}
