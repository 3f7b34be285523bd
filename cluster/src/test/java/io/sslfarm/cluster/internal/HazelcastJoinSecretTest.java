package io.sslfarm.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.sslfarm.cluster.ClusterOptions;
import io.sslfarm.cluster.FarmCluster;
import io.sslfarm.cluster.FarmClusters;
import io.sslfarm.cluster.FarmConfig;
import io.sslfarm.cluster.HostPort;
import io.sslfarm.cluster.JoinSecret;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Only processes that know the farm join secret become members. Two farm members share a secret and hold a farm
 * config; processes with a wrong secret, with no secret (a plain Hazelcast member using the configured
 * {@code cluster.name}), or a plain member using the bare name, try to join through the farm's ports on 127.0.0.1:
 * they end up alone in their own cluster with none of the farm's entries, and the farm keeps its two members and its
 * data. A third member with the right secret does join and sees the data (so the refusals are not a network accident).
 */
@Timeout(120)
class HazelcastJoinSecretTest {

  private final List<FarmCluster> farms = new ArrayList<>();
  private final List<HazelcastInstance> rogues = new ArrayList<>();
  private final ListAppender<ILoggingEvent> hazelcastLog = new ListAppender<>();

  @BeforeEach
  void captureHazelcastLog() {
    hazelcastLog.start();
    ((Logger) LoggerFactory.getLogger("com.hazelcast")).addAppender(hazelcastLog);
  }

  @AfterEach
  void stop() throws Exception {
    ((Logger) LoggerFactory.getLogger("com.hazelcast")).detachAppender(hazelcastLog);
    rogues.forEach(r -> r.getLifecycleService().terminate());
    for (FarmCluster f : farms) {
      ((HazelcastFarmCluster) f).terminate(); // no graceful leave: the test is over, keep it short
    }
  }

  @Test
  void wrongOrNoJoinSecret_formsItsOwnCluster_seesNoFarmEntry_farmKeepsMembersAndData() throws Exception {
    String name = "join-" + UUID.randomUUID();
    int base = 44000 + ThreadLocalRandom.current().nextInt(0, 40) * 25;
    List<HostPort> seeds = List.of(new HostPort("127.0.0.1", base), new HostPort("127.0.0.1", base + 1));
    JoinSecret secret = JoinSecret.generate();
    HazelcastFarmCluster a = member(ClusterOptions.localMember(name, base, seeds).withJoinSecret(secret));
    HazelcastFarmCluster b = member(ClusterOptions.localMember(name, base + 1, seeds).withJoinSecret(secret));
    await().atMost(Duration.ofSeconds(20)).until(() -> a.memberCount() == 2 && b.memberCount() == 2);
    a.config().apply(new FarmConfig(Map.of("pools", new JsonObject().put("web", "10.0.0.1:80"))))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(b.rawEntry(HazelcastFarmCluster.CONFIG, "pools")).as("farm config on the second member").isNotNull();

    // A farm process with another secret, one with none, and a plain Hazelcast member with the configured name.
    HazelcastFarmCluster wrong = member(ClusterOptions.localMember(name, base + 2, seeds)
        .withJoinSecret(JoinSecret.generate()));
    HazelcastFarmCluster none = member(ClusterOptions.localMember(name, base + 3, seeds));
    HazelcastInstance plain = Hazelcast.newHazelcastInstance(plainMember(name, base + 4, seeds));
    rogues.add(plain);

    for (HazelcastFarmCluster rogue : List.of(wrong, none)) {
      assertThat(rogue.memberCount()).as("members seen by a process without the farm's secret").isEqualTo(1);
      assertThat(rogue.rawEntry(HazelcastFarmCluster.CONFIG, "pools")).isNull();
      assertThat(rogue.config().current().sections()).isEmpty();
    }
    assertThat(plain.getCluster().getMembers()).hasSize(1);
    assertThat(plain.getMap(HazelcastFarmCluster.CONFIG).size()).isZero();
    assertThat(plain.getMap(HazelcastFarmCluster.CONFIG).get("pools")).isNull();
    // What a rogue writes lands in its own cluster only.
    plain.getMap(HazelcastFarmCluster.CONFIG).put("pools", "{\"web\":\"6.6.6.6:80\"}");
    none.config().apply(new FarmConfig(Map.of("routes", new JsonObject().put("x", "y"))))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(a.memberCount()).as("farm members after the attempts").isEqualTo(2);
    assertThat(b.memberCount()).isEqualTo(2);
    assertThat(a.members()).hasSize(2).doesNotContain(plain.getCluster().getLocalMember().getAddress().toString());
    assertThat(b.rawEntry(HazelcastFarmCluster.CONFIG, "pools")).asString().contains("10.0.0.1:80");
    assertThat(b.rawEntry(HazelcastFarmCluster.CONFIG, "routes")).isNull();
    // Refused by the farm members' join check (not, say, unreachable), and the derived name is in no log line.
    List<String> lines = hazelcastLog.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    assertThat(lines).filteredOn(l -> l.contains("invalid join request")).hasSizeGreaterThanOrEqualTo(3);
    assertThat(lines).noneMatch(l -> l.contains(secret.clusterName(name)));

    // Positive control: the same secret through the same seeds joins and reads the farm's data.
    HazelcastFarmCluster right = member(ClusterOptions.localMember(name, base + 5, seeds).withJoinSecret(secret));
    await().atMost(Duration.ofSeconds(20)).until(() -> a.memberCount() == 3 && right.memberCount() == 3);
    assertThat(right.rawEntry(HazelcastFarmCluster.CONFIG, "pools")).asString().contains("10.0.0.1:80");
  }

