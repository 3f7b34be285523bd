package io.sslfarm.admin;

import io.sslfarm.node.NodeMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP server every node runs, over TLS (1.2 or 1.3) when given a certificate.
 *
 * <pre>
 *   GET /health/live    200 while the process runs
 *   GET /health/ready   200 when every readiness check passes (joined, serving, not draining), else 503
 *   GET /metrics        Prometheus text: JVM, Vert.x and sslfarm meters
 *   *   /api/...        bearer token required (401 without or with a wrong one); JSON in and out
 *                       the read token: GET only (403 for any other method); the full token: everything
 * </pre>
 *
 * Both tokens are compared in constant time ({@link MessageDigest#isEqual}), and both are always compared, so the
 * time taken does not tell which one a guess came close to.
 *
 * Errors are {@code {"error": message}}. A 5xx from an unexpected failure carries no exception text, only
 * {@code {"error": "internal error (id …)", "errorId": …}}; the log line with the stack trace has the same id.
 *
 * Handlers run on the server's event loop and must not block.
 */
public final class AdminServer implements AdminRoutes {

  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
  private static final int MAX_BODY = 1 << 20;

  private final Vertx vertx;
  private static final Set<String> TLS_PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

  private final byte[] token;
  private final byte[] readToken;
  private final NodeMetrics metrics;
  private final List<Route> routes = new CopyOnWriteArrayList<>();
  private final Map<String, BooleanSupplier> readiness = new LinkedHashMap<>();
  private HttpServer server;

  private record Route(HttpMethod method, String[] segments, AdminHandler handler) {
  }

  private enum Access { NONE, READ, FULL }

  public AdminServer(Vertx vertx, String token, NodeMetrics metrics) {
    this(vertx, token, null, metrics);
  }

  /**
   * @param token     the full-access token (at least 16 characters)
   * @param readToken the read-only token (GET only; at least 16 characters, not the full token); null = none
   */
  public AdminServer(Vertx vertx, String token, String readToken, NodeMetrics metrics) {
    if (token == null || token.length() < 16) {
      throw new IllegalArgumentException("admin token must be at least 16 characters");
    }
    if (readToken != null && readToken.length() < 16) {
      throw new IllegalArgumentException("admin read token must be at least 16 characters");
    }
    if (token.equals(readToken)) {
      throw new IllegalArgumentException("the admin read token must differ from the full-access token");
    }
    this.vertx = vertx;
    this.token = token.getBytes(StandardCharsets.UTF_8);
    this.readToken = readToken == null ? null : readToken.getBytes(StandardCharsets.UTF_8);
    this.metrics = metrics;
  }

  @Override
  public void route(HttpMethod method, String pattern, AdminHandler handler) {
    if (!pattern.startsWith("/api/")) {
      throw new IllegalArgumentException("admin API routes live under /api/: " + pattern);
    }
    routes.add(new Route(method, pattern.substring(1).split("/"), handler));
  }

  @Override
  public synchronized void readiness(String name, BooleanSupplier check) {
    readiness.put(name, check);
  }

  /** The failing readiness checks (empty = ready). */
  public synchronized List<String> notReady() {
    List<String> failing = new ArrayList<>();
    readiness.forEach((name, check) -> {
      boolean ok;
      try {
        ok = check.getAsBoolean();
      } catch (RuntimeException e) {
        ok = false;
      }
      if (!ok) {
        failing.add(name);
      }
    });
    return failing;
  }

  /** Listens in plain HTTP. */
  public Future<Integer> listen(String host, int port) {
    return listen(host, port, null);
  }

  /**
   * Listens on {@code host:port} (0 = any free port), over TLS 1.2/1.3 with {@code tls}, or plain HTTP when null.
   * A plain-HTTP client of a TLS port gets its connection closed, nothing else.
   */
  public Future<Integer> listen(String host, int port, AdminTlsCertificate tls) {
    HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port)
        .setMaxHeaderSize(16 * 1024).setIdleTimeout(60);
    if (tls != null) {
      options.setSsl(true).setEnabledSecureTransportProtocols(TLS_PROTOCOLS)
          .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(tls.chainPem()))
              .setKeyValue(Buffer.buffer(tls.keyPem())));
    }
    server = vertx.createHttpServer(options);
    server.requestHandler(this::handle);
    return server.listen().map(HttpServer::actualPort);
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.shutdown(java.time.Duration.ofMillis(200));
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    switch (path) {
      case "/health/live" -> {
        reply(req, 200, "text/plain", Buffer.buffer("live\n"));
        return;
      }
      case "/health/ready" -> {
        List<String> failing = notReady();
        if (failing.isEmpty()) {
          reply(req, 200, "text/plain", Buffer.buffer("ready\n"));
        } else {
          reply(req, 503, "text/plain", Buffer.buffer("not ready: " + String.join(", ", failing) + "\n"));
        }
        return;
      }
      case "/metrics" -> {
        vertx.executeBlocking(metrics::scrape, false).onComplete(ar -> {
          if (ar.succeeded()) {
            reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", Buffer.buffer(ar.result()));
          } else {
            reply(req, 500, "text/plain", Buffer.buffer("metrics unavailable\n"));
          }
        });
        return;
      }
      default -> {
      }
    }
    if (!path.startsWith("/api/")) {
      reply(req, 404, "application/json", AdminResponse.error(404, "not found").body());
      return;
    }
    Access access = access(req.getHeader("Authorization"));
    if (access == Access.NONE) {
      metrics.adminUnauthorized();
      req.response().putHeader("WWW-Authenticate", "Bearer realm=\"sslfarm\"");
      reply(req, 401, "application/json", AdminResponse.error(401, "missing or wrong bearer token").body());
      return;
    }
    if (access == Access.READ && req.method() != HttpMethod.GET) {
      // before routing: a read token learns nothing about which write endpoints exist
      metrics.adminForbidden();
      reply(req, 403, "application/json", AdminResponse.error(403, "the read-only admin token may only GET; "
          + req.method() + " needs the full-access token (admin.token)").body());
      return;
    }
    Map<String, String> params = new HashMap<>();
    Route route = match(req.method(), path, params);
    if (route == null) {
      boolean pathKnown = routes.stream().anyMatch(r -> matches(r.segments, path, new HashMap<>()));
      reply(req, pathKnown ? 405 : 404, "application/json",
          AdminResponse.error(pathKnown ? 405 : 404, pathKnown ? "method not allowed" : "not found").body());
      return;
    }
    Map<String, String> query = new HashMap<>();
    req.params().forEach(e -> query.putIfAbsent(e.getKey(), e.getValue()));
    Buffer body = Buffer.buffer();
    req.handler(chunk -> {
      if (body.length() + chunk.length() > MAX_BODY) {
        reply(req, 413, "application/json", AdminResponse.error(413, "body larger than 1 MiB").body());
        req.connection().close();
        return;
      }
      body.appendBuffer(chunk);
    });
    req.endHandler(v -> {
      if (req.response().ended()) {
        return;
      }
      Future<AdminResponse> f;
      try {
        f = route.handler.handle(new AdminRequest(req.method(), path, params, query, body));
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      f.onComplete(ar -> {
        if (ar.succeeded()) {
          metrics.adminOk();
          AdminResponse r = ar.result();
          reply(req, r.status(), r.contentType(), r.body());
        } else {
          Throwable e = ar.cause();
          while (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
            e = e.getCause();
          }
          int status = e instanceof AdminException ae ? ae.status()
              : e instanceof java.util.NoSuchElementException ? 404
              : e instanceof IllegalArgumentException ? 400 : 500;
          if (status >= 500) {
            metrics.adminError();
          }
          if (status >= 500 && !(e instanceof AdminException)) {
            // an unexpected failure: its message may name files, addresses or cluster internals. The client gets an
            // id to quote; the detail goes to the log under that id.
            String id = errorId();
            log.warn("admin {} {} failed, error id {}", req.method(), path, id, e);
            reply(req, status, "application/json", AdminResponse.json(status, new io.vertx.core.json.JsonObject()
                .put("error", "internal error (id " + id + ")").put("errorId", id)).body());
            return;
          }
          if (status >= 500) {
            log.warn("admin {} {} failed: {}", req.method(), path, e.getMessage());
          }
          reply(req, status, "application/json", AdminResponse.error(status, String.valueOf(e.getMessage())).body());
        }
      });
    });
  }

  /** 12 hex digits: enough to find one log line, nothing guessable about the node. */
  private static String errorId() {
    return String.format("%012x", java.util.concurrent.ThreadLocalRandom.current().nextLong() & 0xffff_ffff_ffffL);
  }

  private Access access(String header) {
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Access.NONE;
    }
    byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    // both comparisons always run (no short-circuit): the time does not depend on which token was close
    boolean full = MessageDigest.isEqual(given, token);
    boolean read = readToken != null && MessageDigest.isEqual(given, readToken);
    return full ? Access.FULL : read ? Access.READ : Access.NONE;
  }

  private Route match(HttpMethod method, String path, Map<String, String> params) {
    for (Route r : routes) {
      Map<String, String> p = new HashMap<>();
      if (r.method.equals(method) && matches(r.segments, path, p)) {
        params.putAll(p);
        return r;
      }
    }
    return null;
  }

  private static boolean matches(String[] segments, String path, Map<String, String> params) {
    String[] parts = path.substring(1).split("/");
    if (parts.length != segments.length) {
      return false;
    }
    for (int i = 0; i < parts.length; i++) {
      if (segments[i].startsWith(":")) {
        if (parts[i].isEmpty()) {
          return false;
        }
        params.put(segments[i].substring(1), java.net.URLDecoder.decode(parts[i], StandardCharsets.UTF_8));
      } else if (!segments[i].equals(parts[i])) {
        return false;
      }
    }
    return true;
  }

  private static void reply(HttpServerRequest req, int status, String contentType, Buffer body) {
    if (req.response().ended() || req.response().closed()) {
      return;
    }
    req.response().setStatusCode(status).putHeader("Content-Type", contentType)
        .putHeader("Cache-Control", "no-store").end(body);
  }
}
