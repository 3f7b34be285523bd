package io.sslfarm.cluster;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a member keeps its copy of the farm's durable state (certificates — sealed —, farm config, node weights and
 * drain state) on local disk, written through on every change and loaded when the cluster starts cold.
 *
 * @param enabled    false = the state lives only in cluster memory (lost when every member stops)
 * @param dir        the store's directory (one sub-directory per map); required when enabled
 * @param onCorrupt  what a store file that fails its checksum or is truncated does at start
 */
public record DurableStateOptions(boolean enabled, Path dir, OnCorrupt onCorrupt) {

  /** No durable store. */
  public static final DurableStateOptions DISABLED = new DurableStateOptions(false, null, OnCorrupt.REFUSE);

  /** A corrupt or partial store file at start. */
  public enum OnCorrupt {
    /** Do not start; the error names every bad file. */
    REFUSE,
    /** Start without the entry: log the file, rename it to {@code *.corrupt}, count it; the entry is not served. */
    SKIP
  }

  public DurableStateOptions {
    Objects.requireNonNull(onCorrupt, "onCorrupt");
    if (enabled) {
      Objects.requireNonNull(dir, "dir");
    }
  }

  /** An enabled store in {@code dir} that refuses to start on a corrupt file. */
  public static DurableStateOptions at(Path dir) {
    return new DurableStateOptions(true, dir, OnCorrupt.REFUSE);
  }
}
