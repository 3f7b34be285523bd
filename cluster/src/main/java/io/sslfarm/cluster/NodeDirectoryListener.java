package io.sslfarm.cluster;

/**
 * Changes of the node registry. Called on a cluster thread, in order per node id, after the snapshot of
 * {@link NodeDirectory#nodes()} already reflects the change. Implementations must return quickly and never block.
 */
public interface NodeDirectoryListener {

  /** A node was added or changed; {@code previous} is null for a new node. */
  default void nodeUpdated(NodeInfo previous, NodeInfo current) {
  }

  /** A node left (its member went away or it deregistered). */
  default void nodeRemoved(NodeInfo previous) {
  }
}
