package io.sslfarm.router;

import static io.sslfarm.router.RouterFixture.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sslfarm.admin.AdminHandler;
import io.sslfarm.admin.AdminRoutes;
import io.sslfarm.cluster.FarmCluster;
import io.sslfarm.cluster.FarmConfig;
import io.sslfarm.cluster.HostPort;
import io.sslfarm.cluster.LocalFarmCluster;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.cluster.seal.MasterKey;
import io.sslfarm.cluster.seal.SecretSealer;
import io.sslfarm.config.ConfigSchema;
import io.sslfarm.config.NodeConfig;
import io.sslfarm.config.NodeConfigLoader;
import io.sslfarm.node.NodeOptions;
import io.sslfarm.node.TierContext;
import io.sslfarm.router.RouterFixture.CookieJar;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@link RouterTier}s on one {@link LocalFarmCluster}: the farm config reaches both through the feed, the insert
 * key is the sealed farm key (created by the first router, opened by the second), learn mode uses the cluster table.
 */
@Timeout(60)
class RouterTierTest {

  @TempDir
  Path dir;
  private Vertx vertx;
  private LocalFarmCluster cluster;
  private HttpClient client;
  private final SecretSealer sealer = new SecretSealer(MasterKey.generate());

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    cluster = new LocalFarmCluster();
    client = vertx.createHttpClient();
  }

  @AfterEach
  void tearDown() {
    cluster.close();
    vertx.close().await();
  }

  private TierContext context(String id) {
    NodeConfig cfg = new NodeConfigLoader(ConfigSchema.of(NodeOptions.KEYS, RouterOptions.KEYS)).load(null, Map.of(),
        Map.of("router.host", "127.0.0.1", "router.port", 0, "router.proxy-protocol", "off",
            "router.event-loops", 1, "router.access-log", false));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    return new TierContext() {
      @Override public String nodeId() { return id; }
      @Override public NodeRole role() { return NodeRole.ROUTER; }
      @Override public Vertx vertx() { return vertx; }
      @Override public NodeConfig config() { return cfg; }
      @Override public FarmCluster cluster() { return cluster; }
      @Override public io.micrometer.core.instrument.MeterRegistry meterRegistry() { return registry; }
      @Override public AdminRoutes admin() {
        return new AdminRoutes() {
          @Override public void route(HttpMethod method, String pattern, AdminHandler handler) { }
          @Override public void readiness(String name, BooleanSupplier check) { }
        };
      }
      @Override public SecretSealer sealer() { return sealer; }
      @Override public Path dataDir() { return dir; }
    };
  }

  private String get(int port, CookieJar jar) {
    RequestOptions ro = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI("/");
    if (!jar.header().isEmpty()) {
      ro.putHeader("Cookie", jar.header());
    }
    return client.request(ro).compose(r -> r.send().compose(resp -> {
      jar.store(resp.headers().getAll("Set-Cookie"));
      return resp.body().map(b -> resp.statusCode() + " " + b);
    })).await();
  }

  private void applyPool(String mode, HttpServer... bs) {
    JsonArray arr = new JsonArray();
    for (int i = 0; i < bs.length; i++) {
      arr.add(new JsonObject().put("id", "b" + i).put("address", "127.0.0.1:" + bs[i].actualPort()));
    }
    cluster.config().apply(FarmConfig.fromJson(new JsonObject()
        .put("routes", new JsonObject().put("default-pool", "web"))
        .put("pools", new JsonObject().put("web", new JsonObject().put("backends", arr)
            .put("sticky", new JsonObject().put("mode", mode)))))).toCompletableFuture().join();
  }

  private void assertSticky(int portA, int portB, int users, int rounds) {
    for (int u = 0; u < users; u++) {
      CookieJar jar = new CookieJar();
      Set<String> seen = new HashSet<>();
      for (int r = 0; r < rounds; r++) {
        seen.add(get(r % 2 == 0 ? portA : portB, jar));
      }
      assertThat(seen).as("user %d", u).hasSize(1).allMatch(s -> s.matches("200 b\\d"));
    }
  }

  @Test
  void insertMode_sealedFarmKeySharedThroughCluster_configFromFeed() {
    HttpServer[] bs = {backend(vertx, "b0", false), backend(vertx, "b1", false), backend(vertx, "b2", false)};
    applyPool("insert", bs);
    RouterTier a = new RouterTier();
    HostPort pa = a.start(context("router-a")).await();
    await().atMost(Duration.ofSeconds(5)).until(() -> cluster.config().current().sections()
        .containsKey(RouterTier.KEYS_SECTION));
    String sealed = cluster.config().current().section(RouterTier.KEYS_SECTION).getString("sticky");
    assertThat(sealed).isNotBlank();
    RouterTier b = new RouterTier();
    HostPort pb = b.start(context("router-b")).await();
    await().atMost(Duration.ofSeconds(5)).until(() -> !b.engine().config().pools().isEmpty());
    assertSticky(pa.port(), pb.port(), 40, 6);
    // the key did not change when B joined
    assertThat(cluster.config().current().section(RouterTier.KEYS_SECTION).getString("sticky")).isEqualTo(sealed);
    a.close().await();
    b.close().await();
  }

  @Test
  void learnMode_sessionTableSharedThroughCluster_hotConfigChange() {
    HttpServer[] bs = {backend(vertx, "b0", true), backend(vertx, "b1", true)};
    applyPool("learn", bs);
    RouterTier a = new RouterTier();
    RouterTier b = new RouterTier();
    HostPort pa = a.start(context("router-a")).await();
    HostPort pb = b.start(context("router-b")).await();
    await().atMost(Duration.ofSeconds(5)).until(() -> !a.engine().config().pools().isEmpty()
        && !b.engine().config().pools().isEmpty());
    assertSticky(pa.port(), pb.port(), 30, 6);

    // a hot change through the feed: a third backend appears on both routers without restart
    HttpServer b2 = backend(vertx, "b2", true);
    applyPool("learn", bs[0], bs[1], b2);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.engine().pools().pool("web").byId("b2") != null
        && b.engine().pools().pool("web").byId("b2") != null);
    assertSticky(pa.port(), pb.port(), 30, 6);
    a.close().await();
    b.close().await();
  }

  @Test
  void invalidFarmConfig_isRejectedAndPreviousSnapshotKept() {
    HttpServer[] bs = {backend(vertx, "b0", false)};
    applyPool("none", bs);
    RouterTier a = new RouterTier();
    HostPort pa = a.start(context("router-a")).await();
    await().atMost(Duration.ofSeconds(5)).until(() -> !a.engine().config().pools().isEmpty());
    cluster.config().apply(FarmConfig.fromJson(new JsonObject().put("pools", new JsonObject().put("web",
        new JsonObject().put("backends", new JsonArray().add(new JsonObject().put("id", "b0")
            .put("address", "127.0.0.1:1").put("weight", 500)))))))
        .toCompletableFuture().join();
    assertThat(get(pa.port(), new CookieJar())).isEqualTo("200 b0");
    assertThat(a.engine().config().pools().get("web").backends().get(0).weight()).isEqualTo(10);
    assertThat(List.of(a.activeConnections())).isNotEmpty();
    a.close().await();
  }
}
