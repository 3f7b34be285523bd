package io.sslfarm.farm.backend;

import io.sslfarm.cluster.HostPort;
import io.sslfarm.node.Tier;
import io.sslfarm.node.TierContext;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code sslfarm backend}: answers every request with its id (body and {@code X-Backend-Id}), echoes what the farm
 * told it about the client, and plays an application with its own session cookie:
 *
 * <pre>
 *   GET /login    sets JSESSIONID (for learn-mode stickiness)
 *   GET /health   200 "ok"
 *   GET /headers  the request headers as JSON (X-Forwarded-*, Forwarded, X-Request-Id)
 *   anything else "backend=&lt;id&gt;"
 * </pre>
 */
public final class DemoBackendTier implements Tier {

  private HttpServer server;
  private String id;
  private final AtomicLong inFlight = new AtomicLong();

  @Override
  public Future<HostPort> start(TierContext context) {
    String configured = context.config().get(BackendOptions.ID);
    id = configured.isBlank() ? context.nodeId() : configured;
    String host = context.config().get(BackendOptions.HOST);
    server = context.vertx().createHttpServer(new HttpServerOptions().setHost(host)
        .setPort(context.config().get(BackendOptions.PORT_KEY)).setIdleTimeout(120));
    server.requestHandler(this::handle);
    return server.listen().map(s -> {
      if (configured.isBlank() && "backend".equals(id)) {
        id = "backend-" + s.actualPort();
      }
      return new HostPort(host, s.actualPort());
    });
  }

  /** The id this backend answers with (known after start). */
  public String id() {
    return id;
  }

  private void handle(HttpServerRequest req) {
    inFlight.incrementAndGet();
    req.response().endHandler(v -> inFlight.decrementAndGet());
    req.response().closeHandler(v -> {
      if (!req.response().ended()) {
        inFlight.decrementAndGet();
      }
    });
    req.response().putHeader("X-Backend-Id", id).putHeader("Content-Type", "text/plain; charset=utf-8");
    switch (req.path()) {
      case "/health" -> req.response().end("ok\n");
      case "/login" -> req.response()
          .putHeader("Set-Cookie", "JSESSIONID=" + UUID.randomUUID() + "; Path=/; HttpOnly")
          .end("backend=" + id + " login\n");
      case "/headers" -> {
        JsonObject h = new JsonObject();
        req.headers().forEach(e -> h.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue()));
        req.response().putHeader("Content-Type", "application/json").end(h.put("backend", id).encodePrettily());
      }
      default -> req.body().onComplete(b -> req.response().end("backend=" + id + "\n"));
    }
  }

  @Override
  public Future<Void> stopAccepting() {
    return server == null ? Future.succeededFuture() : server.shutdown(Duration.ofMillis(100));
  }

  @Override
  public long activeConnections() {
    return inFlight.get();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
