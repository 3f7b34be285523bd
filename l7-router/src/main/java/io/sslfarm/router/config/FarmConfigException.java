package io.sslfarm.router.config;

import java.util.List;

/** The router sections of a farm config are invalid; every problem starts with its path, e.g. {@code pools.web.backends[1].weight: ...}. */
public final class FarmConfigException extends RuntimeException {

  private final List<String> problems;

  public FarmConfigException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
