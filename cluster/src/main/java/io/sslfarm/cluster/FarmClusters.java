package io.sslfarm.cluster;

import io.sslfarm.cluster.internal.HazelcastFarmCluster;
import java.util.concurrent.CompletableFuture;

/** Starts a node's cluster membership. */
public final class FarmClusters {

  private FarmClusters() {
  }

  /**
   * Joins (or, in member mode, forms) the cluster. Starting a member takes a second or two; the future completes on a
   * dedicated thread, never on the caller's.
   */
  public static CompletableFuture<FarmCluster> start(ClusterOptions options) {
    return start(options, DurableStateOptions.DISABLED);
  }

  /**
   * Like {@link #start(ClusterOptions)}, with the farm's durable state kept in {@code state}'s directory (member mode
   * only; a client leaves persistence to the external cluster). Fails with {@link CorruptStateException} naming the
   * files when a store file is corrupt and {@code state} says to refuse.
   */
  public static CompletableFuture<FarmCluster> start(ClusterOptions options, DurableStateOptions state) {
    CompletableFuture<FarmCluster> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        f.complete(HazelcastFarmCluster.start(options, state));
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    }, "sslfarm-cluster-start");
    t.setDaemon(true);
    t.start();
    return f;
  }
}
