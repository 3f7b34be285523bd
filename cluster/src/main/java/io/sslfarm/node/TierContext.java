package io.sslfarm.node;

import io.micrometer.core.instrument.MeterRegistry;
import io.sslfarm.admin.AdminRoutes;
import io.sslfarm.cluster.FarmCluster;
import io.sslfarm.cluster.NodeRole;
import io.sslfarm.cluster.seal.SecretSealer;
import io.sslfarm.config.NodeConfig;
import io.vertx.core.Vertx;
import java.nio.file.Path;

/** What {@link FarmNode} hands a {@link Tier}: everything shared, nothing tier-specific. */
public interface TierContext {

  String nodeId();

  NodeRole role();

  Vertx vertx();

  NodeConfig config();

  /** The cluster, or null for a node that does not join one (the demo backend). */
  FarmCluster cluster();

  /** The node's meter registry (exposed on {@code /metrics}). */
  MeterRegistry meterRegistry();

  AdminRoutes admin();

  /** Opens sealed secrets with this node's master key. */
  SecretSealer sealer();

  /** A directory for the node's own files (generated token, dev CA). */
  Path dataDir();
}
