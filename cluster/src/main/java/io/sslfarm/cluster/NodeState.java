package io.sslfarm.cluster;

/**
 * Whether a node takes new connections. {@code DRAINING} behaves like weight 0: no new connections or sessions,
 * existing ones (and sticky sessions) continue.
 */
public enum NodeState {
  ACTIVE, DRAINING
}
