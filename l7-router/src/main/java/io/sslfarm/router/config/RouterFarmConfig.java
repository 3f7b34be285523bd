package io.sslfarm.router.config;

import java.util.List;
import java.util.Map;

/**
 * The validated, immutable router part of the farm config (sections {@code routes} and {@code pools}). Built by
 * {@link FarmConfigValidator#validate}; a running router swaps whole snapshots, never mutates one.
 *
 * @param rules       ordered routing rules
 * @param defaultPool the pool for requests no rule matches; null = such requests get 503
 * @param pools       by name, in declaration order
 */
public record RouterFarmConfig(List<RouteRule> rules, String defaultPool, Map<String, PoolSpec> pools) {

  public static final RouterFarmConfig EMPTY = new RouterFarmConfig(List.of(), null, Map.of());

  public RouterFarmConfig {
    rules = List.copyOf(rules);
    pools = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(pools));
  }
}
