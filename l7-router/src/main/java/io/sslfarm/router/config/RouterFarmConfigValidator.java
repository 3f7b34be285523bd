package io.sslfarm.router.config;

import io.sslfarm.cluster.FarmConfig;
import io.sslfarm.config.ConfigException;

/**
 * The router's entry for {@link io.sslfarm.node.FarmConfigValidators} (registered in
 * {@code META-INF/services/io.sslfarm.node.FarmConfigValidator}): validates sections {@code routes} and {@code pools}
 * before {@code sslfarm apply} writes them. Throws the first problem as a {@link ConfigException} naming its path; the
 * full list is in the message.
 */
public final class RouterFarmConfigValidator implements io.sslfarm.node.FarmConfigValidator {

  @Override
  public void validate(FarmConfig config) {
    try {
      FarmConfigValidator.validate(config);
    } catch (FarmConfigException e) {
      String first = e.problems().get(0);
      int colon = first.indexOf(": ");
      String path = colon < 0 ? "routes" : first.substring(0, colon);
      String rest = e.problems().size() == 1 ? first.substring(colon + 2)
          : first.substring(colon + 2) + " (and " + (e.problems().size() - 1) + " more: "
              + String.join("; ", e.problems().subList(1, e.problems().size())) + ")";
      throw new ConfigException(path, rest);
    }
  }
}
