package io.sslfarm.farm;

import io.sslfarm.config.ConfigSchema;
import io.sslfarm.farm.backend.BackendOptions;
import io.sslfarm.node.NodeOptions;

/** Every key a node of any role understands: the node file is validated against all of them. */
public final class Schema {

  private Schema() {
  }

  public static final ConfigSchema ALL = ConfigSchema.of(NodeOptions.KEYS, Tiers.tierKeys(), BackendOptions.KEYS);
}
