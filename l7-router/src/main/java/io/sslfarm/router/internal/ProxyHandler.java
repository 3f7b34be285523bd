package io.sslfarm.router.internal;

import io.sslfarm.cluster.SessionTable;
import io.sslfarm.router.RouterErrors;
import io.sslfarm.router.RouterErrors.Reason;
import io.sslfarm.router.RouterMetrics;
import io.sslfarm.router.RouterOptions;
import io.sslfarm.router.affinity.StickyCookieCodec;
import io.sslfarm.router.affinity.StickyDecision;
import io.sslfarm.router.affinity.StickyDecision.Outcome;
import io.sslfarm.router.config.PoolSpec;
import io.sslfarm.router.config.StickySpec;
import io.sslfarm.router.listener.DownstreamConnection;
import io.sslfarm.router.listener.DownstreamListener;
import io.sslfarm.router.route.RequestTarget;
import io.sslfarm.router.route.RouteTable;
import io.sslfarm.router.upstream.Upstream;
import io.sslfarm.router.upstream.UpstreamPool;
import io.sslfarm.router.upstream.UpstreamPools;
import io.sslfarm.router.upstream.UpstreamQueue;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards one downstream request: route → pool → backend (sticky or new) → upstream keep-alive connection → response.
 *
 * <pre>
 *  request ─▶ pause ─▶ RouteTable.match ─▶ pool ─▶ affinity ──────────────▶ forward ─▶ copy response ─▶ log/metrics
 *                                                   insert: verify cookie      │          (+ Set-Cookie / learn)
 *                                                   learn:  table lookup (async, hop back onto the request context)
 *                                                   none:   weighted pick      ├─ backend queue full / wait timed out: 503
 *                                                                              └─ connect failed: eject, re-pick once
 * </pre>
 *
 * Every failure ends in {@link RouterErrors}. Threading: everything runs on the request's event loop; the session
 * table's callbacks hop back with {@link Context#runOnContext}.
 */
public final class ProxyHandler implements Handler<HttpServerRequest> {

  private static final Logger LOG = LoggerFactory.getLogger(ProxyHandler.class);

  private final Vertx vertx;
  private final RouterOptions options;
  private final RouterMetrics metrics;
  private final DownstreamListener listener;
  private final Supplier<RouteTable> routes;
  private final UpstreamPools pools;
  private final HttpClient client;
  private final StickyCookieCodec cookies;
  private final BiFunction<String, java.time.Duration, SessionTable> sessionTables;
  private final AccessLog accessLog;
  private final ForwardingHeaders.Underscores underscores;

  public ProxyHandler(Vertx vertx, RouterOptions options, RouterMetrics metrics, DownstreamListener listener,
      Supplier<RouteTable> routes, UpstreamPools pools, HttpClient client, StickyCookieCodec cookies,
      BiFunction<String, java.time.Duration, SessionTable> sessionTables, AccessLog accessLog) {
    this.vertx = vertx;
    this.options = options;
    this.metrics = metrics;
    this.listener = listener;
    this.routes = routes;
    this.pools = pools;
    this.client = client;
    this.cookies = cookies;
    this.sessionTables = sessionTables;
    this.accessLog = accessLog;
    this.underscores = ForwardingHeaders.Underscores.of(options.headersWithUnderscores());
  }

  /** The state of one proxied request. */
  private final class Exchange {
    final HttpServerRequest req;
    final DownstreamConnection down;
    final long start = System.nanoTime();
    final Context context = vertx.getOrCreateContext();
    String host;
    String path;             // the normalised path routed on (RequestTarget)
    String uri;              // the origin-form URI forwarded: the normalised path and the query as sent
    String route = "-";
    UpstreamPool pool;
    Upstream upstream;
    Outcome sticky;          // null until decided
    String setCookie;        // insert mode: cookie to set on the response
    String learnSession;     // learn mode: the table key of the request's session id (to re-record on re-stick)
    String requestId = "-";
    HttpClientRequest upstreamRequest;
    UpstreamQueue.Ticket slot; // the backend connection slot held (or waited for) by this exchange
    long sentAt;
    boolean retried;
    boolean staleRetried;
    boolean done;
    Buffer h2Body;           // HTTP/2 without Content-Length, a method that rarely has a body: the body, read first

