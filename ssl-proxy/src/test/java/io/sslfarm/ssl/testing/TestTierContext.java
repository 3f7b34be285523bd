package io.sslfarm.ssl.testing;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sslfarm.admin.AdminRoutes;
import io.sslfarm.cluster.FarmCluster;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.cluster.seal.SecretSealer;
import io.sslfarm.config.NodeConfig;
import io.sslfarm.node.TierContext;
import io.vertx.core.Vertx;
import java.nio.file.Path;

/** A {@link TierContext} for component tests: a shared cluster (e.g. LocalFarmCluster), own meter registry. */
public final class TestTierContext implements TierContext {

  private final String nodeId;
  private final Vertx vertx;
  private final FarmCluster cluster;
  private final SecretSealer sealer;
  private final MeterRegistry registry = new SimpleMeterRegistry();
  private final NodeConfig config;

  public TestTierContext(String nodeId, Vertx vertx, FarmCluster cluster, SecretSealer sealer) {
    this(nodeId, vertx, cluster, sealer, null);
  }

  public TestTierContext(String nodeId, Vertx vertx, FarmCluster cluster, SecretSealer sealer, NodeConfig config) {
    this.config = config;
    this.nodeId = nodeId;
    this.vertx = vertx;
    this.cluster = cluster;
    this.sealer = sealer;
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public NodeRole role() {
    return NodeRole.SSL;
  }

  @Override
  public Vertx vertx() {
    return vertx;
  }

  @Override
  public NodeConfig config() {
    if (config == null) {
      throw new UnsupportedOperationException("this test passes SslOptions directly");
    }
    return config;
  }

  @Override
  public FarmCluster cluster() {
    return cluster;
  }

  @Override
  public MeterRegistry meterRegistry() {
    return registry;
  }

  /** Readiness checks the tier registered, by name. */
  public final java.util.Map<String, java.util.function.BooleanSupplier> readiness =
      new java.util.concurrent.ConcurrentHashMap<>();

  @Override
  public AdminRoutes admin() {
    return new AdminRoutes() {
      @Override
      public void route(io.vertx.core.http.HttpMethod method, String pattern, io.sslfarm.admin.AdminHandler handler) {
      }

      @Override
      public void readiness(String name, java.util.function.BooleanSupplier check) {
        readiness.put(name, check);
      }
    };
  }

  @Override
  public SecretSealer sealer() {
    return sealer;
  }

  @Override
  public Path dataDir() {
    return Path.of("target");
  }
}
