package io.sslfarm.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sslfarm.cluster.NodeInfo;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.cluster.NodeState;
import io.sslfarm.cluster.internal.HazelcastFarmCluster;
import io.sslfarm.config.ConfigException;
import io.sslfarm.config.ConfigSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Three in-process nodes, each an embedded Hazelcast member, driven through the admin API as an operator would. */
@Timeout(120)
class FarmNodeClusterTest {

  static final ConfigSchema SCHEMA = ConfigSchema.of(NodeOptions.KEYS);

  @TempDir
  Path dir;
  TestNodes nodes;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @AfterEach
  void stop() {
    if (nodes != null) {
      nodes.stopAll();
    }
  }

  private List<FarmNode> startThree() {
    nodes = new TestNodes(dir, 3);
    return List.of(0, 1, 2).parallelStream()
        .map(i -> nodes.start(SCHEMA, i, i == 0 ? NodeRole.EDGE : NodeRole.SSL, new EchoTier(), Map.of()))
        .toList();
  }

  private HttpResponse<String> call(FarmNode n, String method, String path, String body, String token)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + n.adminAddress() + path))
        .timeout(Duration.ofSeconds(5))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Optional<NodeInfo> seen(FarmNode observer, String id) {
    return observer.cluster().nodes().node(id);
  }

  @Test
  void threeNodes_registryReplicatesWeightAndDrainWithinOneSecond_andKilledMemberDisappears() throws Exception {
    List<FarmNode> n = startThree();

    // every node sees all three entries
    for (FarmNode observer : n) {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(observer.cluster().nodes().nodes()).extracting(NodeInfo::id)
              .containsExactlyInAnyOrder("edge-0", "ssl-1", "ssl-2"));
    }
    assertThat(seen(n.get(0), "ssl-1")).hasValueSatisfying(i -> {
      assertThat(i.weight()).isEqualTo(NodeInfo.DEFAULT_WEIGHT);
      assertThat(i.state()).isEqualTo(NodeState.ACTIVE);
      assertThat(i.dataAddress()).isEqualTo(n.get(1).dataAddress().toString());
    });

    // weight set through node 0's admin API is seen by nodes 1 and 2 within 1 s
    long t0 = System.nanoTime();
    HttpResponse<String> r = call(n.get(0), "PUT", "/api/nodes/ssl-2/weight", "{\"weight\":0}", TestNodes.TOKEN);
    assertThat(r.statusCode()).isEqualTo(200);
    for (FarmNode observer : List.of(n.get(1), n.get(2))) {
      await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10)).untilAsserted(() ->
          assertThat(seen(observer, "ssl-2")).hasValueSatisfying(i -> assertThat(i.weight()).isZero()));
    }
    System.out.printf("weight change visible on all nodes after %d ms%n", (System.nanoTime() - t0) / 1_000_000);

    // drain through node 1's admin API, seen by node 0 and 2 within 1 s
    r = call(n.get(1), "POST", "/api/nodes/ssl-2/drain", null, TestNodes.TOKEN);
    assertThat(r.statusCode()).isEqualTo(200);
    for (FarmNode observer : List.of(n.get(0), n.get(2))) {
      await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10)).untilAsserted(() ->
          assertThat(seen(observer, "ssl-2")).hasValueSatisfying(i -> {
            assertThat(i.state()).isEqualTo(NodeState.DRAINING);
            assertThat(i.weight()).isZero();
          }));
    }

    // the API lists all nodes; unknown nodes and bad weights are refused with clear errors
    r = call(n.get(2), "GET", "/api/nodes", null, TestNodes.TOKEN);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"edge-0\"", "\"ssl-1\"", "\"ssl-2\"", "DRAINING");
    assertThat(call(n.get(0), "PUT", "/api/nodes/nope/weight", "{\"weight\":5}", TestNodes.TOKEN).statusCode())
        .isEqualTo(404);
    HttpResponse<String> bad = call(n.get(0), "PUT", "/api/nodes/ssl-1/weight", "{\"weight\":101}", TestNodes.TOKEN);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("weight");

    // kill -9 equivalent of member 1: its entry disappears from the survivors
    long k0 = System.nanoTime();
    ((HazelcastFarmCluster) n.get(1).cluster()).terminate();
    for (FarmNode observer : List.of(n.get(0), n.get(2))) {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(seen(observer, "ssl-1")).isEmpty());
    }
    System.out.printf("killed member's entry gone after %d ms%n", (System.nanoTime() - k0) / 1_000_000);
    assertThat(seen(n.get(0), "ssl-2")).isPresent();
  }

  @Test
  void clientMode_nodeJoinsAnExternalClusterAsAClient_andItsEntryGoesWhenItStops() throws Exception {
    nodes = new TestNodes(dir, 2);
    String memberAddress = nodes.seeds().get(0).toString();
    FarmNode member = nodes.start(SCHEMA, 0, NodeRole.ROUTER, new EchoTier(),
        Map.of("cluster.seeds", memberAddress, "cluster.accept-clients", true));
    FarmNode client = nodes.start(SCHEMA, 1, NodeRole.SSL, new EchoTier(),
        Map.of("cluster.mode", "client", "cluster.seeds", memberAddress));

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(member.cluster().nodes().nodes()).extracting(NodeInfo::id).contains("ssl-1"));
    assertThat(client.cluster().nodes().nodes()).extracting(NodeInfo::id).contains("router-0", "ssl-1");
    HttpResponse<String> r = call(member, "PUT", "/api/nodes/ssl-1/weight", "{\"weight\":42}", TestNodes.TOKEN);
    assertThat(r.statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10)).untilAsserted(() ->
        assertThat(seen(client, "ssl-1")).hasValueSatisfying(i -> assertThat(i.weight()).isEqualTo(42)));

    client.stop().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(seen(member, "ssl-1")).isEmpty());
  }

  @Test
  void noJoinSecretConfigured_eachDataDirGeneratesItsOwn_ownerOnly_andOnlyTheSameSecretJoins() throws Exception {
    nodes = new TestNodes(dir, 3);
    // no secret set: node 0 and node 1 (own data dirs) each generate one, so they are two farms of one member each
    FarmNode a = nodes.start(SCHEMA, 0, NodeRole.ROUTER, new EchoTier(), Map.of("cluster.join-secret", ""));
    FarmNode b = nodes.start(SCHEMA, 1, NodeRole.SSL, new EchoTier(), Map.of("cluster.join-secret", ""));
    Path secretA = dir.resolve("node0/join.secret");
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
        java.nio.file.Files.getPosixFilePermissions(secretA))).isEqualTo("rw-------");
    assertThat(java.nio.file.Files.readString(secretA)).isNotEqualTo(
        java.nio.file.Files.readString(dir.resolve("node1/join.secret")));
    assertThat(a.cluster().memberCount()).isEqualTo(1);
    assertThat(b.cluster().memberCount()).isEqualTo(1);
    assertThat(a.cluster().nodes().nodes()).extracting(NodeInfo::id).containsExactly("router-0");

    // node 2 is given node 0's file: it joins node 0's farm and sees its registry
    FarmNode c = nodes.start(SCHEMA, 2, NodeRole.SSL, new EchoTier(),
        Map.of("cluster.join-secret", "", "cluster.join-secret-file", secretA.toString()));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(c.cluster().nodes().nodes()).extracting(NodeInfo::id).containsExactlyInAnyOrder("router-0", "ssl-2"));
    assertThat(a.cluster().memberCount()).isEqualTo(2);
    assertThat(b.cluster().memberCount()).isEqualTo(1);
    assertThat(b.cluster().nodes().nodes()).extracting(NodeInfo::id).containsExactly("ssl-1");
  }

  @Test
  void joinSecretFileMissing_orTooShort_isAConfigErrorNamingTheKey() {
    nodes = new TestNodes(dir, 1);
    FarmNode missing = new FarmNode(nodes.config(SCHEMA, 0, NodeRole.SSL, Map.of("cluster.join-secret", "",
        "cluster.join-secret-file", dir.resolve("nope").toString())), NodeRole.SSL, new EchoTier());
    assertThatThrownBy(() -> missing.start().toCompletableFuture().join())
        .cause().isInstanceOf(ConfigException.class).hasMessageStartingWith("cluster.join-secret-file:");
    FarmNode shortOne = new FarmNode(nodes.config(SCHEMA, 0, NodeRole.SSL, Map.of("cluster.join-secret", "tooshort")),
        NodeRole.SSL, new EchoTier());
    assertThatThrownBy(() -> shortOne.start().toCompletableFuture().join())
        .cause().isInstanceOf(ConfigException.class).hasMessageStartingWith("cluster.join-secret:")
        .hasMessageNotContaining("tooshort");
  }

  @Test
  void adminApi_refusesMissingAndWrongToken_servesHealthAndPrometheusMetrics() throws Exception {
    nodes = new TestNodes(dir, 1);
    FarmNode n = nodes.start(SCHEMA, 0, NodeRole.ROUTER, new EchoTier(), Map.of());

    HttpResponse<String> none = call(n, "GET", "/api/nodes", null, null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertThat(call(n, "GET", "/api/nodes", null, "wrong-token-wrong-token").statusCode()).isEqualTo(401);
    assertThat(call(n, "PUT", "/api/nodes/router-0/weight", "{\"weight\":1}", "x").statusCode()).isEqualTo(401);
    assertThat(n.cluster().nodes().node("router-0")).hasValueSatisfying(i -> assertThat(i.weight()).isEqualTo(10));
    assertThat(call(n, "GET", "/api/nodes", null, TestNodes.TOKEN).statusCode()).isEqualTo(200);

    assertThat(call(n, "GET", "/health/live", null, null).statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(call(n, "GET", "/health/ready", null, null).statusCode()).isEqualTo(200));

    HttpResponse<String> m = call(n, "GET", "/metrics", null, null);
    assertThat(m.statusCode()).isEqualTo(200);
    assertThat(m.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    PrometheusText.Parsed parsed = PrometheusText.parse(m.body());
    assertThat(parsed.families()).containsKeys("jvm_memory_used_bytes", "sslfarm_admin_requests_total",
        "sslfarm_node_active_connections", "sslfarm_cluster_members");
    assertThat(parsed.families().keySet()).anyMatch(f -> f.startsWith("vertx_"));
    assertThat(parsed.value("sslfarm_admin_requests_total", Map.of("result", "unauthorized"))).isEqualTo(3.0);
    assertThat(parsed.value("sslfarm_cluster_members", Map.of())).isEqualTo(1.0);
  }

  @Test
  void badConfig_stopsTheNodeWithAMessageNamingTheKey() throws Exception {
    nodes = new TestNodes(dir, 1);
    assertThatThrownBy(() -> nodes.config(SCHEMA, 0, NodeRole.SSL, Map.of("admin.port", "70000")))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("admin.port:");
    assertThatThrownBy(() -> nodes.config(SCHEMA, 0, NodeRole.SSL, Map.of("cluster.heartbeat", "soon")))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("cluster.heartbeat:");

    Path file = dir.resolve("node.yaml");
    java.nio.file.Files.writeString(file, "admin:\n  port: 9900\n  tokn: abc\n");
    assertThatThrownBy(() -> new io.sslfarm.config.NodeConfigLoader(SCHEMA).load(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessage("admin.tokn: unknown key");
    assertThatThrownBy(() -> new io.sslfarm.config.NodeConfigLoader(SCHEMA)
        .load(null, Map.of("SSLFARM_ADMIN_PROT", "1"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("SSLFARM_ADMIN_PROT:");
    assertThat(new io.sslfarm.config.NodeConfigLoader(SCHEMA)
        .load(file.resolveSibling("none.yaml").toFile().exists() ? null : null, Map.of("SSLFARM_ADMIN_PORT", "9911"),
            Map.of()).get(NodeOptions.ADMIN_PORT)).isEqualTo(9911);

    // a value that parses but cannot be used stops start-up, naming the key and never echoing the secret
    FarmNode node = new FarmNode(nodes.config(SCHEMA, 0, NodeRole.SSL, Map.of("cluster.master-key", "c2VjcmV0LXNob3J0")),
        NodeRole.SSL, new EchoTier());
    assertThatThrownBy(() -> node.start().toCompletableFuture().join())
        .hasCauseInstanceOf(ConfigException.class)
        .cause().hasMessageStartingWith("cluster.master-key:").hasMessageNotContaining("c2VjcmV0LXNob3J0");
  }
}
