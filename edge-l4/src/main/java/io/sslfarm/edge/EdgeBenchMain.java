package io.sslfarm.edge;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sslfarm.cluster.HostPort;
import io.sslfarm.cluster.LocalFarmCluster;
import io.sslfarm.cluster.NodeInfo;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.cluster.NodeState;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one edge alone, for measuring it by hand against other L4 proxies (see {@code edge-l4/bench/}): an
 * in-process registry ({@link LocalFarmCluster}) holding the given upstreams as SSL nodes, no admin server, no
 * Hazelcast.
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
        .setMaxConnections(0).setIdleTimeout(Duration.ofSeconds(60));
    EdgeTier edge = new EdgeTier(options);
    HostPort bound = edge.start(vertx, cluster.nodes(), new SimpleMeterRegistry()).await(10, TimeUnit.SECONDS);
    log.info("edge bench listening on {} via {} ({})", bound, upstreams, edge.transportName());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      edge.close();
      vertx.close();
    }));
    Thread.currentThread().join();
  }
}
