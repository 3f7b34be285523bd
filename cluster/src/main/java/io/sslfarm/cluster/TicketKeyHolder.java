package io.sslfarm.cluster;

import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The farm's TLS session-ticket keys: one cluster entry holding the sealed key set. The leader rotates it; every
 * SSL node applies it. {@link #current()} is a local read.
 */
public interface TicketKeyHolder {

  Optional<SealedTicketKeys> current();

  /**
   * Replaces the key set if the stored one still has {@code expectedGeneration} (0 = none stored yet). Completes
   * with false if another writer won.
   */
  CompletionStage<Boolean> compareAndSet(long expectedGeneration, SealedTicketKeys next);

  /**
   * Reports a key set that a reader refused (does not open with its metadata, a generation that does not increase or
   * jumps too far): counted in {@code sslfarm.cluster.values.rejected} and logged. Never blocks.
   */
  default void refused(SealedTicketKeys value, String reason) {
  }

  /** Called on a cluster thread after every change, and once immediately if a key set exists. Must not block. */
  AutoCloseable addListener(Consumer<SealedTicketKeys> listener);
}
