package io.sslfarm.farm.cli;

import io.sslfarm.cluster.NodeRole;
import io.sslfarm.config.ConfigException;
import io.sslfarm.config.NodeConfig;
import io.sslfarm.config.NodeConfigLoader;
import io.sslfarm.farm.CliException;
import io.sslfarm.farm.Schema;
import io.sslfarm.farm.Tiers;
import io.sslfarm.node.FarmNode;
import io.sslfarm.node.NodeOptions;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sslfarm edge|ssl|router|backend}: run one node until SIGTERM/Ctrl-C, then drain and leave. */
public final class NodeCommands {

  private NodeCommands() {
  }

  /** Options every node command has. */
  abstract static class Base implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "node file (sslfarm.yaml); see"
        + " `sslfarm config example`")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override one key, e.g. --set ssl.port=9443"
        + " (repeatable; wins over the file and SSLFARM_* variables)")
    Map<String, String> set = new LinkedHashMap<>();

    abstract NodeRole role();

    /** Defaults of this role that the user may still override. */
    Map<String, Object> roleDefaults() {
      return Map.of();
    }

    @Override
    public Integer call() throws Exception {
      Map<String, Object> overrides = new HashMap<>();
      overrides.put(NodeOptions.ROLE.path(), role().id());
      overrides.putAll(set);
      NodeConfig cfg;
      try {
        cfg = new NodeConfigLoader(Schema.ALL).load(config, System.getenv(), overrides);
        if (cfg.explicit(NodeOptions.CLUSTER_MODE).isEmpty() && roleDefaults().containsKey("cluster.mode")) {
          cfg = cfg.with(NodeOptions.CLUSTER_MODE, (String) roleDefaults().get("cluster.mode"));
        }
      } catch (ConfigException e) {
        throw new CliException(2, "config error: " + e.getMessage());
      }
      FarmNode node = new FarmNode(cfg, role(), Tiers.create(role()), Tiers.adminIssuer(cfg));
      run(node, cfg.get(NodeOptions.DRAIN_TIMEOUT).toMillis());
      return 0;
    }
  }

  /** Starts the node, then blocks until the JVM is asked to stop; the shutdown hook drains it. */
  static void run(FarmNode node, long drainMillis) throws InterruptedException {
    try {
      node.start().toCompletableFuture().join();
    } catch (CompletionException e) {
      Throwable c = e.getCause() != null ? e.getCause() : e;
      if (c instanceof ConfigException) {
        throw new CliException(2, "config error: " + c.getMessage());
      }
      throw new CliException(1, "start failed: " + c.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.stop().toCompletableFuture().get(drainMillis + 20_000, TimeUnit.MILLISECONDS);
      } catch (Exception ignored) {
        // the JVM is going away either way
      } finally {
        stopped.countDown();
      }
    }, "sslfarm-shutdown"));
    stopped.await();
  }

  @Command(name = "edge", mixinStandardHelpOptions = true,
      description = "Run an edge-l4 node: spray TCP connections over the SSL nodes (never decrypts).")
  public static final class Edge extends Base {
    @Override
    NodeRole role() {
      return NodeRole.EDGE;
    }
  }

  @Command(name = "ssl", mixinStandardHelpOptions = true,
      description = "Run an ssl-proxy node: terminate TLS and forward plaintext to the routers.")
  public static final class Ssl extends Base {
    @Override
    NodeRole role() {
      return NodeRole.SSL;
    }
  }

  @Command(name = "router", mixinStandardHelpOptions = true,
      description = "Run an l7-router node: cookie-sticky HTTP routing to the backends.")
  public static final class Router extends Base {
    @Override
    NodeRole role() {
      return NodeRole.ROUTER;
    }
  }

  @Command(name = "backend", mixinStandardHelpOptions = true,
      description = "Run the demo backend: an HTTP server that answers with its id (no cluster by default).")
  public static final class Backend extends Base {
    @Override
    NodeRole role() {
      return NodeRole.BACKEND;
    }

    @Override
    Map<String, Object> roleDefaults() {
      return Map.of(NodeOptions.CLUSTER_MODE.path(), "none");
    }
  }
}
