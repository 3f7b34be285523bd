package io.sslfarm.node;

import io.sslfarm.cluster.FarmConfig;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Validates a farm config before it is applied: every tier that owns sections provides a {@link FarmConfigValidator}
 * through {@link ServiceLoader} ({@code META-INF/services/io.sslfarm.node.FarmConfigValidator}). The first problem
 * throws a {@link io.sslfarm.config.ConfigException} naming the path (e.g. {@code pools.web.backends[1].weight}).
 */
public final class FarmConfigValidators {

  private FarmConfigValidators() {
  }

  public static void validate(FarmConfig config) {
    for (FarmConfigValidator v : all()) {
      v.validate(config);
    }
  }

  public static List<FarmConfigValidator> all() {
    return ServiceLoader.load(FarmConfigValidator.class).stream().map(ServiceLoader.Provider::get).toList();
  }
}
