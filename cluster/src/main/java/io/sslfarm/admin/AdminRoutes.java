package io.sslfarm.admin;

import io.vertx.core.http.HttpMethod;
import java.util.function.BooleanSupplier;

/** Where modules add their admin API endpoints and readiness checks. */
public interface AdminRoutes {

  /**
   * Adds an endpoint under {@code /api/}, behind the bearer token. {@code pattern} uses {@code :name} segments, e.g.
   * {@code /api/nodes/:id/weight}.
   */
  void route(HttpMethod method, String pattern, AdminHandler handler);

  /** Adds a readiness check: {@code /health/ready} answers 200 only while every check is true. */
  void readiness(String name, BooleanSupplier check);
}
