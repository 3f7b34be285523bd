package io.sslfarm.node;

import io.sslfarm.cluster.FarmConfig;

/** Validates the farm-config sections a tier owns; see {@link FarmConfigValidators}. */
public interface FarmConfigValidator {

  /** @throws io.sslfarm.config.ConfigException naming the path of the first problem */
  void validate(FarmConfig config);
}
