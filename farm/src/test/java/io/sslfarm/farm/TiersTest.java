package io.sslfarm.farm;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sslfarm.admin.AdminHandler;
import io.sslfarm.admin.AdminRequest;
import io.sslfarm.admin.AdminResponse;
import io.sslfarm.admin.AdminRoutes;
import io.sslfarm.cluster.FarmCluster;
import io.sslfarm.cluster.HostPort;
import io.sslfarm.cluster.LocalFarmCluster;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.cluster.seal.MasterKey;
import io.sslfarm.cluster.seal.SecretSealer;
import io.sslfarm.config.NodeConfig;
import io.sslfarm.config.NodeConfigLoader;
import io.sslfarm.node.Tier;
import io.sslfarm.node.TierContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What every clustered node adds to its admin API: the certificate endpoints, dev-CA issuing only when enabled. */
@Timeout(60)
class TiersTest {

  @TempDir
  Path dir;
  final Vertx vertx = Vertx.vertx();
  final LocalFarmCluster cluster = new LocalFarmCluster();
  final Map<String, AdminHandler> routes = new HashMap<>();

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private AdminResponse generate(Map<String, Object> config) throws Exception {
    Map<String, Object> o = new HashMap<>(config);
    o.put("node.id", "edge-1");
    o.put("node.role", "edge");
    NodeConfig cfg = new NodeConfigLoader(Schema.ALL).load(null, Map.of(), o);
    Tier tier = new Tiers.WithCertsApi(new NoTier());
    tier.start(context(cfg)).await();
    AdminHandler h = routes.get("POST /api/certs/generate");
    AdminRequest req = new AdminRequest(HttpMethod.POST, "/api/certs/generate", Map.of(), Map.of(),
        Buffer.buffer(new JsonObject().put("names", new JsonArray().add("www.bank.example")).encode()));
    return h.handle(req).toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
  }

  @Test
  void generate_onAProductionNode_isRefused_noCaCreated() throws Exception {
    AdminResponse r = generate(Map.of());
    assertThat(r.status()).as("POST /api/certs/generate on a node without certs.dev-ca-enabled").isEqualTo(403);
    assertThat(r.body().toJsonObject().getString("error")).contains("certs.dev-ca-enabled");
    assertThat(cluster.certificates().snapshot()).isEmpty();
    assertThat(Files.exists(dir.resolve("dev-ca"))).isFalse();
  }

  @Test
  void generate_withTheDevCaEnabled_issues() throws Exception {
    AdminResponse r = generate(Map.of("certs.dev-ca-enabled", true));
    assertThat(r.status()).isEqualTo(201);
  }

  private TierContext context(NodeConfig cfg) {
    SecretSealer sealer = new SecretSealer(MasterKey.generate());
    MeterRegistry registry = new SimpleMeterRegistry();
    AdminRoutes admin = new AdminRoutes() {
      @Override
      public void route(HttpMethod method, String pattern, AdminHandler handler) {
        routes.put(method.name() + " " + pattern, handler);
      }

      @Override
      public void readiness(String name, BooleanSupplier check) {
      }
    };
    return new TierContext() {
      public String nodeId() {
        return "edge-1";
      }

      public NodeRole role() {
        return NodeRole.EDGE;
      }

      public Vertx vertx() {
        return vertx;
      }

      public NodeConfig config() {
        return cfg;
      }

      public FarmCluster cluster() {
        return cluster;
      }

      public MeterRegistry meterRegistry() {
        return registry;
      }

      public AdminRoutes admin() {
        return admin;
      }

      public SecretSealer sealer() {
        return sealer;
      }

      public Path dataDir() {
        return dir;
      }
    };
  }

  private static final class NoTier implements Tier {
    public Future<HostPort> start(TierContext context) {
      return Future.succeededFuture(new HostPort("127.0.0.1", 1));
    }

    public Future<Void> stopAccepting() {
      return Future.succeededFuture();
    }

    public long activeConnections() {
      return 0;
    }

    public Future<Void> close() {
      return Future.succeededFuture();
    }
  }
}