    Exchange(HttpServerRequest req, DownstreamConnection down) {
      this.req = req;
      this.down = down;
    }

    String poolName() {
      return pool == null ? "-" : pool.name();
    }

    String upstreamId() {
      return upstream == null ? "-" : upstream.id();
    }
  }

  @Override
  public void handle(HttpServerRequest req) {
    req.pause();
    DownstreamConnection down = listener.connection(req.connection());
    if (down == null) {
      req.connection().close();
      return;
    }
    if (req.version() == HttpVersion.HTTP_2) {
      DownstreamListener.http2RequestReceived(req.connection());
    }
    Exchange x = new Exchange(req, down);
    req.response().closeHandler(v -> {
      // The downstream connection closed. Either the client went away early (count 0, stop the upstream exchange), or
      // it had the whole response already: a client that read Content-Length bytes may close before the upstream
      // response's end event got here, and a response that closes the connection (Connection: close, HTTP/1.0)
      // calls this inside its own end(). Count those with the status they were sent, and keep the upstream
      // connection for its pool.
      HttpServerResponse out = req.response();
      boolean delivered = out.ended() || declaredLengthSent(out);
      if (x.upstreamRequest != null && !delivered) {
        x.upstreamRequest.reset();
      }
      finish(x, out.headWritten() ? out.getStatusCode() : 0);
    });
    if (underscores == ForwardingHeaders.Underscores.REJECT && ForwardingHeaders.hasUnderscoreName(req.headers())) {
      fail(x, Reason.UNDERSCORE_IN_HEADER);
      return;
    }
    String cl = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (cl != null && options.maxBodySize() > 0) {
      // HTTP/1.x bodies were checked in the pipeline; this is for HTTP/2
      try {
        if (Long.parseLong(cl.trim()) > options.maxBodySize()) {
          fail(x, Reason.BODY_TOO_LARGE);
          return;
        }
      } catch (NumberFormatException e) {
        fail(x, Reason.BAD_CONTENT_LENGTH);
        return;
      }
    }
    HostAndPort authority = req.authority();
    String hostHeader = req.getHeader(HttpHeaders.HOST);
    x.host = authority == null ? hostHeader : authority.toString();
    // one meaning per request: route on, and forward, one normalised origin-form target
    RequestTarget.Result target = RequestTarget.parse(req.uri(),
        req.version() == HttpVersion.HTTP_2 ? x.host : hostHeader);
    if (!target.ok()) {
      fail(x, target.problem() == RequestTarget.Problem.AUTHORITY_MISMATCH ? Reason.AUTHORITY_MISMATCH
          : Reason.BAD_REQUEST_TARGET);
      return;
    }
    x.path = target.path();
    x.uri = target.uri();
    if (target.authority() != null && (hostHeader == null || x.host == null)) {
      x.host = target.authority(); // HTTP/1.0 absolute-form without Host (RFC 9112 §3.2.2)
    }
    RouteTable.Match m = routes.get().match(x.host, x.path);
    UpstreamPool pool = m == null ? null : pools.pool(m.pool());
    if (pool == null) {
      fail(x, Reason.NO_ROUTE);
      return;
    }
    x.route = m.routeName();
    x.pool = pool;
    PoolSpec spec = pool.spec();
    StickySpec s = spec.sticky();
    switch (s.mode()) {
      case INSERT -> apply(x, StickyDecision.insert(pool, s, cookies, cookieValue(x.req, s.cookie()),
          System.currentTimeMillis() / 1000, System.nanoTime()));
      case LEARN -> learn(x, s);
      default -> apply(x, StickyDecision.none());
    }
  }

