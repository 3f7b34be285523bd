package io.sslfarm.router.config;

import java.time.Duration;

/**
 * Active HTTP health check of every backend of a pool: {@code GET path} every {@code interval}; a backend turns up
 * after {@code rise} consecutive passes and down after {@code fall} consecutive failures. A pass is an answer within
 * {@code timeout} whose status is in [{@code expectMin}, {@code expectMax}].
 */
public record HealthSpec(String path, Duration interval, Duration timeout, int rise, int fall, int expectMin,
    int expectMax) {

  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
  public static final int DEFAULT_RISE = 2;
  public static final int DEFAULT_FALL = 3;

  public boolean passes(int status) {
    return status >= expectMin && status <= expectMax;
  }
}
