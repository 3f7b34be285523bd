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
    CompletableFuture<FarmCluster> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        f.complete(HazelcastFarmCluster.start(options));
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    }, "sslfarm-cluster-start");
    t.setDaemon(true);
    t.start();
    return f;
  }
}
