package io.sslfarm.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sslfarm.net.InProcess;
import io.sslfarm.cluster.FarmCluster;
import java.util.function.Supplier;

/**
 * Every meter of the node core (admin API, cluster, drain), and the registry itself. Tier meters live in each tier's
 * own {@code *Metrics} class.
 *
 * <ul>
 *   <li>{@code sslfarm.admin.requests{result=ok|unauthorized|forbidden|error}}</li>
 *   <li>{@code sslfarm.node.info{role, node}} (always 1)</li>
 *   <li>{@code sslfarm.cluster.members}, {@code sslfarm.node.active.connections}, {@code sslfarm.node.draining}</li>
 *   <li>{@code sslfarm.secrets.insecure.permissions} (counter): secret files read at start that group or others may
 *       access (see {@code node.secrets-permissions})</li>
 *   <li>{@code sslfarm.cluster.values.rejected} (counter): cluster values this member refused to read (a class the
 *       deserialization filter does not allow, the wrong type, or a sealed value whose metadata, version or
 *       generation a reader refused: a rogue writer or a replay)</li>
 *   <li>{@code sslfarm.cluster.state.corrupt.files} (counter): durable-state store files found corrupt or truncated
 *       (their entries are not served; see {@code cluster.state.on-corrupt})</li>
 * </ul>
 */
public final class NodeMetrics {

  private final PrometheusMeterRegistry registry;
  private final Counter adminOk;
  private final Counter adminUnauthorized;
  private final Counter adminForbidden;
  private final Counter adminError;
  private final Counter insecureSecrets;

  public NodeMetrics() {
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    this.adminOk = adminCounter("ok");
    this.adminUnauthorized = adminCounter("unauthorized");
    this.adminForbidden = adminCounter("forbidden");
    this.adminError = adminCounter("error");
    this.insecureSecrets = Counter.builder("sslfarm.secrets.insecure.permissions")
        .description("secret files (master key, admin token) read at start although group or others may access them")
        .register(registry);
    FunctionCounter.builder("sslfarm.in.process.connections", InProcess.class, c -> InProcess.connects())
        .description("connections between tiers of this process made in-process (node.in-process-hops), all nodes"
            + " of the process together")
        .register(registry);
    FunctionCounter.builder("sslfarm.in.process.handoffs", InProcess.class, c -> InProcess.handoffs())
        .description("client connections an edge of this process gave to an SSL node of this process (its socket"
            + " itself, no relay; node.in-process-hops), all nodes of the process together")
        .register(registry);
  }

  private Counter adminCounter(String result) {
    return Counter.builder("sslfarm.admin.requests").tag("result", result)
        .description("admin API requests by outcome").register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Prometheus text exposition (format 0.0.4). */
  public String scrape() {
    return registry.scrape();
  }

  public void adminOk() {
    adminOk.increment();
  }

  public void adminUnauthorized() {
    adminUnauthorized.increment();
  }

  /** The read-only token tried a write (403). */
  public void adminForbidden() {
    adminForbidden.increment();
  }

  void insecureSecretFile() {
    insecureSecrets.increment();
  }

  public void adminError() {
    adminError.increment();
  }

  void bindNode(String nodeId, String role, Supplier<FarmCluster> cluster, Supplier<Long> active,
                Supplier<Boolean> draining) {
    Gauge.builder("sslfarm.node.info", () -> 1).tag("node", nodeId).tag("role", role)
        .description("constant 1, labelled with the node id and role").register(registry);
    Gauge.builder("sslfarm.cluster.members", () -> {
      FarmCluster c = cluster.get();
      return c == null ? 0 : c.memberCount();
    }).description("members in the cluster as seen by this node").register(registry);
    FunctionCounter.builder("sslfarm.cluster.values.rejected", cluster, c -> {
      FarmCluster fc = c.get();
      return fc == null ? 0 : fc.rejectedValues();
    }).description("cluster values this member refused to read (disallowed class, wrong type, or a sealed value "
        + "whose metadata, version or generation was refused)").register(registry);
    FunctionCounter.builder("sslfarm.cluster.sessions.evicted", cluster, c -> {
      FarmCluster fc = c.get();
      return fc == null ? 0 : fc.sessionEvictions();
    }).description("learn-mode session bindings evicted by this member for the size bound (least recently used)")
        .register(registry);
    FunctionCounter.builder("sslfarm.cluster.state.corrupt.files", cluster, c -> {
      FarmCluster fc = c.get();
      return fc == null ? 0 : fc.corruptStateFiles();
    }).description("durable-state store files found corrupt or truncated; their entries are not served")
        .register(registry);
    Gauge.builder("sslfarm.node.active.connections", () -> active.get())
        .description("open downstream connections of this node's tier").register(registry);
    Gauge.builder("sslfarm.node.draining", () -> draining.get() ? 1 : 0)
        .description("1 while the node drains").register(registry);
  }

  public MeterRegistry meterRegistry() {
    return registry;
  }
}