  private void learn(Exchange x, StickySpec s) {
    String sid = cookieValue(x.req, s.learnCookie());
    if (sid == null) {
      apply(x, StickyDecision.fresh());
      return;
    }
    x.learnSession = cookies.sessionKey(x.pool.name(), sid);
    SessionTable table = sessionTables.apply(x.pool.name(), s.idleTtl());
    table.lookup(x.learnSession).whenComplete((found, err) -> x.context.runOnContext(v -> {
      if (x.done) {
        return;
      }
      if (err != null) {
        LOG.warn("conn#{} session table lookup failed, re-balancing: {}", x.down.id(), err.toString());
      }
      apply(x, StickyDecision.learned(x.pool, s, err == null ? found : Optional.empty(), System.nanoTime()));
    }));
  }

  private void apply(Exchange x, StickyDecision d) {
    x.sticky = d.outcome();
    if (d.outcome() == Outcome.DOWN) {
      fail(x, Reason.STICKY_BACKEND_DOWN);
    } else if (d.upstream() != null) {
      if (d.refreshCookie()) {
        x.setCookie = cookie(x, d.upstream());
      }
      forward(x, d.upstream());
    } else {
      pickNewAndForward(x, null);
    }
  }

  private void pickNewAndForward(Exchange x, Upstream exclude) {
    Upstream u = x.pool.pickNew(System.nanoTime(), exclude);
    if (u == null) {
      fail(x, Reason.NO_BACKEND);
      return;
    }
    StickySpec s = x.pool.spec().sticky();
    if (s.mode() == StickySpec.Mode.INSERT) {
      x.setCookie = cookie(x, u);
    } else if (s.mode() == StickySpec.Mode.LEARN && x.learnSession != null && x.sticky == Outcome.RESTICK) {
      record(x, x.learnSession, u); // a known session moves; an unknown id is never recorded (see Http1Proxy.bind)
    }
    forward(x, u);
  }

  private String cookie(Exchange x, Upstream u) {
    return StickyDecision.setCookie(cookies, x.pool.name(), x.pool.spec().sticky(), u, x.down.tls(),
        System.currentTimeMillis() / 1000);
  }

  private void record(Exchange x, String sid, Upstream u) {
    SessionTable table = sessionTables.apply(x.pool.name(), x.pool.spec().sticky().idleTtl());
    table.record(sid, u.id()).whenComplete((v, err) -> {
      if (err != null) {
        LOG.warn("session table record failed for pool {}: {}", x.pool.name(), err.toString());
      }
    });
  }

  private void forward(Exchange x, Upstream u) {
    x.upstream = u;
    HttpServerRequest req = x.req;
    if (x.h2Body == null && req.version() == HttpVersion.HTTP_2 && req.getHeader(HttpHeaders.CONTENT_LENGTH) == null
        && BODYLESS_USUALLY.contains(req.method())) {
      // An HTTP/2 request says "no body" only by END_STREAM, which a paused request has not delivered yet. Read the
      // (bounded, nearly always empty) body first, so that a GET goes upstream without Transfer-Encoding: chunked.
      readH2Body(x, u);
      return;
    }
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    x.requestId = ForwardingHeaders.buildRequest(req.headers(), headers, x.down, x.host, underscores, metrics);
    if (x.host != null && (req.version() == HttpVersion.HTTP_2 || !headers.contains(HttpHeaders.HOST))) {
      headers.set(HttpHeaders.HOST, x.host);
    }
    String cl = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    boolean chunked = false;
    boolean hasBody;
    if (cl != null) {
      hasBody = !"0".equals(cl.trim());
    } else if (x.h2Body != null) {
      hasBody = x.h2Body.length() > 0;
      if (hasBody) {
        headers.set(HttpHeaders.CONTENT_LENGTH, String.valueOf(x.h2Body.length()));
      }
    } else if (req.version() == HttpVersion.HTTP_2) {
      hasBody = !req.isEnded();
      chunked = hasBody;
    } else {
      hasBody = req.headers().contains(HttpHeaders.TRANSFER_ENCODING);
      chunked = hasBody;
    }
    RequestOptions ro = new RequestOptions().setMethod(req.method()).setServer(u.socketAddress())
        .setHost(u.spec().address().host()).setPort(u.spec().address().port()).setURI(x.uri).setHeaders(headers)
        .setConnectTimeout(vertxPoolWaitMillis());
    if (!options.upstreamResponseTimeout().isZero()) {
      ro.setIdleTimeout(options.upstreamResponseTimeout().toMillis());
    }
    boolean chunkedBody = chunked;
    releaseSlot(x);
    x.slot = u.queue().enter(x.context);
    x.slot.granted().onComplete(slot -> {
      if (x.done) {
        return; // finish() gave the slot back (or left the queue)
      }
      if (slot.failed()) {
        saturated(x, u, UpstreamQueue.saturation(slot.cause()), slot.cause());
      } else {
        send(x, u, ro, hasBody, chunkedBody);
      }
    });
  }

