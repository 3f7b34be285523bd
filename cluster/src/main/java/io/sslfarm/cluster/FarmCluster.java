package io.sslfarm.cluster;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * A farm node's view of the cluster. Created by {@link FarmClusters#start}; closed when the node leaves.
 *
 * <pre>
 *   edge ──▶ ssl ──▶ router ──▶ backends
 *     ╲        │        ╱
 *      FarmCluster: nodes · config · certificates · ticket keys · session tables
 * </pre>
 */
public interface FarmCluster extends AutoCloseable {

  /** The id of this member (or client) in the cluster. */
  String memberId();

  /** True while this process is part of the cluster. */
  boolean isRunning();

  /** The number of members currently in the cluster. */
  int memberCount();

  NodeDirectory nodes();

  FarmConfigFeed config();

  CertificateTable certificates();

  TicketKeyHolder ticketKeys();

  Leadership leadership();

  /** A named session table with the given idle TTL (the first caller's TTL wins for the map's config). */
  SessionTable sessionTable(String name, Duration idleTtl);

  /**
   * Cluster values this member refused to read since it started: values of a class the deserialization filter does not
   * allow, or of the wrong type (a rogue writer), and sealed values a reader refused (see
   * {@link CertificateTable#refused}, {@link TicketKeyHolder#refused}). Such an entry is treated as absent.
   */
  default long rejectedValues() {
    return 0;
  }

  /**
   * Durable-state store files of this member found corrupt or truncated since it started (at start with
   * {@code cluster.state.on-corrupt: skip}, or on a later read). Their entries are not served.
   */
  default long corruptStateFiles() {
    return 0;
  }

  /**
   * Learn-mode session bindings this member evicted because its share of a session table reached the bound
   * ({@code HazelcastFarmCluster.SESSION_TABLE_MAX_PER_MEMBER}, least recently used first).
   */
  default long sessionEvictions() {
    return 0;
  }

  /** Leaves the cluster. */
  CompletionStage<Void> shutdown();

  @Override
  default void close() {
    shutdown().toCompletableFuture().join();
  }
}
