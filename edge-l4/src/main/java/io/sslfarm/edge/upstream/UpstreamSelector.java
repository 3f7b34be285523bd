package io.sslfarm.edge.upstream;

import java.net.InetAddress;
import java.util.Collection;
import java.util.List;

/**
 * Chooses the SSL node for a new downstream connection.
 *
 * <p>Threading: {@link #update} is called off the event loops (on the pool's update thread), one call at a time; it
 * builds a new immutable snapshot and publishes it with one volatile write. {@link #select} runs on any event loop,
 * concurrently, and never blocks (round robin takes a short lock).
 */
public interface UpstreamSelector {

  /** Replaces the candidates: ACTIVE, weight above 0, healthy. Sorted by node id so every edge sees one order. */
  void update(List<Candidate> candidates);

  /**
   * Picks an upstream for a client, skipping {@code exclude} (nodes that already failed this connection).
   *
   * @return null when no candidate is left
   */
  Upstream select(InetAddress client, Collection<Upstream> exclude);

  /** Creates the selector named by {@code edge.balance}. */
  static UpstreamSelector create(String balance) {
    return switch (balance) {
      case "p2c" -> new LeastConnectionsSelector();
      case "maglev" -> new MaglevSelector();
      case "round-robin" -> new RoundRobinSelector();
      default -> throw new IllegalArgumentException("unknown balance algorithm " + balance);
    };
  }
}
