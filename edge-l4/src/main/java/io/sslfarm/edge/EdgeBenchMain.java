package io.sslfarm.edge;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sslfarm.admin.AdminRoutes;
import io.sslfarm.cluster.FarmCluster;
import io.sslfarm.cluster.HostPort;
import io.sslfarm.cluster.LocalFarmCluster;
import io.sslfarm.cluster.NodeInfo;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.cluster.NodeState;
import io.sslfarm.cluster.seal.SecretSealer;
import io.sslfarm.config.NodeConfig;
import io.sslfarm.node.TierContext;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one edge alone, for measuring it by hand against other L4 proxies: an in-process registry
 * ({@link LocalFarmCluster}) holding the given upstreams as SSL nodes, no admin server, no Hazelcast.
 *
 * <pre>
 *   java -cp … io.sslfarm.edge.EdgeBenchMain --port 28443 --upstream 127.0.0.1:29000 [--upstream …]
 *        [--balance p2c|maglev|round-robin] [--native] [--event-loops N]
 * </pre>
 *
 * Upstreams must accept a PROXY v2 header (nginx {@code listen … proxy_protocol}, HAProxy {@code accept-proxy}).
 * Runs until the process is terminated.
 */
public final class EdgeBenchMain {

  private static final Logger log = LoggerFactory.getLogger(EdgeBenchMain.class);

  private EdgeBenchMain() {
  }

  public static void main(String[] args) throws Exception {
    int port = 28443;
    String balance = "p2c";
    boolean nativeTransport = false;
    int loops = Runtime.getRuntime().availableProcessors();
    List<String> upstreams = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--upstream" -> upstreams.add(args[++i]);
        case "--balance" -> balance = args[++i];
        case "--native" -> nativeTransport = true;
        case "--event-loops" -> loops = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (upstreams.isEmpty()) {
      throw new IllegalArgumentException("at least one --upstream host:port");
    }
    Vertx vertx = Vertx.builder().with(new VertxOptions().setPreferNativeTransport(nativeTransport)
        .setEventLoopPoolSize(loops)).build();
    LocalFarmCluster cluster = new LocalFarmCluster();
    for (int i = 0; i < upstreams.size(); i++) {
      cluster.nodes().register(new NodeInfo("ssl-" + i, NodeRole.SSL, upstreams.get(i), "127.0.0.1:0",
          NodeInfo.DEFAULT_WEIGHT, NodeState.ACTIVE, "bench", cluster.memberId(), System.currentTimeMillis()))
          .toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
    EdgeOptions options = new EdgeOptions().setHost("127.0.0.1").setPort(port).setBalance(balance)
        .setMaxConnections(0).setIdleTimeout(java.time.Duration.ofSeconds(60));
    EdgeTier edge = new EdgeTier(options);
    MeterRegistry registry = new SimpleMeterRegistry();
    HostPort bound = edge.start(new TierContext() {
      public String nodeId() {
        return "edge-bench";
      }

      public NodeRole role() {
        return NodeRole.EDGE;
      }

      public Vertx vertx() {
        return vertx;
      }

      public NodeConfig config() {
        return null;
      }

      public FarmCluster cluster() {
        return cluster;
      }

      public MeterRegistry meterRegistry() {
        return registry;
      }

      public AdminRoutes admin() {
        return null;
      }

      public SecretSealer sealer() {
        return null;
      }

      public Path dataDir() {
        return Path.of(".");
      }
    }).await(10, TimeUnit.SECONDS);
    log.info("edge bench listening on {} via {} ({})", bound, upstreams, edge.transportName());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      edge.close();
      vertx.close();
    }));
    Thread.currentThread().join();
  }
}
