package io.sslfarm.cluster;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The farm config, replicated to every node. {@link #current()} is a local read, safe on an event loop.
 */
public interface FarmConfigFeed {

  FarmConfig current();

  /**
   * Replaces the sections present in {@code config}; sections it does not name are left alone. Completes on a cluster
   * thread.
   */
  CompletionStage<Void> apply(FarmConfig config);

  /** Removes one section. */
  CompletionStage<Void> removeSection(String name);

  /**
   * Calls {@code listener} with the whole new snapshot after every change, on a cluster thread, one call at a time.
   * The listener is also called once, immediately, with the current snapshot. It must not block.
   */
  AutoCloseable addListener(Consumer<FarmConfig> listener);
}
