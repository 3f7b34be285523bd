package io.sslfarm.router.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.sslfarm.cluster.SessionTable;
import io.sslfarm.router.RouterErrors;
import io.sslfarm.router.RouterErrors.Reason;
import io.sslfarm.router.affinity.StickyDecision;
import io.sslfarm.router.affinity.StickyDecision.Outcome;
import io.sslfarm.router.config.StickySpec;
import io.sslfarm.router.listener.DownstreamConnection;
import io.sslfarm.router.route.RequestTarget;
import io.sslfarm.router.route.RouteTable;
import io.sslfarm.router.upstream.Upstream;
import io.sslfarm.router.upstream.UpstreamPool;
import io.sslfarm.router.upstream.UpstreamQueue;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's HTTP/1.x path, one instance per downstream connection, in plain Netty: the decoded request goes to a
 * backend over a keep-alive connection of the same event loop ({@link LinkPool}), its head edited in place and its
 * body and the response streamed through without copies.
 *
 * <pre>
 *  request head ─▶ route ─▶ pool ─▶ affinity ─▶ admission (UpstreamQueue) ─▶ link (idle, or connect) ─▶ head + body
 *                                                   └ full / timed out: 503      └ connect failed: eject, re-pick once
 *  response head ─▶ hop-by-hop out, Set-Cookie / X-Request-Id in, framing for the client's version ─▶ body ─▶ log
 * </pre>
 *
 * One exchange at a time per connection (HTTP/1.1 has no multiplexing): requests a client pipelines wait in
 * {@link #pending}, with reading paused, until the one before is answered. Reading is also paused while a request's
 * body cannot go anywhere yet (waiting for admission or a connection) or the link's write buffer is full; the upstream
 * read is paused while the client's write buffer is full. Every failure ends in {@link RouterErrors}; a failure after
 * the response head went out can only cut the connection.
 *
 * <p>Threading: everything runs on the connection's event loop; the session table's callbacks hop back onto it, and
 * each callback checks {@link #seq} so that an answer for an earlier request is ignored.
 */
final class Http1Proxy extends ChannelDuplexHandler implements UpstreamLink.Exchange, UpstreamQueue.Admission {

  private static final Logger LOG = LoggerFactory.getLogger(Http1Proxy.class);

  private final ProxyCore core;
  private final DownstreamConnection down;
  private ChannelHandlerContext ctx;
  private LinkPool links;
  /** Requests pipelined behind the current one, and their bodies, in arrival order. */
  private final ArrayDeque<HttpObject> pending = new ArrayDeque<>(2);
  /** The current request's body parts that arrived before it could be sent. */
  private final ArrayDeque<HttpContent> body = new ArrayDeque<>(2);

  // ---- the exchange in progress (one at a time: fields, not an object per request)
  private int seq;
  private boolean active;          // answer not complete
  private boolean inRequest;       // the request's LastHttpContent has not arrived
  private boolean discarding;      // answered before the request ended: its remaining body is dropped
  private boolean finished;        // counted and logged
  private HttpRequest req;
  private HttpVersion version;
  private boolean keepAlive;
  private long start;
  private String host;
  private String path;
  private String uri;
  private String route;
  private UpstreamPool pool;
  private Upstream upstream;
  private Outcome sticky;
  private String setCookie;
  private String learnSession;
  private String requestId;
  private boolean headersBuilt;
  private boolean hasBody;
  private boolean retried;
  private boolean staleRetried;
  private UpstreamQueue.Ticket ticket;
  private boolean entering;
  private UpstreamLink link;
  private UpstreamLink connecting;
  private boolean headSent;
  private boolean requestForwarded;
  private boolean responseStarted;
  private boolean informational;
  private boolean linkReusable;
  /** A WebSocket handshake (GET, HTTP/1.1, Upgrade: websocket, Connection: upgrade): the Upgrade value. */
  private String upgrade;
  private boolean switching;       // the backend answered 101: relay bytes once its end is written
  private int status;
  private long bytesOut;
  private long sentAt;

  // ---- the connection
  private boolean closing;
  private boolean draining;
  private boolean inNext;
  private long idleSince = System.nanoTime();
  private ScheduledFuture<?> idleTimer;
  private boolean bodyFlowing;
  private long lastBodyPart;
  private ScheduledFuture<?> bodyTimer;

  Http1Proxy(ProxyCore core, DownstreamConnection down) {
    this.core = core;
    this.down = down;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.links = core.links(ctx.channel().eventLoop());
    core.opened(this);
    // the idle clock starts once the first exchange is answered (before it, the header timeout guards the connection):
    // a connection that carries one request and closes schedules no timer
  }

  // ---------------------------------------------------------------- downstream

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (closing || !(msg instanceof HttpObject o)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (!pending.isEmpty() || (o instanceof HttpRequest && (active || discarding))) {
      pending.add(o); // behind the exchange in progress; reading pauses until it is answered
      updateRead();
      return;
    }
    dispatch(o);
  }

  private void dispatch(HttpObject o) {
    if (o instanceof HttpRequest r) {
      begin(r);
      if (r instanceof HttpContent c) {
        bodyPart(c); // a full request (not produced by the decoder, but cheap to allow)
      }
    } else if (o instanceof HttpContent c) {
      if (discarding) {
        c.release();
        if (c instanceof LastHttpContent) {
          discarding = false;
          inRequest = false;
          next();
        }
      } else if (active && inRequest) {
        bodyPart(c);
      } else {
        c.release();
      }
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    UpstreamLink l = link;
    if (l != null && headSent) {
      l.channel.flush();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    UpstreamLink l = link;
    if (l != null && responseStarted) {
      l.channel.config().setAutoRead(ctx.channel().isWritable());
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closing = true;
    core.closed(this);
    cancelIdle();
    if (bodyTimer != null) {
      bodyTimer.cancel(false);
      bodyTimer = null;
    }
    if (active) {
      // the client went away (or the connection was cut) before the answer was complete
      abortUpstream();
      finish(responseStarted ? status : 0);
      active = false;
    }
    releaseAll(pending);
    releaseAll(body);
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(cause instanceof IOException)) {
      LOG.warn("conn#{} closed: {}", down.id(), cause.toString());
    }
    ctx.close();
  }

  /** {@link #drain} on the connection's loop (any thread). */
  void drainOnLoop() {
    ctx.executor().execute(this::drain);
  }

  /** Closes the connection now (any thread): the end of the router's drain. */
  void closeNow() {
    ctx.channel().close();
  }

  /** The router stops: finish the exchange in progress with {@code Connection: close}, or close now if idle. */
  private void drain() {
    draining = true;
    if (!active && !discarding && pending.isEmpty()) {
      closing = true;
      ctx.close();
    } else {
      keepAlive = false;
    }
  }

  // ---------------------------------------------------------------- request

  private void begin(HttpRequest r) {
    seq++;
    active = true;
    inRequest = true;
    finished = false;
    req = r;
    version = r.protocolVersion();
    keepAlive = HttpUtil.isKeepAlive(r) && !draining;
    start = System.nanoTime();
    host = null;
    path = null;
    uri = null;
    route = "-";
    pool = null;
    upstream = null;
    sticky = null;
    setCookie = null;
    learnSession = null;
    requestId = "-";
    headersBuilt = false;
    hasBody = false;
    retried = false;
    staleRetried = false;
    headSent = false;
    requestForwarded = false;
    responseStarted = false;
    informational = false;
    linkReusable = false;
    upgrade = webSocketUpgrade(r);
    switching = false;
    status = 0;
    bytesOut = 0;
    // reading goes on: a body part that comes before a backend connection is ready pauses it (bodyPart), a request
    // without a body (its end comes with the head) never does, so no epoll_ctl per request
    HttpHeaders h = r.headers();
    if (core.underscores == ForwardingHeaders.Underscores.REJECT && ForwardingHeaders.hasUnderscoreName(h)) {
      fail(Reason.UNDERSCORE_IN_HEADER);
      return;
    }
    String hostHeader = h.get(HttpHeaderNames.HOST);
    host = hostHeader;
    RequestTarget.Result target = RequestTarget.parse(r.uri(), hostHeader);
    if (!target.ok()) {
      fail(target.problem() == RequestTarget.Problem.AUTHORITY_MISMATCH ? Reason.AUTHORITY_MISMATCH
          : Reason.BAD_REQUEST_TARGET);
      return;
    }
    path = target.path();
    uri = target.uri();
    if (target.authority() != null && hostHeader == null) {
      host = target.authority(); // HTTP/1.0 absolute-form without Host (RFC 9112 §3.2.2)
    }
    RouteTable.Match m = core.routes.get().match(host, path);
    UpstreamPool p = m == null ? null : core.pools.pool(m.pool());
    if (p == null) {
      fail(Reason.NO_ROUTE);
      return;
    }
    route = m.routeName();
    pool = p;
    StickySpec s = p.spec().sticky();
    switch (s.mode()) {
      case INSERT -> apply(StickyDecision.insert(p, s, core.cookies, cookie(h, s.cookie()), epochSeconds(),
          System.nanoTime()));
      case LEARN -> learn(s);
      default -> apply(StickyDecision.none());
    }
  }

  private static String cookie(HttpHeaders h, String name) {
    String one = h.get(HttpHeaderNames.COOKIE);
    if (one == null) {
      return null;
    }
    return StickyDecision.cookieValue(h.getAll(HttpHeaderNames.COOKIE), name);
  }

  private void learn(StickySpec s) {
    String sid = cookie(req.headers(), s.learnCookie());
    if (sid == null) {
      apply(StickyDecision.fresh());
      return;
    }
    learnSession = core.cookies.sessionKey(pool.name(), sid);
    int mine = seq;
    UpstreamPool p = pool;
    SessionTable table = core.sessionTable(p.name(), s.idleTtl());
    table.lookup(learnSession).whenComplete((found, err) -> ctx.executor().execute(() -> {
      if (mine != seq || !active) {
        return;
      }
      if (err != null) {
        LOG.warn("conn#{} session table lookup failed, re-balancing: {}", down.id(), err.toString());
      }
      apply(StickyDecision.learned(p, s, err == null ? found : Optional.empty(), System.nanoTime()));
    }));
  }

  private void apply(StickyDecision d) {
    sticky = d.outcome();
    if (d.outcome() == Outcome.DOWN) {
      fail(Reason.STICKY_BACKEND_DOWN);
    } else if (d.upstream() != null) {
      if (d.refreshCookie()) {
        setCookie = newCookie(d.upstream());
      }
      forward(d.upstream());
    } else {
      pickNewAndForward(null);
    }
  }

  private void pickNewAndForward(Upstream exclude) {
    Upstream u = pool.pickNew(System.nanoTime(), exclude);
    if (u == null) {
      fail(exclude == null ? Reason.NO_BACKEND : Reason.UPSTREAM_CONNECT);
      return;
    }
    bind(u);
    forward(u);
  }

  /** A new session goes to {@code u}: insert sets the cookie, learn records the request's session id. */
  private void bind(Upstream u) {
    StickySpec s = pool.spec().sticky();
    if (s.mode() == StickySpec.Mode.INSERT) {
      setCookie = newCookie(u);
    } else if (s.mode() == StickySpec.Mode.LEARN && learnSession != null && sticky == Outcome.RESTICK) {
      // a known session whose backend cannot serve moves to the new one; an unknown id is never recorded (only a
      // backend's Set-Cookie creates an entry: a client looping random cookies fills nothing)
      record(learnSession, u);
    }
  }

  private String newCookie(Upstream u) {
    return StickyDecision.setCookie(core.cookies, pool.name(), pool.spec().sticky(), u, down.tls(), epochSeconds());
  }

  /** Binds the session table key {@code key} ({@link io.sslfarm.router.affinity.StickyCookieCodec#sessionKey}). */
  private void record(String key, Upstream u) {
    SessionTable table = core.sessionTable(pool.name(), pool.spec().sticky().idleTtl());
    String poolName = pool.name();
    table.record(key, u.id()).whenComplete((v, err) -> {
      if (err != null) {
        LOG.warn("session table record failed for pool {}: {}", poolName, err.toString());
      }
    });
  }

  private void forward(Upstream u) {
    upstream = u;
    if (!headersBuilt) {
      headersBuilt = true;
      HttpHeaders h = req.headers();
      boolean chunked = HttpUtil.isTransferEncodingChunked(req);
      String cl = h.get(HttpHeaderNames.CONTENT_LENGTH);
      hasBody = chunked || (cl != null && !"0".equals(cl));
      requestId = ForwardingHeaders.buildRequest(h, down, host, core.underscores, core.metrics);
      if (host != null && !h.contains(HttpHeaderNames.HOST)) {
        h.set(HttpHeaderNames.HOST, host);
      }
      if (chunked) {
        h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED); // re-framed: a hop-by-hop header
      }
      if (upgrade != null) {
        // hop-by-hop, so removed above; a WebSocket handshake asks the backend for the same upgrade
        h.set(HttpHeaderNames.UPGRADE, upgrade).set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      }
      req.setUri(uri);
      req.setProtocolVersion(HttpVersion.HTTP_1_1);
    }
    releaseTicket();
    entering = true; // the queue may answer before enter() returns
    UpstreamQueue.Ticket t = u.queue().enter(ctx.executor(), this);
    if (entering) {
      entering = false;
      ticket = t; // waiting for a slot
    }
  }

  @Override
  public void admitted(UpstreamQueue.Ticket t) {
    if (entering) {
      entering = false;
      ticket = t;
    }
    if (t != ticket || !active) {
      t.release();
      return;
    }
    UpstreamLink idle = links.poll(upstream);
    if (idle != null) {
      send(idle);
      return;
    }
    UpstreamLink l = links.newLink(upstream);
    connecting = l;
    ChannelFuture f = links.connect(l);
    int mine = seq;
    if (f.isDone()) {
      connected(l, mine, f);
    } else {
      f.addListener(cf -> connected(l, mine, (ChannelFuture) cf));
    }
  }

  private void connected(UpstreamLink l, int mine, ChannelFuture f) {
    if (mine != seq || connecting != l || !active) {
      if (f.isSuccess()) {
        l.release(true); // not wanted any more: a warm connection for the next request
      }
      return;
    }
    connecting = null;
    if (f.isSuccess()) {
      send(l);
      return;
    }
    Upstream u = upstream;
    releaseTicket();
    u.reportConnectFailure(System.nanoTime());
    LOG.warn("conn#{} upstream {} connect failed: {}", down.id(), u, f.cause().toString());
    retryOrFail(u);
  }

  @Override
  public void refused(UpstreamQueue.Ticket t, UpstreamQueue.SaturatedException cause) {
    if (entering) {
      entering = false;
      ticket = t;
    }
    if (t != ticket || !active) {
      return;
    }
    ticket = null;
    LOG.debug("conn#{} upstream {} saturated: {}", down.id(), upstream, cause.toString());
    fail(cause.kind() == UpstreamQueue.Kind.FULL ? Reason.UPSTREAM_QUEUE_FULL : Reason.UPSTREAM_QUEUE_TIMEOUT);
  }

  private void send(UpstreamLink l) {
    link = l;
    l.attach(this);
    upstream.inflight().incrementAndGet();
    sentAt = System.nanoTime();
    headSent = true;
    l.channel.write(req);
    if (!hasBody) {
      // nothing to stream: the end of the request is known (and can be sent again on a stale connection)
      releaseAll(body);
      l.channel.write(LastHttpContent.EMPTY_LAST_CONTENT);
      requestForwarded = true;
    } else {
      HttpContent c;
      while ((c = body.poll()) != null) {
        l.channel.write(c);
        if (c instanceof LastHttpContent) {
          requestForwarded = true;
        }
      }
    }
    l.channel.flush();
    l.wrote();
    updateRead();
  }

  private void bodyPart(HttpContent c) {
    lastBodyPart = System.nanoTime();
    boolean last = c instanceof LastHttpContent;
    if (last) {
      inRequest = false;
    }
    UpstreamLink l = link;
    if (headSent && !hasBody) {
      c.release(); // the end was sent with the head
      if (last && upgrade != null) {
        updateRead(); // a WebSocket handshake is in: nothing more is read as HTTP until the backend answers
      }
    } else if (l != null && headSent) {
      l.channel.write(c);
      l.wrote();
      if (last) {
        requestForwarded = true;
        l.channel.flush();
      } else if (!l.channel.isWritable()) {
        updateRead();
      }
    } else {
      body.add(c);
      if (!last) {
        updateRead(); // nowhere to send it yet: wait for the connection (send() resumes)
      }
    }
  }

  // ---------------------------------------------------------------- upstream

  @Override
  public void upstreamRead(UpstreamLink l, HttpObject msg) {
    if (l != link) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpResponse r) {
      int code = r.status().code();
      if (code < 200 && code != 101) {
        informational = true; // 100 / 103: not passed on (Expect is answered by the router, hints are optional)
      } else {
        responseHead(r);
      }
    }
    if (msg instanceof HttpContent c) {
      if (informational) {
        c.release();
        if (c instanceof LastHttpContent) {
          informational = false;
        }
      } else if (responseStarted) {
        responseContent(c);
      } else {
        c.release();
      }
    }
  }

  private void responseHead(HttpResponse r) {
    Upstream u = upstream;
    core.metrics.upstreamLatency(pool.name(), u.id(), System.nanoTime() - sentAt);
    u.reportSuccess();
    int code = r.status().code();
    HttpHeaders h = r.headers();
    linkReusable = HttpUtil.isKeepAlive(r);
    boolean bodyless = req.method() == HttpMethod.HEAD || code == 204 || code == 304;
    String upgraded = code == 101 ? h.get(HttpHeaderNames.UPGRADE) : null;
    ForwardingHeaders.filterResponse(h);
    if (code == 101) {
      if (upgrade == null || upgraded == null || !upgraded.equalsIgnoreCase(upgrade)) {
        LOG.warn("conn#{} upstream {} answered 101 to a request that asked for no such upgrade", down.id(), u);
        fail(Reason.UPSTREAM_ERROR); // a protocol the router cannot follow
        return;
      }
      h.set(HttpHeaderNames.UPGRADE, upgraded).set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      switching = true;
    }
    if (setCookie != null) {
      h.add(HttpHeaderNames.SET_COOKIE, setCookie);
    }
    StickySpec s = pool.spec().sticky();
    if (s.mode() == StickySpec.Mode.LEARN && h.contains(HttpHeaderNames.SET_COOKIE)) {
      for (String sc : h.getAll(HttpHeaderNames.SET_COOKIE)) {
        String sid = StickyDecision.learnedSession(sc, s.learnCookie());
        if (sid != null) {
          String key = core.cookies.sessionKey(pool.name(), sid);
          if (!key.equals(learnSession)) {
            record(key, u);
          }
        }
      }
    }
    if (!h.contains(ProxyCore.X_REQUEST_ID)) {
      h.set(ProxyCore.X_REQUEST_ID, requestId);
    }
    if (!bodyless && !switching && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      if (version == HttpVersion.HTTP_1_0) {
        keepAlive = false; // an HTTP/1.0 client reads to the end of the connection
      } else {
        h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      }
    }
    if (switching) {
      // Connection: upgrade, set above
    } else if (!keepAlive) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (version == HttpVersion.HTTP_1_0) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    r.setProtocolVersion(version == HttpVersion.HTTP_1_0 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1);
    status = code;
    responseStarted = true;
    ctx.write(r);
  }

  private void responseContent(HttpContent c) {
    bytesOut += c.content().readableBytes();
    if (switching && c instanceof LastHttpContent) {
      ctx.writeAndFlush(c);
      relayUpgraded();
      return;
    }
    if (c instanceof LastHttpContent) {
      ctx.writeAndFlush(c);
      responseDone();
      return;
    }
    ctx.write(c);
    if (!ctx.channel().isWritable()) {
      link.channel.config().setAutoRead(false); // resumed by channelWritabilityChanged
    }
  }

  @Override
  public void upstreamReadComplete(UpstreamLink l) {
    if (l == link && responseStarted) {
      ctx.flush();
    }
  }

  @Override
  public void upstreamWritabilityChanged(UpstreamLink l, boolean writable) {
    if (l == link) {
      updateRead();
    }
  }

  @Override
  public void upstreamClosed(UpstreamLink l, Throwable cause) {
    if (l != link) {
      return;
    }
    link = null;
    Upstream u = upstream;
    u.inflight().decrementAndGet();
    if (responseStarted) {
      LOG.warn("conn#{} upstream {} failed mid-response: {}", down.id(), u, cause == null ? "closed" : cause.toString());
      cut();
      return;
    }
    if (!hasBody && isIdempotent(req.method()) && active) {
      // a keep-alive connection the backend had closed: nothing was processed, so send it once more
      headSent = false;
      requestForwarded = false;
      if (!staleRetried) {
        staleRetried = true;
        forward(u); // gives this slot back first
        return;
      }
      // closed again without an answer: the backend is going away; eject it and treat it as a connect failure
      u.reportConnectFailure(System.nanoTime());
      releaseTicket();
      LOG.warn("conn#{} upstream {} closed twice without answering", down.id(), u);
      retryOrFail(u);
      return;
    }
    LOG.warn("conn#{} upstream {} failed: {}", down.id(), u, cause == null ? "connection closed" : cause.toString());
    fail(Reason.UPSTREAM_ERROR);
  }

  @Override
  public void upstreamTimedOut(UpstreamLink l) {
    if (l != link) {
      return;
    }
    link = null;
    upstream.inflight().decrementAndGet();
    LOG.warn("conn#{} upstream {} sent nothing for {} ms", down.id(), upstream,
        core.options.upstreamResponseTimeout().toMillis());
    if (responseStarted) {
      cut();
    } else {
      fail(Reason.UPSTREAM_TIMEOUT);
    }
  }

  private static boolean isIdempotent(HttpMethod m) {
    return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS;
  }

  /** Connect failed: the request body is untouched (held), so one other backend may still take it. */
  private void retryOrFail(Upstream failed) {
    StickySpec s = pool.spec().sticky();
    boolean stickyStrict = s.strict() && sticky == Outcome.HIT;
    if (retried || stickyStrict) {
      fail(stickyStrict ? Reason.STICKY_BACKEND_DOWN : Reason.UPSTREAM_CONNECT);
      return;
    }
    retried = true;
    if (sticky == Outcome.HIT) {
      sticky = Outcome.RESTICK;
    }
    pickNewAndForward(failed);
  }

  private void responseDone() {
    UpstreamLink l = link;
    link = null;
    upstream.inflight().decrementAndGet();
    l.release(linkReusable && requestForwarded);
    releaseTicket();
    finish(status);
    answered();
  }

  // ---------------------------------------------------------------- WebSocket

  /** The Upgrade value of a WebSocket handshake (RFC 6455 §4.1), or null for any other request. */
  private static String webSocketUpgrade(HttpRequest r) {
    HttpHeaders h = r.headers();
    String up = h.get(HttpHeaderNames.UPGRADE);
    if (up == null || r.method() != HttpMethod.GET || r.protocolVersion() != HttpVersion.HTTP_1_1
        || !up.trim().equalsIgnoreCase("websocket")
        || !h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
      return null;
    }
    return up.trim();
  }

  /**
   * The backend accepted the upgrade and its 101 is written: from here the two connections carry WebSocket frames,
   * relayed as bytes ({@link io.sslfarm.net.Relay}: back-pressure, half-close, {@code router.websocket-idle-timeout}).
   * The HTTP handlers leave both pipelines (bytes a decoder still holds go on to the relay), the link never returns to
   * its pool, and the backend's admission slot is given back (a WebSocket is not an exchange in flight; HAProxy's
   * {@code maxconn} counts it, Envoy's upgrade streams do not).
   */
  private void relayUpgraded() {
    UpstreamLink l = link;
    link = null;
    upstream.inflight().decrementAndGet();
    releaseTicket();
    finish(101);
    active = false;
    closing = true; // no more HTTP on this connection
    cancelIdle();
    if (bodyTimer != null) {
      bodyTimer.cancel(false);
      bodyTimer = null;
    }
    core.closed(this);
    io.netty.channel.Channel downstream = ctx.channel();
    io.netty.channel.Channel up = l.channel;
    l.detach();
    io.sslfarm.net.Relay relay = io.sslfarm.net.Relay.prepare(downstream, new io.sslfarm.net.RelayOptions()
        .setIdleTimeout(core.options.websocketIdleTimeout()), core.websocketListener());
    core.websocketOpened(relay);
    io.netty.channel.ChannelPipeline p = downstream.pipeline();
    p.remove(this);
    for (Class<? extends io.netty.channel.ChannelHandler> c : List.of(
        io.netty.handler.codec.http.HttpServerExpectContinueHandler.class,
        io.sslfarm.router.listener.StrictHttpHandler.class)) {
      if (p.get(c) != null) {
        p.remove(c);
      }
    }
    if (p.get(io.sslfarm.router.listener.StrictHttpHandler.SNIFFER_NAME) != null) {
      p.remove(io.sslfarm.router.listener.StrictHttpHandler.SNIFFER_NAME); // its obs-fold scan is for HTTP heads
    }
    p.remove(io.netty.handler.codec.http.HttpServerCodec.class); // what it still holds goes on to the relay
    relay.start(up);
    io.netty.channel.ChannelPipeline upp = up.pipeline();
    if (upp.get(io.netty.handler.codec.http.HttpClientCodec.class) != null) {
      upp.remove(io.netty.handler.codec.http.HttpClientCodec.class);
    }
  }

  // ---------------------------------------------------------------- endings

  /** Answers by the router itself ({@link RouterErrors}); after the response head went out it can only cut. */
  private void fail(Reason reason) {
    if (!active) {
      return;
    }
    if (responseStarted) {
      core.metrics.rejected(reason);
      cut();
      return;
    }
    abortUpstream();
    boolean stay = keepAlive && !reason.closesConnection();
    if (!stay) {
      closing = true;
    }
    RouterErrors.send(ctx, reason, core.metrics, version, stay);
    finish(reason.status());
    if (stay) {
      answered();
    } else {
      active = false;
    }
  }

  /** A response cannot be completed: the client sees a truncated one, never a wrong one. */
  private void cut() {
    abortUpstream();
    finish(status);
    active = false;
    closing = true;
    ctx.close();
  }

  private void abortUpstream() {
    UpstreamLink l = link;
    if (l != null) {
      link = null;
      upstream.inflight().decrementAndGet();
      l.abort();
    }
    connecting = null; // a connect in flight goes to the pool when it completes
    releaseTicket();
    releaseAll(body);
  }

  /** The answer is complete: close, skip the rest of the request body, or go on with the next request. */
  private void answered() {
    active = false;
    idleSince = System.nanoTime();
    if (!keepAlive) {
      closing = true;
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    if (idleTimer == null) {
      armIdle();
    }
    if (inRequest) {
      discarding = true;
      updateRead();
      return;
    }
    next();
  }

  /** Runs what was pipelined behind the exchange that just ended. */
  private void next() {
    if (inNext) {
      return; // the loop below goes on
    }
    inNext = true;
    try {
      while (!closing && !pending.isEmpty()) {
        HttpObject o = pending.peek();
        if (o instanceof HttpRequest && (active || discarding)) {
          break;
        }
        pending.poll();
        dispatch(o);
      }
    } finally {
      inNext = false;
    }
    if (draining && !active && !discarding && pending.isEmpty() && !closing) {
      closing = true;
      ctx.close();
      return;
    }
    updateRead();
  }

  private void finish(int code) {
    if (finished) {
      return;
    }
    finished = true;
    String poolName = pool == null ? "-" : pool.name();
    String upstreamId = upstream == null ? "-" : upstream.id();
    core.metrics.request(route, poolName, upstreamId, code);
    if (pool != null && sticky != null && sticky.counted()) {
      core.metrics.sticky(poolName, sticky);
    }
    if (core.accessLog.enabled()) {
      core.accessLog.log(down.id(), down.clientIp(), req.method().name(), path != null ? path : req.uri(), code,
          bytesOut, route, poolName, upstreamId, System.nanoTime() - start, requestId,
          sticky == null ? "-" : sticky.tag());
    }
  }

  private void releaseTicket() {
    UpstreamQueue.Ticket t = ticket;
    if (t != null) {
      ticket = null;
      t.release();
    }
  }

  private static void releaseAll(ArrayDeque<? extends HttpObject> q) {
    HttpObject o;
    while ((o = q.poll()) != null) {
      ReferenceCountUtil.release(o);
    }
  }

  /**
   * Reads from the client only when what it sends can go somewhere: nothing pipelined is waiting, and the request
   * in progress (if its body is still coming) has a link with room in its write buffer.
   */
  private void updateRead() {
    boolean read = !closing && pending.isEmpty() && !(active && upgrade != null && !inRequest);
    // (a WebSocket handshake: what the client sends next is not HTTP if the backend says 101)
    if (read && active && inRequest) {
      UpstreamLink l = link;
      read = l != null && headSent && l.channel.isWritable();
    }
    if (ctx.channel().config().isAutoRead() != read) {
      ctx.channel().config().setAutoRead(read);
    }
    watchBody(read && active && inRequest && hasBody);
  }

  // ---------------------------------------------------------------- body timeout

  /**
   * {@code router.body-timeout}: while the request body flows (not while the router holds it back: before a link is
   * ready, or for a full link write buffer) and has not ended, a gap that long between body parts answers 408
   * {@link Reason#BODY_TIMEOUT} and closes. One lazy timer per gap, not per part: a part only notes the time.
   */
  private void watchBody(boolean flowing) {
    long timeout = core.options.bodyTimeout().toNanos();
    if (timeout <= 0 || flowing == bodyFlowing) {
      return;
    }
    bodyFlowing = flowing;
    if (flowing) {
      lastBodyPart = System.nanoTime(); // the gap counts from when the router asks for more
      if (bodyTimer == null) {
        armBody(timeout);
      }
    }
  }

  private void armBody(long nanos) {
    bodyTimer = ctx.executor().schedule(this::onBodyTimer, nanos, TimeUnit.NANOSECONDS);
  }

  private void onBodyTimer() {
    bodyTimer = null;
    if (!bodyFlowing || closing) {
      return;
    }
    if (!active || !inRequest) {
      bodyFlowing = false;
      return;
    }
    long timeout = core.options.bodyTimeout().toNanos();
    long gap = System.nanoTime() - lastBodyPart;
    if (gap < timeout) {
      armBody(timeout - gap);
      return;
    }
    bodyFlowing = false;
    LOG.debug("conn#{} no request body bytes for {} ms: 408", down.id(), core.options.bodyTimeout().toMillis());
    fail(Reason.BODY_TIMEOUT);
  }

  // ---------------------------------------------------------------- idle timeout

  /** {@code router.idle-timeout}: a connection with no exchange for that long is closed (one lazy timer). */
  private void armIdle() {
    long timeout = core.options.idleTimeout().toNanos();
    if (timeout <= 0 || closing) {
      return;
    }
    long wait = active || discarding ? timeout : Math.max(0, idleSince + timeout - System.nanoTime());
    idleTimer = ctx.executor().schedule(this::onIdleTimer, wait, TimeUnit.NANOSECONDS);
  }

  private void onIdleTimer() {
    idleTimer = null;
    if (closing) {
      return;
    }
    long timeout = core.options.idleTimeout().toNanos();
    if (!active && !discarding && pending.isEmpty() && System.nanoTime() - idleSince >= timeout) {
      closing = true;
      ctx.close();
      return;
    }
    armIdle();
  }

  private void cancelIdle() {
    if (idleTimer != null) {
      idleTimer.cancel(false);
      idleTimer = null;
    }
  }

  private static long epochSeconds() {
    return System.currentTimeMillis() / 1000;
  }
}