  private void send(Exchange x, Upstream u, RequestOptions ro, boolean hasBody, boolean chunkedBody) {
    HttpServerRequest req = x.req;
    u.inflight().incrementAndGet();
    client.request(ro).onComplete(ar -> {
      if (x.done) {
        u.inflight().decrementAndGet();
        if (ar.succeeded()) {
          ar.result().reset();
        }
        return;
      }
      if (ar.failed()) {
        u.inflight().decrementAndGet();
        releaseSlot(x);
        UpstreamQueue.Kind busy = UpstreamQueue.saturation(ar.cause());
        if (busy != null) {
          saturated(x, u, busy, ar.cause());
          return;
        }
        u.reportConnectFailure(System.nanoTime());
        LOG.warn("conn#{} upstream {} connect failed: {}", x.down.id(), u, ar.cause().toString());
        retryOrFail(x, u);
        return;
      }
      HttpClientRequest ureq = ar.result();
      x.upstreamRequest = ureq;
      x.sentAt = System.nanoTime();
      Future<HttpClientResponse> resp;
      if (hasBody) {
        if (chunkedBody) {
          ureq.setChunked(true);
        }
        resp = x.h2Body != null ? ureq.send(x.h2Body) : ureq.send(new WatchedBody(x));
      } else {
        if (!req.isEnded()) {
          req.resume(); // an HTTP/2 body read up front has ended the request already
        }
        resp = ureq.send();
      }
      resp.onComplete(rar -> {
        u.inflight().decrementAndGet();
        if (rar.failed() && !hasBody && !x.staleRetried && !x.done && isStaleConnection(rar.cause())
            && isIdempotent(req.method())) {
          // a pooled keep-alive connection the backend had closed: nothing was processed, send it once more
          x.staleRetried = true;
          x.upstreamRequest = null;
          forward(x, u); // gives this slot back first
        } else if (rar.failed() && !hasBody && !x.done && isStaleConnection(rar.cause())
            && isIdempotent(req.method())) {
          // closed again without an answer: the backend is going away; eject it and treat it as a connect failure
          u.reportConnectFailure(System.nanoTime());
          x.upstreamRequest = null;
          releaseSlot(x);
          LOG.warn("conn#{} upstream {} closed twice without answering: {}", x.down.id(), u, rar.cause().toString());
          retryOrFail(x, u);
        } else if (rar.failed()) {
          upstreamFailed(x, rar.cause());
        } else {
          respond(x, rar.result());
        }
      });
    });
  }

  private static final java.util.Set<io.vertx.core.http.HttpMethod> BODYLESS_USUALLY = java.util.Set.of(
      io.vertx.core.http.HttpMethod.GET, io.vertx.core.http.HttpMethod.HEAD, io.vertx.core.http.HttpMethod.DELETE,
      io.vertx.core.http.HttpMethod.OPTIONS, io.vertx.core.http.HttpMethod.TRACE);

