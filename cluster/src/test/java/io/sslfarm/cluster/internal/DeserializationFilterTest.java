package io.sslfarm.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import io.sslfarm.cluster.ClusterOptions;
import io.sslfarm.cluster.FarmClusters;
import io.sslfarm.cluster.HostPort;
import io.sslfarm.cluster.NodeInfo;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.cluster.NodeState;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A rogue member (plain Hazelcast, same cluster name) writes a Java-serialized object of a class the farm does not
 * allow into the node registry. The farm member refuses to deserialize it — its {@code readObject} never runs — on a
 * direct read and in the registry's entry listener, counts the refusal, and keeps serving the registry.
 */
@Timeout(90)
class DeserializationFilterTest {

  /** Stands for a gadget: a Serializable class whose readObject runs code on the reading member. */
  static final class RogueValue implements Serializable {
    private static final long serialVersionUID = 1L;
    static final AtomicInteger READS = new AtomicInteger();
    String payload = "x";

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      READS.incrementAndGet();
    }
  }

  private HazelcastFarmCluster farm;
  private HazelcastInstance rogue;

  @AfterEach
  void stop() throws Exception {
    if (rogue != null) {
      rogue.getLifecycleService().terminate();
    }
    if (farm != null) {
      farm.shutdown().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void rogueSerializableValue_isRefusedOnReadAndInListener_counted_andRegistryKeepsWorking() throws Exception {
    String name = "filter-" + UUID.randomUUID();
    int base = 46000 + ThreadLocalRandom.current().nextInt(0, 60) * 60;
    farm = (HazelcastFarmCluster) FarmClusters.start(
        ClusterOptions.localMember(name, base, List.of(new HostPort("127.0.0.1", base)))).get(40, TimeUnit.SECONDS);
    rogue = Hazelcast.newHazelcastInstance(rogueConfig(name, base));
    await().atMost(Duration.ofSeconds(30)).until(() -> farm.memberCount() == 2);
    RogueValue.READS.set(0);

    rogue.getMap(HazelcastFarmCluster.NODES).put("rogue", new RogueValue());

    Throwable read = catchThrowable(() -> farm.rawEntry(HazelcastFarmCluster.NODES, "rogue"));
    assertThat(read).as("reading the rogue value on the farm member")
        .isInstanceOf(HazelcastSerializationException.class);
    assertThat(read).hasStackTraceContaining(RogueValue.class.getName()).hasStackTraceContaining("not allowed");
    // a JDK class outside the allowed packages (a classic gadget entry point; Hazelcast's own defaults admit it)
    rogue.getMap(HazelcastFarmCluster.CERTS).put("jdk", new javax.management.BadAttributeValueExpException("x"));
    assertThat(catchThrowable(() -> farm.rawEntry(HazelcastFarmCluster.CERTS, "jdk")))
        .isInstanceOf(HazelcastSerializationException.class)
        .hasStackTraceContaining("javax.management.BadAttributeValueExpException");
    // the entry listener met it too: refused, counted, the listener survived
    await().atMost(Duration.ofSeconds(10)).until(() -> farm.rejectedValues() >= 1);

    NodeInfo ok = new NodeInfo("edge-9", NodeRole.EDGE, "127.0.0.1:9", "127.0.0.1:10", 10, NodeState.ACTIVE,
        "test", "member-x", 0L);
    rogue.getMap(HazelcastFarmCluster.NODES).put("edge-9", ok.toJson().encode());
    await().atMost(Duration.ofSeconds(10)).until(() -> farm.nodes().node("edge-9").isPresent());
    ((HazelcastNodeDirectory) farm.nodes()).resyncAfterMerge(); // a full reload skips the rogue entry, keeps the others
    assertThat(farm.nodes().node("edge-9")).isPresent();
    assertThat(farm.nodes().node("rogue")).isEmpty();
    assertThat(RogueValue.READS.get()).as("readObject calls of the rogue class on any member").isZero();
  }

  private static Config rogueConfig(String name, int base) {
    Config c = new Config();
    c.setClusterName(name);
    c.setInstanceName("rogue-" + UUID.randomUUID());
    c.setProperty("hazelcast.partition.count", "71");
    c.setProperty("hazelcast.wait.seconds.before.join", "0");
    c.setProperty("hazelcast.max.wait.seconds.before.join", "0");
    c.setProperty("hazelcast.phone.home.enabled", "false");
    c.setProperty("hazelcast.local.localAddress", "127.0.0.1");
    c.getNetworkConfig().setPort(base + 30).setPortAutoIncrement(true);
    JoinConfig j = c.getNetworkConfig().getJoin();
    j.getMulticastConfig().setEnabled(false);
    j.getAutoDetectionConfig().setEnabled(false);
    j.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + base);
    return c;
  }
}
