package io.sslfarm.cluster;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The node registry: every farm node, its role, addresses, weight and state.
 *
 * <p>Reads ({@link #nodes()}, {@link #node(String)}) return a local snapshot kept current by cluster events: they
 * never block and are safe on an event loop. Writes go to the cluster on a cluster thread and complete their stage
 * there; never {@code join()} them on an event loop.
 */
public interface NodeDirectory {

  /** Every registered node, from the local snapshot. */
  List<NodeInfo> nodes();

  /** The registered nodes of one role, from the local snapshot. */
  default List<NodeInfo> nodes(NodeRole role) {
    return nodes().stream().filter(n -> n.role() == role).toList();
  }

  Optional<NodeInfo> node(String id);

  /** Adds or replaces this process's entry; it is removed when the member leaves the cluster. */
  CompletionStage<Void> register(NodeInfo node);

  /** Removes an entry (a node leaving on purpose). */
  CompletionStage<Void> deregister(String nodeId);

  /** Sets a node's weight atomically (other fields untouched). Fails with {@link java.util.NoSuchElementException}. */
  CompletionStage<NodeInfo> setWeight(String nodeId, int weight);

  /** Sets a node's state atomically (other fields untouched). Fails with {@link java.util.NoSuchElementException}. */
  CompletionStage<NodeInfo> setState(String nodeId, NodeState state);

  /**
   * Turns a node that is stopping DRAINING. Unlike {@link #setState}, which records an operator's choice that the node
   * gets back when it registers again, this is not remembered: the node comes back ACTIVE.
   */
  default CompletionStage<NodeInfo> markStopping(String nodeId) {
    return setState(nodeId, NodeState.DRAINING);
  }

  /** Publishes a node's load (open downstream connections); read back by {@link #load(String)} for status pages. */
  void publishLoad(String nodeId, long activeConnections);

  /** The last published load of a node, or -1 if unknown. May call the cluster: not for event loops. */
  long load(String nodeId);

  /**
   * Registers a listener. Events arrive on a cluster thread, in order per node id, after the local snapshot was
   * updated; a listener must not block. Returns a handle that removes the listener.
   */
  AutoCloseable addListener(NodeDirectoryListener listener);
}