  private void readH2Body(Exchange x, Upstream u) {
    Buffer body = Buffer.buffer(0);
    WatchedBody in = new WatchedBody(x);
    // held in heap until the end of the stream: bounded by router.h2-buffered-body-max (so a connection's streams
    // hold at most h2-max-concurrent-streams times that), and by router.max-body-size if that is smaller
    long bodyMax = options.maxBodySize() > 0 ? options.maxBodySize() : Long.MAX_VALUE;
    long max = Math.min(bodyMax, options.h2BufferedBodyMax());
    in.handler(b -> {
      if (x.done) {
        return;
      }
      if (body.length() + (long) b.length() > max) {
        fail(x, max < bodyMax ? Reason.H2_BUFFERED_BODY_TOO_LARGE : Reason.BODY_TOO_LARGE);
        return;
      }
      body.appendBuffer(b);
    });
    in.exceptionHandler(t -> {
      if (!x.done) {
        finish(x, 0);
      }
    });
    in.endHandler(v -> {
      if (!x.done) {
        x.h2Body = body;
        forward(x, u);
      }
    });
    in.resume();
  }

  /**
   * The downstream request body as the router reads it, with {@code router.body-timeout}: while the stream flows
   * (not while the router holds it back: before forwarding, or paused for a slow backend) and has not ended, a gap
   * of that long between body chunks answers 408 {@link Reason#BODY_TIMEOUT} (HTTP/1.x: and closes; HTTP/2: that
   * stream only). One timer per gap, not per chunk: a chunk only notes the time.
   */
  private final class WatchedBody implements io.vertx.core.streams.ReadStream<Buffer> {
    private final Exchange x;
    private final long timeoutNanos;
    private long lastChunk = System.nanoTime();
    private long timer = -1;
    private boolean flowing;

    WatchedBody(Exchange x) {
      this.x = x;
      this.timeoutNanos = options.bodyTimeout().toNanos();
    }

    @Override
    public WatchedBody exceptionHandler(Handler<Throwable> h) {
      x.req.exceptionHandler(t -> {
        cancel();
        if (h != null) {
          h.handle(t);
        }
      });
      return this;
    }

    @Override
    public WatchedBody handler(Handler<Buffer> h) {
      x.req.handler(h == null ? null : b -> {
        lastChunk = System.nanoTime();
        h.handle(b);
      });
      return this;
    }

    @Override
    public WatchedBody pause() {
      flowing = false;
      cancel();
      x.req.pause();
      return this;
    }

    @Override
    public WatchedBody resume() {
      x.req.resume();
      flow();
      return this;
    }

    @Override
    public WatchedBody fetch(long amount) {
      x.req.fetch(amount);
      flow();
      return this;
    }

    @Override
    public WatchedBody endHandler(Handler<Void> h) {
      x.req.endHandler(v -> {
        cancel();
        if (h != null) {
          h.handle(v);
        }
      });
      return this;
    }

    private void flow() {
      if (flowing || timeoutNanos <= 0 || x.done || x.req.isEnded()) {
        return;
      }
      flowing = true;
      lastChunk = System.nanoTime(); // the gap counts from when the router asks for more
      arm(timeoutNanos);
    }

    private void arm(long nanos) {
      long ms = Math.max(1, java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(nanos));
      timer = vertx.setTimer(ms, id -> onTimer());
    }

    private void onTimer() {
      timer = -1;
      if (!flowing || x.done || x.req.isEnded()) {
        return;
      }
      long idle = System.nanoTime() - lastChunk;
      if (idle < timeoutNanos) {
        arm(timeoutNanos - idle);
        return;
      }
      flowing = false;
      LOG.debug("conn#{} no request body bytes for {} ms: 408", x.down.id(), options.bodyTimeout().toMillis());
      fail(x, Reason.BODY_TIMEOUT);
    }

    private void cancel() {
      if (timer != -1) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }
  }

  private static boolean isStaleConnection(Throwable t) {
    return t instanceof io.vertx.core.http.HttpClosedException;
  }

