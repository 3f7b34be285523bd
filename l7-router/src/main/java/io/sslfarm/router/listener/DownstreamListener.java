package io.sslfarm.router.listener;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.AttributeKey;
import io.sslfarm.net.InProcess;
import io.sslfarm.net.ProxyGateListener;
import io.sslfarm.net.ProxyGateRejection;
import io.sslfarm.net.ProxyInfo;
import io.sslfarm.net.ProxyProtocolGate;
import io.sslfarm.net.ProxyProtocolGateOptions;
import io.sslfarm.router.RouterErrors;
import io.sslfarm.router.RouterErrors.Reason;
import io.sslfarm.router.RouterMetrics;
import io.sslfarm.router.RouterOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.impl.ConnectionBase;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's downstream HTTP listener: N Vert.x HTTP servers on one port (one event loop each, one shared Netty
 * server channel).
 *
 * <h2>Why the front of the pipeline is ours</h2>
 * Vert.x builds an HTTP/1.x-or-h2c pipeline only once the first bytes are in, and calls {@code connectionHandler}
 * only after the first request head was decoded (or after an {@code Upgrade: h2c} already switched protocols). So
 * anything installed from there misses the start of the connection. Instead, a {@link FrontInstaller} on the shared
 * server channel puts two handlers at the head of every accepted channel, before Vert.x adds its own:
 *
 * <pre>
 *   accept ─▶ [ProxyProtocolGate] ─▶ [StrictHttpHandler sniffer] ─▶ Vert.x (h1 or h2c detection, …)
 *              trusted CIDR check          ALPN TLV policy, header and request
 *              before any byte is read,    timers from the first byte of the
 *              PROXY v2 → ProxyInfo        first request
 * </pre>
 *
 * The server channel is only reachable from a connection ({@code Channel.parent()}): {@link #listen} opens one probe
 * connection to itself and installs the front from it; until then (a few milliseconds, before {@code listen}
 * completes) any other connection is closed in {@link #onConnection}, so nothing is ever served without the gate.
 *
 * <p>Per connection, in {@code connectionHandler}: the {@link DownstreamConnection} is built from the gate's
 * {@link ProxyInfo}; for HTTP/1.x the {@link StrictHttpHandler} is put after Netty's request decoder; an HTTP/2
 * connection that did not start with the prior-knowledge preface came from an {@code Upgrade: h2c} request, which is
 * refused ({@link Reason#H2C_UPGRADE}).
 *
 * <p>The server's connection object is Vert.x-internal ({@link ConnectionBase}); this class is the only place that
 * reaches into it, to get the Netty channel.
 */
public final class DownstreamListener {

  private static final Logger LOG = LoggerFactory.getLogger(DownstreamListener.class);
  private static final AttributeKey<StrictHttpHandler> STRICT = AttributeKey.valueOf("sslfarm.router.strict");
  private static final String FRONT_NAME = "sslfarmRouterFront";
  private static final String HTTP1_CODEC = "sslfarmHttpCodec";
  /** The HTTP/2 connection window every connection starts with (RFC 9113 §6.9.2); it is not set by SETTINGS. */
  private static final int RFC_H2_WINDOW = 65_535;
  private static final String PROBE_REQUEST = "GET /.sslfarm-probe HTTP/1.1\r\nHost: probe\r\n\r\n";

  private final Vertx vertx;
  private final RouterOptions options;
  private final RouterMetrics metrics;
  private final ProxyProtocolGateOptions gateOptions;
  private final ProxyGateListener gateListener;
  private final Map<HttpConnection, DownstreamConnection> connections = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  /** Accepted downstream connections not yet closed (every protocol, before any byte): router.max-connections. */
  private final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
  private final List<HttpServer> servers = new ArrayList<>();
  private volatile Http1Handlers http1;
  private final Promise<Void> frontInstalled = Promise.promise();
  private volatile boolean front;
  private volatile InProcess.Binding inProcess;
  private int port;

  public DownstreamListener(Vertx vertx, RouterOptions options, RouterMetrics metrics) {
    this.vertx = vertx;
    this.options = options;
    this.metrics = metrics;
    this.gateOptions = new ProxyProtocolGateOptions().setRequired(options.proxyProtocol())
        .setTrustedSources(options.trustedProxySet())
        .setHeaderTimeout(options.headerTimeout().isZero() ? Duration.ofSeconds(5) : options.headerTimeout());
    this.gateListener = new ProxyGateListener() {
      @Override
      public void onAccepted(Channel channel, ProxyInfo info) {
      }

      @Override
      public void onRejected(Channel channel, ProxyGateRejection reason, Throwable cause) {
        switch (reason) {
          case UNTRUSTED_SOURCE -> {
            metrics.rejected(Reason.UNTRUSTED_PROXY);
            LOG.warn("{} closed: PROXY header from untrusted peer (trusted: {})", channel.remoteAddress(),
                gateOptions.getTrustedSources());
          }
          case CLOSED_BEFORE_HEADER -> {
            // a port probe or a peer that changed its mind: nothing to count as bad input
          }
          default -> {
            metrics.rejected(Reason.BAD_PROXY_HEADER);
            LOG.debug("{} closed: {} {}", channel.remoteAddress(), reason.tag(),
                cause == null ? "" : cause.getMessage());
          }
        }
      }
    };
    metrics.registerConnections(() -> connections.size() + (http1 == null ? 0 : http1.openConnections()));
  }

  /**
   * The router's own HTTP/1.x path ({@code io.sslfarm.router.internal.Http1Proxy}): what the listener installs on a
   * connection whose first bytes are HTTP/1.x, and how it drains and closes those connections (Vert.x does not know
   * them).
   */
  public interface Http1Handlers {
    /** The last handler of a new HTTP/1.x connection's pipeline, after the codec and the strict checks. */
    ChannelHandler http1(DownstreamConnection connection);

    int openConnections();

    /** Stop accepting: each connection finishes its exchange with {@code Connection: close}; idle ones close. */
    void drain();

    /** Closes every connection left. */
    void close();
  }

  /**
   * Binds like {@link #listen(Handler)}, with HTTP/1.x connections served by {@code http1} and HTTP/2 ones by
   * Vert.x ({@code requestHandler}).
   */
  public Future<Integer> listen(Handler<HttpServerRequest> requestHandler, Http1Handlers http1) {
    this.http1 = http1;
    return listen(requestHandler);
  }

  /** Replaces Vert.x's handlers after the sniffer with the router's HTTP/1.x pipeline (on the channel's loop). */
  private void installHttp1(ChannelHandlerContext sniffer, StrictHttpHandler strict) {
    Channel ch = sniffer.channel();
    ChannelPipeline p = ch.pipeline();
    ProxyInfo proxy = ch.attr(ProxyProtocolGate.PROXY_INFO).get();
    Http1Handlers h = http1;
    if (proxy == null || h == null) {
      ch.close(); // cannot happen: the gate sets it before passing any byte on
      return;
    }
    List<String> names = p.names();
    for (int i = names.indexOf(StrictHttpHandler.SNIFFER_NAME) + 1; i < names.size(); i++) {
      if (p.context(names.get(i)) != null) {
        p.remove(names.get(i)); // Vert.x's HTTP/1.x-or-h2c detector and idle handler: it never sees this connection
      }
    }
    DownstreamConnection dc = DownstreamConnection.of(ids.incrementAndGet(), proxy, port);
    p.addLast(HTTP1_CODEC, new HttpServerCodec(new HttpDecoderConfig()
            .setMaxInitialLineLength(options.maxInitialLine())
            .setMaxHeaderSize(options.maxHeaderSize())
            .setMaxChunkSize(65536)))
        .addLast(StrictHttpHandler.NAME, strict)
        .addLast("sslfarmContinue", new HttpServerExpectContinueHandler())
        .addLast("sslfarmProxy", h.http1(dc));
  }

  /** Binds {@code instances} servers on the configured port; completes with the bound port once the front is in. */
  public Future<Integer> listen(Handler<HttpServerRequest> requestHandler) {
    int n = options.eventLoops() > 0 ? options.eventLoops() : Runtime.getRuntime().availableProcessors();
    Future<HttpServer> first = create(requestHandler).listen(options.port(), options.host());
    return first.compose(s -> {
      port = s.actualPort();
      List<Future<HttpServer>> rest = new ArrayList<>();
      for (int i = 1; i < n; i++) {
        rest.add(create(requestHandler).listen(port, options.host()));
      }
      return Future.all(rest);
    }).compose(v -> probe()).map(v -> port);
  }

  /** Connects once to ourselves so that {@link #onConnection} gets hold of the server channel. */
  private Future<Void> probe() {
    String host = options.host().equals("0.0.0.0") ? "127.0.0.1" : options.host().equals("::") ? "::1"
        : options.host();
    NetClient client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(5000));
    client.connect(port, host).onSuccess(so -> so.write(Buffer.buffer(PROBE_REQUEST)))
        .onFailure(frontInstalled::tryFail);
    return frontInstalled.future().timeout(10, TimeUnit.SECONDS)
        .eventually(() -> client.close());
  }

  private HttpServer create(Handler<HttpServerRequest> requestHandler) {
    HttpServerOptions so = new HttpServerOptions()
        .setUseProxyProtocol(false) // the ProxyProtocolGate at the front decodes it
        .setMaxHeaderSize(options.maxHeaderSize())
        .setMaxInitialLineLength(options.maxInitialLine())
        .setHttp2ClearTextEnabled(true)
        .setHandle100ContinueAutomatically(true)
        .setCompressionSupported(false)
        .setDecompressionSupported(false)
        // the router does not proxy WebSockets: without these Vert.x puts a WebSocket extension handler in every
        // HTTP/1.x pipeline that inspects each request
        .setPerFrameWebSocketCompressionSupported(false)
        .setPerMessageWebSocketCompressionSupported(false)
        .setTcpNoDelay(true)
        .setReuseAddress(true)
        .setIdleTimeout((int) options.idleTimeout().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        // explicit HTTP/2 bounds: streams per connection, and per-stream and connection windows (what a client may
        // send ahead of the router), at the RFC defaults rather than Vert.x's
        .setHttp2ConnectionWindowSize(Math.max(RFC_H2_WINDOW, options.h2InitialWindowSize()));
    so.setInitialSettings(new Http2Settings(so.getInitialSettings())
        .setMaxConcurrentStreams(options.h2MaxConcurrentStreams())
        .setInitialWindowSize(options.h2InitialWindowSize()));
    HttpServer server = vertx.createHttpServer(so);
    server.connectionHandler(this::onConnection);
    server.requestHandler(requestHandler);
    synchronized (servers) {
      servers.add(server);
    }
    return server;
  }

  private void onConnection(HttpConnection conn) {
    if (!(conn instanceof ConnectionBase cb)) {
      LOG.error("unexpected Vert.x connection type {}: closed", conn.getClass().getName());
      conn.close();
      return;
    }
    Channel ch = cb.channel();
    StrictHttpHandler strict = ch.attr(STRICT).get();
    if (strict == null) {
      // accepted before the front was installed: the probe, or a client that raced it
      if (!front && ch.parent() != null) {
        installFront(ch.parent());
      }
      conn.close();
      return;
    }
    ProxyInfo proxy = ch.attr(ProxyProtocolGate.PROXY_INFO).get();
    if (proxy == null) {
      conn.close(); // cannot happen: the gate sets it before passing any byte on
      return;
    }
    ChannelPipeline p = ch.pipeline();
    boolean http1 = conn.protocolVersion() != HttpVersion.HTTP_2;
    if (!http1 && !strict.sawH2Preface()) {
      // backstop: the strict handler sits before Vert.x's "h2c" handler and drops Upgrade: h2c, so this is not reached
      metrics.rejected(Reason.H2C_UPGRADE);
      LOG.debug("{} closed: Upgrade: h2c refused", ch.remoteAddress());
      conn.close();
      return;
    }
    long id = ids.incrementAndGet();
    DownstreamConnection dc = DownstreamConnection.of(id, proxy, port);
    connections.put(conn, dc);
    conn.closeHandler(v -> connections.remove(conn));
    if (!http1) {
      strict.http2Started();
    } else if (!strict.installed() && p.get("httpEncoder") != null) {
      // not reached in practice (the sniffer installs it right after Vert.x built the codec); should Vert.x change how
      // it tells h1 from h2c, the strict checks still run from the first request on: from "h2c", Vert.x passes that
      // request on after calling this handler
      p.addAfter(p.get("h2c") != null ? "h2c" : "httpEncoder", StrictHttpHandler.NAME, strict);
    }
  }

  private synchronized void installFront(Channel serverChannel) {
    if (front) {
      return;
    }
    if (serverChannel.pipeline().get(FRONT_NAME) == null) {
      // before the ServerBootstrap acceptor, which adds Vert.x's child handler after ours
      serverChannel.pipeline().addFirst(FRONT_NAME, new FrontInstaller());
    }
    front = true;
    // SSL nodes of this process reach the server without the kernel (the same front: gate, sniffer, Vert.x); the
    // server's acceptor registers the channel on one of its loops, as for an accepted socket
    if (serverChannel.localAddress() instanceof InetSocketAddress bound) {
      inProcess = InProcess.bind(bound, (child, loop) -> serverChannel.pipeline().fireChannelRead(child));
    }
    frontInstalled.tryComplete();
  }

  /** On the server channel: puts the gate and the sniffer at the head of each accepted channel. */
  @Sharable
  private final class FrontInstaller extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Channel child) {
        StrictHttpHandler strict = new StrictHttpHandler(metrics, options.maxBodySize(), options.headerTimeout().toMillis(),
            options.requestTimeout().toMillis(), options.proxyProtocol(),
            http1 == null ? null : DownstreamListener.this::installHttp1);
        child.attr(STRICT).set(strict);
        int open = accepted.incrementAndGet();
        child.closeFuture().addListener(f -> accepted.decrementAndGet());
        if (options.maxConnections() > 0 && open > options.maxConnections()) {
          strict.refuseOverCapacity();
        }
        child.pipeline().addFirst(ProxyProtocolGate.HANDLER_NAME, new ProxyProtocolGate(gateOptions, gateListener))
            .addAfter(ProxyProtocolGate.HANDLER_NAME, StrictHttpHandler.SNIFFER_NAME, strict.sniffer());
      }
      ctx.fireChannelRead(msg);
    }
  }

  /** The connection's info, or null if it was rejected or already closed. */
  public DownstreamConnection connection(HttpConnection conn) {
    return connections.get(conn);
  }

  /** Called by the request path for each HTTP/2 request: the first one ends the connection's header timer. */
  public static void http2RequestReceived(HttpConnection conn) {
    if (conn instanceof ConnectionBase cb) {
      StrictHttpHandler s = cb.channel().attr(STRICT).get();
      if (s != null) {
        s.http2RequestReceived();
      }
    }
  }

  public long activeConnections() {
    Http1Handlers h = http1;
    return connections.size() + (h == null ? 0 : h.openConnections());
  }

  public int port() {
    return port;
  }

  private void unbindInProcess() {
    InProcess.Binding b = inProcess;
    if (b != null) {
      b.close();
    }
  }

  /** Closes the listeners and every connection that is left. */
  public Future<Void> close() {
    unbindInProcess();
    Http1Handlers h = http1;
    if (h != null) {
      h.close();
    }
    List<Future<Void>> fs = new ArrayList<>();
    synchronized (servers) {
      servers.forEach(s -> fs.add(s.close().recover(t -> Future.succeededFuture())));
    }
    return Future.all(fs).mapEmpty();
  }

  /**
   * Stops accepting new connections. Open ones get Vert.x's graceful shutdown (HTTP/1.1: closed after the response
   * in flight; HTTP/2: GOAWAY) and are forced closed by {@link #close} at the end of the drain.
   */
  public Future<Void> stopAccepting() {
    unbindInProcess();
    Http1Handlers h = http1;
    if (h != null) {
      h.drain();
    }
    synchronized (servers) {
      servers.forEach(s -> s.shutdown(java.time.Duration.ofHours(1)));
    }
    return Future.succeededFuture();
  }
}
