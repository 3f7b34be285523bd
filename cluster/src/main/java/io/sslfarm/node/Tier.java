package io.sslfarm.node;

import io.sslfarm.cluster.HostPort;
import io.vertx.core.Future;

/**
 * A tier's data plane (edge, ssl, router, backend) as run by {@link FarmNode}.
 *
 * <p>Life cycle, in order: {@link #start} (bind and serve; the returned address is registered in the cluster) →
 * {@link #stopAccepting} (on drain: close listeners, keep open connections) → {@link #close} (end what is left).
 * {@link #activeConnections()} may be called from any thread at any time.
 */
public interface Tier {

  /** Binds the data listener and starts serving; completes with the bound address. */
  Future<HostPort> start(TierContext context);

  /** Stops taking new downstream connections; open ones continue. */
  Future<Void> stopAccepting();

  /** Open downstream connections (requests in flight for HTTP tiers without connections). */
  long activeConnections();

  /** Closes everything that is left. */
  Future<Void> close();
}