  private static boolean isIdempotent(io.vertx.core.http.HttpMethod m) {
    return m == io.vertx.core.http.HttpMethod.GET || m == io.vertx.core.http.HttpMethod.HEAD
        || m == io.vertx.core.http.HttpMethod.OPTIONS;
  }

  /** Connect failed: the request body is untouched (paused), so one other backend may still take it. */
  private void retryOrFail(Exchange x, Upstream failed) {
    StickySpec s = x.pool.spec().sticky();
    boolean stickyStrict = s.strict() && x.sticky == Outcome.HIT;
    if (x.retried || stickyStrict) {
      fail(x, stickyStrict ? Reason.STICKY_BACKEND_DOWN : Reason.UPSTREAM_CONNECT);
      return;
    }
    x.retried = true;
    if (x.sticky == Outcome.HIT) {
      x.sticky = Outcome.RESTICK;
    }
    Upstream next = x.pool.pickNew(System.nanoTime(), failed);
    if (next == null) {
      fail(x, Reason.UPSTREAM_CONNECT);
      return;
    }
    if (s.mode() == StickySpec.Mode.INSERT) {
      x.setCookie = cookie(x, next);
    } else if (s.mode() == StickySpec.Mode.LEARN && x.learnSession != null && x.sticky == Outcome.RESTICK) {
      record(x, x.learnSession, next);
    }
    forward(x, next);
  }

  /**
   * Vert.x's own wait for a pooled connection, which runs while a connection is opened too: the TCP connect timeout
   * (Netty's ConnectTimeoutException, which ejects) comes first, then the queue's. 0 = no limit.
   */
  private long vertxPoolWaitMillis() {
    return options.upstreamQueueTimeout().isZero() ? 0
        : options.upstreamConnectTimeout().toMillis() + options.upstreamQueueTimeout().toMillis();
  }

  /** The backend is busy, not broken: 503, no ejection, no retry on another backend (it would only spread the load). */
  private void saturated(Exchange x, Upstream u, UpstreamQueue.Kind kind, Throwable cause) {
    LOG.debug("conn#{} upstream {} saturated: {}", x.down.id(), u, cause.toString());
    fail(x, kind == UpstreamQueue.Kind.FULL ? Reason.UPSTREAM_QUEUE_FULL : Reason.UPSTREAM_QUEUE_TIMEOUT);
  }

  private static void releaseSlot(Exchange x) {
    if (x.slot != null) {
      x.slot.release();
      x.slot = null;
    }
  }

  private void upstreamFailed(Exchange x, Throwable cause) {
    if (x.done) {
      return; // answered already (e.g. the body timed out and the upstream request was reset)
    }
    boolean timeout = cause instanceof java.util.concurrent.TimeoutException
        || cause.getClass().getSimpleName().contains("Timeout");
    LOG.warn("conn#{} upstream {} failed: {}", x.down.id(), x.upstream, cause.toString());
    fail(x, timeout ? Reason.UPSTREAM_TIMEOUT : Reason.UPSTREAM_ERROR);
  }

  private void respond(Exchange x, HttpClientResponse resp) {
    metrics.upstreamLatency(x.pool.name(), x.upstream.id(), System.nanoTime() - x.sentAt);
    x.upstream.reportSuccess();
    HttpServerResponse out = x.req.response();
    if (out.closed()) {
      x.upstreamRequest.reset();
      return;
    }
    out.setStatusCode(resp.statusCode());
    if (resp.statusMessage() != null) {
      out.setStatusMessage(resp.statusMessage());
    }
    ForwardingHeaders.copyResponse(resp.headers(), out.headers());
    StickySpec s = x.pool.spec().sticky();
    if (x.setCookie != null) {
      out.headers().add(HttpHeaders.SET_COOKIE, x.setCookie);
    }
    if (s.mode() == StickySpec.Mode.LEARN) {
      learnFromResponse(x, s, resp);
    }
    if (!out.headers().contains("X-Request-Id")) {
      out.putHeader("X-Request-Id", x.requestId);
    }
    if (!resp.headers().contains(HttpHeaders.CONTENT_LENGTH) && x.req.version() == HttpVersion.HTTP_1_0) {
      out.putHeader(HttpHeaders.CONNECTION, "close");
    }
    int status = resp.statusCode();
    if (x.req.version() == HttpVersion.HTTP_1_0) {
      out.send(resp).onComplete(ar -> {
        if (ar.failed()) {
          x.upstreamRequest.reset();
          x.req.connection().close();
        }
        finish(x, status);
      });
      return;
    }
    boolean bodyless = x.req.method() == io.vertx.core.http.HttpMethod.HEAD || status == 204 || status == 304
        || status < 200;
    if (!bodyless && !resp.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
      out.setChunked(true);
    }
    pump(x, resp, out, status);
  }

