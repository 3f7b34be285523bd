package io.sslfarm.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.core.HazelcastInstance;
import io.sslfarm.cluster.ClusterOptions;
import io.sslfarm.cluster.FarmCluster;
import io.sslfarm.cluster.FarmClusters;
import io.sslfarm.cluster.FarmConfig;
import io.sslfarm.cluster.HostPort;
import io.sslfarm.cluster.JoinSecret;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A member's cluster port speaks only the member protocol unless {@code cluster.accept-clients} is on: a Hazelcast
 * client that knows the exact (secret-derived) cluster name still cannot connect, so it can neither read nor write a
 * map. With the key on, the same client connects and reads the farm config (the control, and client mode's path).
 */
@Timeout(90)
class HazelcastMemberPortClientTest {

  private final List<FarmCluster> farms = new ArrayList<>();
  private final List<HazelcastInstance> clients = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    clients.forEach(c -> c.getLifecycleService().terminate());
    for (FarmCluster f : farms) {
      ((HazelcastFarmCluster) f).terminate(); // no graceful leave: the test is over, keep it short
    }
  }

  @Test
  void clientWithRightClusterName_isRefusedOnMemberPort_byDefault() throws Exception {
    ClusterOptions o = options(false);
    HazelcastFarmCluster farm = start(o);

    long t0 = System.nanoTime();
    Throwable t = catchThrowable(() -> clients.add(HazelcastClient.newHazelcastClient(client(o, farm))));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    assertThat(t).as("connecting a Hazelcast client to the member port").isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Unable to connect");
    assertThat(ms).as("time until the client gave up (ms)").isLessThan(15_000);
    assertThat(farm.rawEntry(HazelcastFarmCluster.CONFIG, "pools")).asString().contains("10.0.0.1:80");
    assertThat(farm.memberCount()).isEqualTo(1);
  }

  @Test
  void acceptClientsOn_clientWithRightClusterName_connectsAndReads() throws Exception {
    ClusterOptions o = options(true);
    HazelcastFarmCluster farm = start(o);

    HazelcastInstance c = HazelcastClient.newHazelcastClient(client(o, farm));
    clients.add(c);

    assertThat(c.<String, String>getMap(HazelcastFarmCluster.CONFIG).get("pools")).contains("10.0.0.1:80");
  }

  @Test
  void farmNodeInClientMode_withSameSecret_connectsToMembersThatAcceptClients() throws Exception {
    ClusterOptions o = options(true);
    HazelcastFarmCluster farm = start(o);
    ClusterOptions asClient = new ClusterOptions(o.name(), ClusterOptions.Mode.CLIENT, "127.0.0.1", 0, null,
        List.of(new HostPort("127.0.0.1", port(farm))), o.heartbeat(), o.maxNoHeartbeat(), o.joinSecret(), false);

    FarmCluster client = FarmClusters.start(asClient).get(40, TimeUnit.SECONDS);
    farms.add(0, client);

    assertThat(client.config().current().section("pools").getString("web")).isEqualTo("10.0.0.1:80");
  }

  private static ClusterOptions options(boolean acceptClients) {
    int base = 43000 + ThreadLocalRandom.current().nextInt(0, 40) * 25;
    return ClusterOptions.localMember("clients-" + UUID.randomUUID(), base, List.of())
        .withJoinSecret(JoinSecret.generate()).withAcceptClients(acceptClients);
  }

  private HazelcastFarmCluster start(ClusterOptions o) throws Exception {
    HazelcastFarmCluster farm = (HazelcastFarmCluster) FarmClusters.start(o).get(40, TimeUnit.SECONDS);
    farms.add(farm);
    farm.config().apply(new FarmConfig(Map.of("pools", new JsonObject().put("web", "10.0.0.1:80"))))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    return farm;
  }

  private static int port(HazelcastFarmCluster farm) {
    String self = farm.members().get(0);
    return Integer.parseInt(self.substring(self.lastIndexOf(':') + 1));
  }

  /** A client that knows everything a member knows: the derived cluster name and the member's address. */
  private static ClientConfig client(ClusterOptions o, HazelcastFarmCluster farm) {
    ClientConfig c = new ClientConfig();
    c.setClusterName(o.effectiveName());
    c.setProperty("hazelcast.logging.type", "slf4j");
    c.setProperty("hazelcast.phone.home.enabled", "false");
    c.getNetworkConfig().addAddress("127.0.0.1:" + port(farm)).setConnectionTimeout(2000);
    c.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(3000)
        .setInitialBackoffMillis(200).setMaxBackoffMillis(500);
    return c;
  }
}
