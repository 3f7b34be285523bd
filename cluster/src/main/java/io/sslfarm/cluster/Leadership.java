package io.sslfarm.cluster;

import java.util.function.Consumer;

/**
 * Leader election without the CP subsystem: the leader is the oldest cluster member. Leader-only chores
 * (ticket-key rotation, sweeps) check {@link #isLeader()} each time they run, so a leader change needs no hand-off.
 */
public interface Leadership {

  boolean isLeader();

  /** Called with the new value whenever this member gains or loses leadership, on a cluster thread. */
  AutoCloseable addListener(Consumer<Boolean> listener);
}