  /**
   * Copies the upstream body downstream with back-pressure (pause upstream while the downstream write queue is full,
   * resume on drain). Written out instead of {@code out.send(resp)} because Vert.x's pipe throws on a downstream
   * response that the client closed mid-body.
   */
  private void pump(Exchange x, HttpClientResponse resp, HttpServerResponse out, int status) {
    resp.handler(buf -> {
      if (out.closed()) {
        return;
      }
      out.write(buf);
      if (out.writeQueueFull()) {
        resp.pause();
        out.drainHandler(v -> resp.resume());
      }
    });
    resp.exceptionHandler(t -> {
      LOG.warn("conn#{} upstream {} failed mid-response: {}", x.down.id(), x.upstream, t.toString());
      if (!out.closed()) {
        out.reset();
      }
      finish(x, status);
    });
    resp.endHandler(v -> {
      if (!out.closed()) {
        out.end();
      }
      finish(x, status);
    });
  }

  private void learnFromResponse(Exchange x, StickySpec s, HttpClientResponse resp) {
    for (String sc : resp.headers().getAll(HttpHeaders.SET_COOKIE)) {
      String sid = StickyDecision.learnedSession(sc, s.learnCookie());
      String key = sid == null ? null : cookies.sessionKey(x.pool.name(), sid);
      if (key != null && !key.equals(x.learnSession)) {
        record(x, key, x.upstream);
      }
    }
  }

  private void fail(Exchange x, Reason reason) {
    if (x.done) {
      return;
    }
    // answer first, then stop the upstream exchange: resetting it fails its response at once, which must find this
    // exchange done rather than answer 502 in place of this reason
    HttpClientRequest upstreamRequest = x.upstreamRequest;
    RouterErrors.send(x.req, reason, metrics);
    finish(x, reason.status());
    if (upstreamRequest != null) {
      upstreamRequest.reset();
    }
  }

  private void finish(Exchange x, int status) {
    if (x.done) {
      return;
    }
    x.done = true;
    releaseSlot(x);
    String upstream = x.upstreamId();
    metrics.request(x.route, x.poolName(), upstream, status);
    if (x.pool != null && x.sticky != null && x.sticky.counted()) {
      metrics.sticky(x.pool.name(), x.sticky);
    }
    if (accessLog.enabled()) {
      accessLog.log(x.down.id(), x.down.clientIp(), x.req.method().name(),
          x.path != null ? x.path : x.req.path(), status,
          x.req.response().bytesWritten(), x.route, x.poolName(), upstream, System.nanoTime() - x.start,
          x.requestId, x.sticky == null ? "-" : x.sticky.tag());
    }
  }

  private static boolean declaredLengthSent(HttpServerResponse out) {
    String cl = out.headers().get(HttpHeaders.CONTENT_LENGTH);
    if (cl == null) {
      return false;
    }
    try {
      return out.bytesWritten() >= Long.parseLong(cl.trim());
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** The value of cookie {@code name} in the request's Cookie header(s), or null. */
  static String cookieValue(HttpServerRequest req, String name) {
    return StickyDecision.cookieValue(req.headers().getAll(HttpHeaders.COOKIE), name);
  }
}