  @Test
  void joinSecret_derivesClusterName_sameSecretSameName_otherSecretOtherName() {
    JoinSecret s = JoinSecret.of("0123456789abcdef-0123456789");
    assertThat(s.clusterName("sslfarm")).isEqualTo(JoinSecret.of(" 0123456789abcdef-0123456789\n")
        .clusterName("sslfarm")).startsWith("sslfarm-").hasSize("sslfarm-".length() + 32);
    assertThat(s.clusterName("sslfarm")).isNotEqualTo(JoinSecret.of("0123456789abcdef-0123456788")
        .clusterName("sslfarm")).isNotEqualTo(s.clusterName("sslfarm2"));
    assertThat(s.toString()).doesNotContain("0123456789abcdef").doesNotContain(s.clusterName("sslfarm"));
    assertThat(catchThrowable(() -> JoinSecret.of("short-secret")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("short-secret");
  }

  private HazelcastFarmCluster member(ClusterOptions o) throws Exception {
    HazelcastFarmCluster c = (HazelcastFarmCluster) FarmClusters.start(o).get(60, TimeUnit.SECONDS);
    farms.add(c);
    return c;
  }

  /** A Hazelcast member that is not a farm process: the configured cluster name, the farm's seeds. */
  static Config plainMember(String name, int port, List<HostPort> seeds) {
    Config c = new Config();
    c.setClusterName(name);
    c.setInstanceName("rogue-" + UUID.randomUUID());
    c.setProperty("hazelcast.partition.count", "71");
    c.setProperty("hazelcast.wait.seconds.before.join", "0");
    c.setProperty("hazelcast.max.wait.seconds.before.join", "0");
    c.setProperty("hazelcast.max.join.seconds", "20");
    c.setProperty("hazelcast.phone.home.enabled", "false");
    c.setProperty("hazelcast.logging.type", "slf4j");
    c.setProperty("hazelcast.local.localAddress", "127.0.0.1");
    c.setProperty("hazelcast.socket.bind.any", "false");
    c.getNetworkConfig().setPort(port).setPortAutoIncrement(true);
    JoinConfig j = c.getNetworkConfig().getJoin();
    j.getMulticastConfig().setEnabled(false);
    j.getAutoDetectionConfig().setEnabled(false);
    j.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2);
    seeds.forEach(s -> j.getTcpIpConfig().addMember(s.toString()));
    return c;
  }
}
