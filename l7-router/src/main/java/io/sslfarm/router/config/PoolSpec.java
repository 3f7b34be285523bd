package io.sslfarm.router.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A named group of backends with one stickiness and health policy.
 *
 * @param health    empty = no active checks (backends are up unless passively ejected)
 * @param slowStart a backend that comes back up ramps its share of new sessions linearly over this time; zero = off
 */
public record PoolSpec(String name, List<BackendSpec> backends, StickySpec sticky, Optional<HealthSpec> health,
    Duration slowStart) {

  public PoolSpec {
    backends = List.copyOf(backends);
  }
}
