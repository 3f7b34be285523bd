package io.sslfarm.router;

import static io.sslfarm.router.RouterFixture.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sslfarm.cluster.FarmConfig;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.cluster.internal.HazelcastFarmCluster;
import io.sslfarm.config.ConfigSchema;
import io.sslfarm.node.FarmNode;
import io.sslfarm.node.NodeOptions;
import io.sslfarm.node.TestNodes;
import io.sslfarm.router.RouterFixture.CookieJar;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Learn mode over a real cluster: three router nodes, each its own Hazelcast member (in-process), share the sticky
 * table. 200 users with cookie jars send 20 requests each, spread over the routers; halfway through, one router node is
 * killed (its member terminated without a graceful leave, kill -9 style) and the users go on through the two left.
 * No user changes backend: the table's backup copies survive the member.
 */
@Timeout(120)
class RouterClusterFailoverTest {

  private static final int USERS = 200;
  private static final int ROUNDS = 20;
  private static final ConfigSchema SCHEMA = ConfigSchema.of(NodeOptions.KEYS, RouterOptions.KEYS);

  @TempDir
  Path dir;
  private TestNodes nodes;
  private Vertx vertx;

  @AfterEach
  void tearDown() {
    if (nodes != null) {
      nodes.stopAll();
    }
    if (vertx != null) {
      vertx.close().await();
    }
  }

  @Test
  void learnMode_routerNodeKilledMidTest_losesNoStickySession() {
    vertx = Vertx.vertx();
    HttpServer[] bs = {backend(vertx, "b0", true), backend(vertx, "b1", true), backend(vertx, "b2", true)};
    nodes = new TestNodes(dir, 3);
    Map<String, Object> router = Map.of("router.host", "127.0.0.1", "router.port", 0, "router.proxy-protocol", "off",
        "router.event-loops", 1, "router.access-log", false);
    List<FarmNode> n = List.of(0, 1, 2).parallelStream()
        .map(i -> nodes.start(SCHEMA, i, NodeRole.ROUTER, new RouterTier(), router)).toList();
    JsonArray arr = new JsonArray();
    for (int i = 0; i < bs.length; i++) {
      arr.add(new JsonObject().put("id", "b" + i).put("address", "127.0.0.1:" + bs[i].actualPort()));
    }
    n.get(0).cluster().config().apply(FarmConfig.fromJson(new JsonObject()
        .put("routes", new JsonObject().put("default-pool", "web"))
        .put("pools", new JsonObject().put("web", new JsonObject().put("backends", arr)
            .put("sticky", new JsonObject().put("mode", "learn").put("idle-ttl", "10m"))))))
        .toCompletableFuture().join();
    for (FarmNode node : n) {
      await().atMost(Duration.ofSeconds(10)).until(() -> !((RouterTier) node.tier()).engine().config().pools()
          .isEmpty());
    }
    int[] ports = n.stream().mapToInt(node -> node.dataAddress().port()).toArray();
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(16));
    List<CookieJar> jars = new ArrayList<>();
    for (int u = 0; u < USERS; u++) {
      jars.add(new CookieJar());
    }
    Map<Integer, Set<String>> seen = new ConcurrentHashMap<>();

    rounds(client, jars, seen, 0, ROUNDS / 2, ports);
    // kill -9 of router node 2: its Hazelcast member goes without a goodbye, its listener is gone
    ((HazelcastFarmCluster) n.get(2).cluster()).terminate();
    ((RouterTier) n.get(2).tier()).close().await();
    await().atMost(Duration.ofSeconds(15)).until(() -> n.get(0).cluster().memberCount() == 2);
    rounds(client, jars, seen, ROUNDS / 2, ROUNDS, new int[] {ports[0], ports[1]});

    assertThat(seen).hasSize(USERS);
    seen.forEach((u, ids) -> assertThat(ids).as("user %d", u).hasSize(1).allMatch(id -> id.matches("b\\d")));
    for (int u = 0; u < USERS; u++) {
      // the app's own session id names the backend that created it: every router routed it there
      assertThat(jars.get(u).get("JSESSIONID")).startsWith(seen.get(u).iterator().next() + "-");
    }
  }

  /** In round r, user u goes to router (u + r) % ports.length; records every backend that answered. */
  private static void rounds(HttpClient client, List<CookieJar> jars, Map<Integer, Set<String>> seen, int from,
      int to, int[] ports) {
    for (int r = from; r < to; r++) {
      List<Future<String>> fs = new ArrayList<>();
      for (int u = 0; u < jars.size(); u++) {
        int user = u;
        CookieJar jar = jars.get(u);
        RequestOptions ro = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
            .setPort(ports[(u + r) % ports.length]).setURI("/app");
        if (!jar.header().isEmpty()) {
          ro.putHeader("Cookie", jar.header());
        }
        fs.add(client.request(ro).compose(req -> req.send().compose(resp -> {
          jar.store(resp.headers().getAll("Set-Cookie"));
          return resp.body().map(b -> resp.statusCode() == 200 ? b.toString() : "status-" + resp.statusCode());
        })).onSuccess(id -> seen.computeIfAbsent(user, k -> ConcurrentHashMap.newKeySet()).add(id)));
      }
      Future.all(fs).await();
    }
  }
}
