package io.sslfarm.cluster;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A cluster-wide map of application session id → upstream id, with an idle TTL (learn-mode stickiness). Lookups
 * are served from a near cache when possible; every method is asynchronous and completes on a cluster thread.
 */
public interface SessionTable {

  /** The table's name in the cluster. */
  String name();

  CompletionStage<Optional<String>> lookup(String sessionId);

  /** Records (or refreshes) a binding; the idle TTL restarts. */
  CompletionStage<Void> record(String sessionId, String upstreamId);

  CompletionStage<Void> remove(String sessionId);

  /** The idle time after which an unused binding disappears. */
  Duration idleTtl();
}
