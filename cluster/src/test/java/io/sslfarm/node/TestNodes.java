package io.sslfarm.node;

import io.sslfarm.cluster.HostPort;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.config.ConfigSchema;
import io.sslfarm.config.NodeConfig;
import io.sslfarm.config.NodeConfigLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * Starts in-process farm nodes that form their own Hazelcast cluster: a random cluster name and port range, so that
 * test runs side by side never join each other.
 */
public final class TestNodes {

  public static final String TOKEN = "test-token-0123456789abcdef";

  private final String clusterName = "test-" + java.util.UUID.randomUUID();
  private final int basePort = 20000 + ThreadLocalRandom.current().nextInt(0, 400) * 100;
  private final Path dir;
  private final int size;
  private final List<FarmNode> started = new ArrayList<>();
  private final String masterKey = io.sslfarm.cluster.seal.MasterKeyTestSupport.randomBase64();
  private final String joinSecret = "join-" + java.util.UUID.randomUUID();

  public TestNodes(Path dir, int size) {
    this.dir = dir;
    this.size = size;
  }

  public List<HostPort> seeds() {
    List<HostPort> s = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      s.add(new HostPort("127.0.0.1", basePort + i));
    }
    return s;
  }

  public String masterKeyBase64() {
    return masterKey;
  }

  /** The config of node {@code i}: its own data dir, cluster port and admin port 0. */
  public Map<String, Object> overrides(int i, NodeRole role) {
    Map<String, Object> o = new HashMap<>();
    o.put("node.id", role.id() + "-" + i);
    o.put("node.role", role.id());
    o.put("node.data-dir", dir.resolve("node" + i).toString());
    o.put("node.drain-timeout", "2s");
    o.put("cluster.name", clusterName);
    o.put("cluster.port", basePort + i);
    o.put("cluster.seeds", seeds().stream().map(HostPort::toString).collect(Collectors.joining(",")));
    o.put("cluster.master-key", masterKey);
    o.put("cluster.join-secret", joinSecret); // one farm: the same secret on every node (each has its own data dir)
    o.put("admin.port", 0);
    o.put("admin.token", TOKEN);
    return o;
  }

  public NodeConfig config(ConfigSchema schema, int i, NodeRole role, Map<String, Object> extra) {
    Map<String, Object> o = overrides(i, role);
    o.putAll(extra);
    return new NodeConfigLoader(schema).load(null, Map.of(), o);
  }

  public FarmNode start(ConfigSchema schema, int i, NodeRole role, Tier tier, Map<String, Object> extra) {
    FarmNode n = new FarmNode(config(schema, i, role, extra), role, tier);
    n.start().toCompletableFuture().join();
    synchronized (started) {
      started.add(n);
    }
    return n;
  }

  public void stopAll() {
    List<FarmNode> copy;
    synchronized (started) {
      copy = new ArrayList<>(started);
      started.clear();
    }
    copy.parallelStream().forEach(n -> {
      try {
        n.stop().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // best effort in teardown
      }
    });
  }
}
