package io.sslfarm.edge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Every meter of the edge tier.
 *
 * <pre>
 * sslfarm.edge.connections.accepted                       counter  client connections admitted
 * sslfarm.edge.connections.rejected{reason}               counter  acl | limit_conn | limit_rate | max_connections |
 *                                                                  no_upstream | upstream_connect | proxy_header
 * sslfarm.edge.connections.active                         gauge    open client connections
 * sslfarm.edge.connections.handed.off                     counter  admitted connections given to an SSL node of this
 *                                                                  process (its socket itself: no relay, so their
 *                                                                  bytes are not in sslfarm.edge.bytes)
 * sslfarm.edge.bytes{direction=in|out}                    counter  bytes from clients (in) and to clients (out)
 * sslfarm.edge.connect.retries                            counter  upstream connects retried on another SSL node
 * sslfarm.edge.upstream.active{node}                      gauge    open relayed connections per SSL node
 * sslfarm.edge.upstream.picks{node}                       counter  times the selector chose the node
 * sslfarm.edge.upstream.connect.failures{node}            counter  failed upstream connects per node
 * sslfarm.edge.upstream.healthy{node}                     gauge    1 when the node passes the active health check
 * sslfarm.edge.health.changes{node,state=up|down}         counter  health state transitions
 * </pre>
 */
public final class EdgeMetrics {

  /** Why a client connection was refused or closed before relaying. */
  public enum RejectReason {
    ACL, LIMIT_CONN, LIMIT_RATE, MAX_CONNECTIONS, NO_UPSTREAM, UPSTREAM_CONNECT, PROXY_HEADER;

    public String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final MeterRegistry registry;
  private final Counter accepted;
  private final Map<RejectReason, Counter> rejected = new EnumMap<>(RejectReason.class);
  private final Counter bytesIn;
  private final Counter bytesOut;
  private final Counter retries;
  private final Counter handedOff;

  public EdgeMetrics(MeterRegistry registry, Supplier<Number> activeConnections) {
    this.registry = registry;
    accepted = Counter.builder("sslfarm.edge.connections.accepted").description("client connections admitted")
        .register(registry);
    for (RejectReason r : RejectReason.values()) {
      rejected.put(r, Counter.builder("sslfarm.edge.connections.rejected").tag("reason", r.tag())
          .description("client connections refused before relaying").register(registry));
    }
    Gauge.builder("sslfarm.edge.connections.active", activeConnections).description("open client connections")
        .register(registry);
    bytesIn = Counter.builder("sslfarm.edge.bytes").tag("direction", "in").baseUnit("bytes")
        .description("bytes relayed from clients").register(registry);
    bytesOut = Counter.builder("sslfarm.edge.bytes").tag("direction", "out").baseUnit("bytes")
        .description("bytes relayed to clients").register(registry);
    handedOff = Counter.builder("sslfarm.edge.connections.handed.off")
        .description("admitted client connections given to an SSL node of this process (not relayed)")
        .register(registry);
    retries = Counter.builder("sslfarm.edge.connect.retries").description("upstream connects retried on another node")
        .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void accepted() {
    accepted.increment();
  }

  public void rejected(RejectReason reason) {
    rejected.get(reason).increment();
  }

  public double rejectedCount(RejectReason reason) {
    return rejected.get(reason).count();
  }

  public double acceptedCount() {
    return accepted.count();
  }

  public void handedOff() {
    handedOff.increment();
  }

  public double handedOffCount() {
    return handedOff.count();
  }

  public void bytesIn(long n) {
    bytesIn.increment(n);
  }

  public void bytesOut(long n) {
    bytesOut.increment(n);
  }

  public void connectRetry() {
    retries.increment();
  }

  public double connectRetries() {
    return retries.count();
  }

  /** Registers the per-node meters; {@link NodeMeters#remove()} when the node leaves. */
  public NodeMeters node(String nodeId, Supplier<Number> active, Supplier<Number> healthy) {
    return new NodeMeters(nodeId, active, healthy);
  }

  /** The meters of one SSL node. */
  public final class NodeMeters {
    private final List<Meter> meters = new ArrayList<>();
    private final Counter picks;
    private final Counter connectFailures;
    private final Counter up;
    private final Counter down;

    private NodeMeters(String node, Supplier<Number> active, Supplier<Number> healthy) {
      meters.add(Gauge.builder("sslfarm.edge.upstream.active", active).tag("node", node)
          .description("open relayed connections per SSL node").register(registry));
      meters.add(Gauge.builder("sslfarm.edge.upstream.healthy", healthy).tag("node", node)
          .description("1 when the SSL node passes the active health check").register(registry));
      picks = Counter.builder("sslfarm.edge.upstream.picks").tag("node", node)
          .description("times the selector chose the node").register(registry);
      connectFailures = Counter.builder("sslfarm.edge.upstream.connect.failures").tag("node", node)
          .description("failed upstream connects").register(registry);
      up = Counter.builder("sslfarm.edge.health.changes").tag("node", node).tag("state", "up")
          .description("health state transitions").register(registry);
      down = Counter.builder("sslfarm.edge.health.changes").tag("node", node).tag("state", "down")
          .description("health state transitions").register(registry);
      meters.addAll(List.of(picks, connectFailures, up, down));
    }

    public void picked() {
      picks.increment();
    }

    public double picks() {
      return picks.count();
    }

    public void connectFailed() {
      connectFailures.increment();
    }

    public void healthChanged(boolean nowUp) {
      (nowUp ? up : down).increment();
    }

    public void remove() {
      meters.forEach(registry::remove);
    }
  }
}
