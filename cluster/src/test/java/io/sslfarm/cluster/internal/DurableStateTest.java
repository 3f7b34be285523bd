package io.sslfarm.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.sslfarm.cluster.CertificateRecord;
import io.sslfarm.cluster.ClusterOptions;
import io.sslfarm.cluster.CorruptStateException;
import io.sslfarm.cluster.DurableStateOptions;
import io.sslfarm.cluster.FarmCluster;
import io.sslfarm.cluster.FarmClusters;
import io.sslfarm.cluster.FarmConfig;
import io.sslfarm.cluster.HostPort;
import io.sslfarm.cluster.NodeInfo;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.cluster.NodeState;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The farm's durable state across a stop of every member: in-process members on loopback, each with its own store
 * directory, as separate hosts would have.
 */
@Timeout(90)
class DurableStateTest {

  @TempDir
  Path tmp;

  private final String name = "durable-" + UUID.randomUUID();
  private final int base = 46000 + ThreadLocalRandom.current().nextInt(0, 80) * 50;
  private final List<FarmCluster> started = new ArrayList<>();

  @AfterEach
  void stopAll() throws Exception {
    for (FarmCluster c : started) {
      c.shutdown().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void everyMemberStopped_newMemberOnOneStore_getsCertificateConfigAndWeightBack() throws Exception {
    Path storeA = tmp.resolve("a");
    Path storeB = tmp.resolve("b");
    FarmCluster a = member(storeA, DurableStateOptions.OnCorrupt.REFUSE);
    FarmCluster b = member(storeB, DurableStateOptions.OnCorrupt.REFUSE);
    await().atMost(Duration.ofSeconds(20)).until(() -> a.memberCount() == 2 && b.memberCount() == 2);
    await().atMost(Duration.ofSeconds(20)).until(() -> bothOwnPartitions(b.memberId()));

    // many certificates over partitions of both members: Hazelcast calls the MapStore only on the owner, and B's
    // disk must still get every one of them
    for (int i = 0; i < 20; i++) {
      a.certificates().put(cert("site-" + i)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    a.config().apply(config("pool-a")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    a.nodes().register(node("ssl-1", a.memberId())).toCompletableFuture().get(10, TimeUnit.SECONDS);
    a.nodes().register(node("ssl-2", a.memberId())).toCompletableFuture().get(10, TimeUnit.SECONDS);
    b.nodes().setWeight("ssl-1", 0).toCompletableFuture().get(10, TimeUnit.SECONDS);
    b.nodes().setState("ssl-1", NodeState.DRAINING).toCompletableFuture().get(10, TimeUnit.SECONDS);
    b.nodes().markStopping("ssl-2").toCompletableFuture().get(10, TimeUnit.SECONDS); // a node stopping: not kept
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(entryFiles(storeB.resolve(HazelcastFarmCluster.CERTS))).hasSize(20));

    stop(a);
    stop(b);

    FarmCluster c = member(storeB, DurableStateOptions.OnCorrupt.REFUSE);
    assertThat(c.memberCount()).isEqualTo(1);
    assertThat(c.certificates().snapshot()).hasSize(20);
    CertificateRecord back = c.certificates().snapshot().get("site-7");
    assertThat(back.chainPem()).isEqualTo(cert("site-7").chainPem());
    assertThat(back.sealedKey()).isEqualTo(cert("site-7").sealedKey());
    assertThat(back.names()).containsExactly("site-7.example");
    assertThat(c.config().current()).isEqualTo(config("pool-a"));

    c.nodes().register(node("ssl-1", c.memberId())).toCompletableFuture().get(10, TimeUnit.SECONDS);
    c.nodes().register(node("ssl-2", c.memberId())).toCompletableFuture().get(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertThat(c.nodes().node("ssl-1")).hasValueSatisfying(n -> {
        assertThat(n.weight()).isZero();
        assertThat(n.state()).isEqualTo(NodeState.DRAINING);
      });
      assertThat(c.nodes().node("ssl-2")).hasValueSatisfying(n -> {
        assertThat(n.weight()).isEqualTo(NodeInfo.DEFAULT_WEIGHT);
        assertThat(n.state()).isEqualTo(NodeState.ACTIVE);
      });
    });
  }

  @Test
  void privateKeyOnDisk_isTheSealedBytesOnly() throws Exception {
    Path store = tmp.resolve("a");
    FarmCluster a = member(store, DurableStateOptions.OnCorrupt.REFUSE);
    a.certificates().put(cert("web")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    String onDisk = Files.readString(only(entryFiles(store.resolve(HazelcastFarmCluster.CERTS))),
        StandardCharsets.UTF_8);
    // the record's own JSON, whose key field is the sealed bytes: the store adds nothing and removes nothing
    assertThat(onDisk).endsWith(((HazelcastFarmCluster) a).rawEntry(HazelcastFarmCluster.CERTS, "web").toString());
  }

  @Test
  void flippedByte_startRefused_errorNamesTheFile() throws Exception {
    Path store = tmp.resolve("a");
    Path file = storedCertificate(store, "web");
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 5] ^= 0x01;
    Files.write(file, bytes);

    Throwable t = startFailure(store);
    assertThat(t).isInstanceOf(CorruptStateException.class).hasMessageContaining(file.toString())
        .hasMessageContaining("checksum mismatch");
    assertThat(((CorruptStateException) t).files()).containsExactly(file);
  }

  @Test
  void truncatedFile_startRefused_errorNamesTheFile() throws Exception {
    Path store = tmp.resolve("a");
    Path file = storedCertificate(store, "web");
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));

    assertThat(startFailure(store)).isInstanceOf(CorruptStateException.class).hasMessageContaining(file.toString())
        .hasMessageContaining("truncated");
  }

  @Test
  void corruptFileWithSkip_entryNotServed_fileKeptAsideAndCounted() throws Exception {
    Path store = tmp.resolve("a");
    FarmCluster a = member(store, DurableStateOptions.OnCorrupt.REFUSE);
    a.certificates().put(cert("web")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    a.certificates().put(cert("api")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    Path web = fileOf(store, HazelcastFarmCluster.CERTS, "web");
    stop(a);
    Files.write(web, new byte[] {'s', 'l'}); // a partial write of another program

    FarmCluster b = member(store, DurableStateOptions.OnCorrupt.SKIP);
    assertThat(b.certificates().snapshot()).containsOnlyKeys("api");
    assertThat(((HazelcastFarmCluster) b).rawEntry(HazelcastFarmCluster.CERTS, "web")).isNull();
    assertThat(b.corruptStateFiles()).isEqualTo(1);
    assertThat(web).doesNotExist();
    assertThat(web.resolveSibling(web.getFileName() + ".corrupt")).exists();
  }

  @Test
  void removedCertificate_staysRemovedAfterRestart() throws Exception {
    Path storeA = tmp.resolve("a");
    Path storeB = tmp.resolve("b");
    FarmCluster a = member(storeA, DurableStateOptions.OnCorrupt.REFUSE);
    FarmCluster b = member(storeB, DurableStateOptions.OnCorrupt.REFUSE);
    await().atMost(Duration.ofSeconds(20)).until(() -> a.memberCount() == 2);
    a.certificates().put(cert("old")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    a.certificates().put(cert("kept")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    a.config().apply(config("pool-a")).toCompletableFuture().get(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(entryFiles(storeB.resolve(HazelcastFarmCluster.CERTS))).hasSize(2));
    assertThat(b.certificates().remove("old").toCompletableFuture().get(10, TimeUnit.SECONDS)).isTrue();
    b.config().removeSection("pools").toCompletableFuture().get(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(entryFiles(storeA.resolve(HazelcastFarmCluster.CERTS))).hasSize(1);
      assertThat(entryFiles(storeB.resolve(HazelcastFarmCluster.CERTS))).hasSize(1);
    });
    stop(a);
    stop(b);

    for (Path store : List.of(storeA, storeB)) {
      FarmCluster c = member(store, DurableStateOptions.OnCorrupt.REFUSE);
      assertThat(c.certificates().snapshot()).as(store.toString()).containsOnlyKeys("kept");
      assertThat(c.config().current().sections()).as(store.toString()).containsOnlyKeys("routes");
      stop(c);
    }
  }

  // ---- fixtures

  /** Partitions migrated: every member of this test's cluster is safe and {@code memberId} owns some partitions. */
  private boolean bothOwnPartitions(String memberId) {
    var members = com.hazelcast.core.Hazelcast.getAllHazelcastInstances().stream()
        .filter(h -> h.getConfig().getClusterName().equals(name)).toList();
    return members.size() == 2 && members.stream().allMatch(h -> h.getPartitionService().isClusterSafe())
        && members.get(0).getPartitionService().getPartitions().stream()
            .anyMatch(p -> p.getOwner() != null && p.getOwner().getUuid().toString().equals(memberId));
  }

  private FarmCluster member(Path store, DurableStateOptions.OnCorrupt onCorrupt) throws Exception {
    ClusterOptions o = ClusterOptions.localMember(name, base, List.of(new HostPort("127.0.0.1", base)));
    FarmCluster c = FarmClusters.start(o, new DurableStateOptions(true, store, onCorrupt)).get(40, TimeUnit.SECONDS);
    started.add(c);
    return c;
  }

  private void stop(FarmCluster c) throws Exception {
    started.remove(c);
    c.shutdown().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private Throwable startFailure(Path store) {
    ClusterOptions o = ClusterOptions.localMember(name, base, List.of(new HostPort("127.0.0.1", base)));
    Throwable t = catchThrowable(() -> {
      FarmCluster c = FarmClusters.start(o, DurableStateOptions.at(store)).get(40, TimeUnit.SECONDS);
      started.add(c);
    });
    return t instanceof ExecutionException || t instanceof CompletionException ? t.getCause() : t;
  }

  private Path storedCertificate(Path store, String id) throws Exception {
    FarmCluster a = member(store, DurableStateOptions.OnCorrupt.REFUSE);
    a.certificates().put(cert(id)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    Path file = fileOf(store, HazelcastFarmCluster.CERTS, id);
    stop(a);
    assertThat(file).exists();
    return file;
  }

  private static Path fileOf(Path store, String map, String key) throws Exception {
    return new FileEntryStore(store.resolve(map), new java.util.concurrent.atomic.AtomicLong()).file(key);
  }

  private static CertificateRecord cert(String id) {
    byte[] sealed = ("sealed-key-bytes-of-" + id).getBytes(StandardCharsets.UTF_8);
    return new CertificateRecord(id, "-----BEGIN CERTIFICATE-----\nMIIB" + id + "\n-----END CERTIFICATE-----\n",
        sealed, List.of(id + ".example"), 1_000L, 2_000_000_000_000L, "ab".repeat(32), 0);
  }

  private static FarmConfig config(String pool) {
    return new FarmConfig(Map.of(
        "routes", new JsonObject().put("default-pool", pool),
        "pools", new JsonObject().put(pool, new JsonObject().put("backends", new io.vertx.core.json.JsonArray()
            .add(new JsonObject().put("id", "b1").put("address", "127.0.0.1:8081"))))));
  }

  private static NodeInfo node(String id, String memberId) {
    return new NodeInfo(id, NodeRole.SSL, "127.0.0.1:9443", "127.0.0.1:9900", NodeInfo.DEFAULT_WEIGHT,
        NodeState.ACTIVE, "test", memberId, 0);
  }

  private static List<Path> entryFiles(Path dir) throws Exception {
    try (var s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(FileEntryStore.SUFFIX)).toList();
    }
  }

  private static Path only(List<Path> files) {
    assertThat(files).hasSize(1);
    return files.get(0);
  }
}
