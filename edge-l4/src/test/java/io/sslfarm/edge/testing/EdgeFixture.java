package io.sslfarm.edge.testing;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.sslfarm.admin.AdminRoutes;
import io.sslfarm.cluster.FarmCluster;
import io.sslfarm.cluster.HostPort;
import io.sslfarm.cluster.LocalFarmCluster;
import io.sslfarm.cluster.NodeInfo;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.cluster.NodeState;
import io.sslfarm.cluster.seal.SecretSealer;
import io.sslfarm.config.ConfigSchema;
import io.sslfarm.config.NodeConfig;
import io.sslfarm.config.NodeConfigLoader;
import io.sslfarm.edge.EdgeOptions;
import io.sslfarm.edge.EdgeTier;
import io.sslfarm.node.NodeOptions;
import io.sslfarm.node.TierContext;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One edge on real sockets: a Vert.x (native transport preferred), a {@link LocalFarmCluster} as registry, fake SSL
 * nodes on 127.0.0.1:0, and an {@link EdgeTier} started through {@link TierContext} from config overrides.
 */
public final class EdgeFixture implements AutoCloseable {

  public final Vertx vertx = Vertx.builder().with(new VertxOptions().setPreferNativeTransport(true)
      .setEventLoopPoolSize(2)).build();
  public final LocalFarmCluster cluster = new LocalFarmCluster();
  public final MeterRegistry registry = new SimpleMeterRegistry();
  public final EventLoopGroup nodeGroup = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  public final List<FakeSslNode> nodes = new ArrayList<>();
  public EdgeTier edge;
  public int port;
  private final List<EdgeTier> extraEdges = new ArrayList<>();

  public FakeSslNode addNode(String id, int weight) throws Exception {
    return addNode(new FakeSslNode(id, nodeGroup), weight);
  }

  public FakeSslNode addNode(FakeSslNode n, int weight) throws Exception {
    n.start();
    nodes.add(n);
    register(n, weight, NodeState.ACTIVE);
    return n;
  }

  public void register(FakeSslNode n, int weight, NodeState state) throws Exception {
    cluster.nodes().register(new NodeInfo(n.id(), NodeRole.SSL, n.dataAddress(), "127.0.0.1:1", weight, state,
        "test", cluster.memberId(), System.currentTimeMillis())).toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  /** Starts the edge with {@code edge.port: 0} and fast health checks plus the given overrides. */
  public EdgeFixture startEdge(Map<String, Object> overrides) throws Exception {
    edge = new EdgeTier();
    port = start(edge, overrides, registry);
    return this;
  }

  /** Starts one more edge on the same registry (several edges side by side); closed with the fixture. */
  public EdgeTier startAnotherEdge(Map<String, Object> overrides) throws Exception {
    EdgeTier e = new EdgeTier();
    extraEdges.add(e);
    start(e, overrides, new SimpleMeterRegistry());
    return e;
  }

  private int start(EdgeTier e, Map<String, Object> overrides, MeterRegistry meters) throws Exception {
    Map<String, Object> o = new HashMap<>();
    o.put("edge.host", "127.0.0.1");
    o.put("edge.port", 0);
    o.put("edge.health.interval", "100ms");
    o.put("edge.health.timeout", "500ms");
    o.putAll(overrides);
    NodeConfig config = new NodeConfigLoader(ConfigSchema.of(NodeOptions.KEYS, EdgeOptions.KEYS))
        .load(null, Map.of(), o);
    HostPort hp = e.start(context(config, meters)).await(10, TimeUnit.SECONDS);
    return hp.port();
  }

  private TierContext context(NodeConfig config, MeterRegistry meters) {
    FarmCluster c = cluster;
    return new TierContext() {
      public String nodeId() {
        return "edge-test";
      }

      public NodeRole role() {
        return NodeRole.EDGE;
      }

      public Vertx vertx() {
        return vertx;
      }

      public NodeConfig config() {
        return config;
      }

      public FarmCluster cluster() {
        return c;
      }

      public MeterRegistry meterRegistry() {
        return meters;
      }

      public AdminRoutes admin() {
        return null;
      }

      public SecretSealer sealer() {
        return null;
      }

      public Path dataDir() {
        return Path.of("target");
      }
    };
  }

  public InetSocketAddress edgeAddress() {
    return new InetSocketAddress("127.0.0.1", port);
  }

  /** Connects a blocking client; {@link #readLine} then gives the fake node's "id address" line. */
  public Socket connect() throws IOException {
    Socket s = new Socket();
    s.setSoTimeout(5000);
    s.connect(edgeAddress(), 2000);
    return s;
  }

  /** Connects a blocking client from a given loopback address (all of 127.0.0.0/8 is local on Linux). */
  public static Socket connect(InetAddress from, int edgePort) throws IOException {
    Socket s = new Socket();
    s.setSoTimeout(5000);
    s.bind(new InetSocketAddress(from, 0));
    s.connect(new InetSocketAddress("127.0.0.1", edgePort), 2000);
    return s;
  }

  /** Reads one line byte by byte (no buffering beyond it), or null on EOF. */
  public static String readLine(Socket s) throws IOException {
    StringBuilder sb = new StringBuilder();
    var in = s.getInputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        return sb.toString();
      }
      sb.append((char) c);
    }
    return sb.length() == 0 ? null : sb.toString();
  }

  /** Number of SSL nodes the edge currently considers UP. */
  public long healthyNodes() {
    return healthyNodes(edge);
  }

  /** Number of SSL nodes the given edge currently considers UP. */
  public static long healthyNodes(EdgeTier edge) {
    return edge.pool().upstreams().stream()
        .filter(u -> u.health() == io.sslfarm.edge.upstream.Upstream.Health.UP).count();
  }

  public double picks(String node) {
    var c = registry.find("sslfarm.edge.upstream.picks").tag("node", node).counter();
    return c == null ? 0 : c.count();
  }

  @Override
  public void close() throws Exception {
    if (edge != null) {
      edge.close().await(10, TimeUnit.SECONDS);
    }
    for (EdgeTier e : extraEdges) {
      e.close().await(10, TimeUnit.SECONDS);
    }
    nodes.forEach(FakeSslNode::close);
    nodeGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    cluster.shutdown();
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
