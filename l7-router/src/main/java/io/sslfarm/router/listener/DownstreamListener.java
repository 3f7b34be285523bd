package io.sslfarm.router.listener;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.sslfarm.router.RouterErrors;
import io.sslfarm.router.RouterMetrics;
import io.sslfarm.router.RouterOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's downstream HTTP listener: N Vert.x HTTP servers on one port (one event loop each).
 *
 * <p>Per connection, in {@code connectionHandler} (which Vert.x calls after the PROXY header was decoded and before
 * any request byte is parsed): the real TCP peer ({@code remoteAddress(true)}) must be in the trusted set when the
 * PROXY protocol is required, else the connection is closed ({@link RouterErrors.Reason#UNTRUSTED_PROXY}); the
 * {@link DownstreamInfo} is built from the PROXY source and TLVs; for HTTP/1.x the {@link StrictHttpHandler} is put
 * around Netty's request decoder. HTTP/2 comes as prior-knowledge h2c (the SSL tier relays the client's h2 after
 * TLS, ALPN TLV {@code h2}); Vert.x detects the connection preface ({@code setHttp2ClearTextEnabled}).
 *
 * <p>The server's connection object is Vert.x-internal ({@link ConnectionBase}); this class is the only place that
 * reaches into it, to get the Netty channel.
 */
public final class DownstreamListener {

  private static final Logger LOG = LoggerFactory.getLogger(DownstreamListener.class);

  private final Vertx vertx;
  private final RouterOptions options;
  private final RouterMetrics metrics;
  private final TrustedProxies trusted;
  private final Map<HttpConnection, DownstreamInfo> infos = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final List<HttpServer> servers = new ArrayList<>();
  private int port;

  public DownstreamListener(Vertx vertx, RouterOptions options, RouterMetrics metrics) {
    this.vertx = vertx;
    this.options = options;
    this.metrics = metrics;
    this.trusted = TrustedProxies.parse(options.trustedProxies());
    metrics.registerConnections(infos::size);
  }

  /** Binds {@code instances} servers on the configured port; completes with the bound port. */
  public Future<Integer> listen(Handler<HttpServerRequest> requestHandler) {
    int n = options.eventLoops() > 0 ? options.eventLoops() : Runtime.getRuntime().availableProcessors();
    Future<HttpServer> first = create(requestHandler).listen(options.port(), options.host());
    return first.compose(s -> {
      port = s.actualPort();
      List<Future<HttpServer>> rest = new ArrayList<>();
      for (int i = 1; i < n; i++) {
        rest.add(create(requestHandler).listen(port, options.host()));
      }
      return Future.all(rest).map(v -> port);
    });
  }

  private HttpServer create(Handler<HttpServerRequest> requestHandler) {
    HttpServerOptions so = new HttpServerOptions()
        .setUseProxyProtocol(options.proxyProtocol())
        .setProxyProtocolTimeout(Math.max(1, options.headerTimeout().toMillis()))
        .setProxyProtocolTimeoutUnit(TimeUnit.MILLISECONDS)
        .setMaxHeaderSize(options.maxHeaderSize())
        .setMaxInitialLineLength(options.maxInitialLine())
        .setHttp2ClearTextEnabled(true)
        .setHandle100ContinueAutomatically(true)
        .setCompressionSupported(false)
        .setDecompressionSupported(false)
        .setTcpNoDelay(true)
        .setReuseAddress(true)
        .setIdleTimeout((int) options.idleTimeout().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    HttpServer server = vertx.createHttpServer(so);
    server.connectionHandler(this::onConnection);
    server.requestHandler(requestHandler);
    synchronized (servers) {
      servers.add(server);
    }
    return server;
  }

  private void onConnection(HttpConnection conn) {
    long id = ids.incrementAndGet();
    SocketAddress peer = conn.remoteAddress(true);
    if (options.proxyProtocol() && (peer == null || !trusted.containsLiteral(peer.hostAddress()))) {
      metrics.rejected(RouterErrors.Reason.UNTRUSTED_PROXY);
      LOG.warn("conn#{} closed: PROXY header from untrusted peer {} (trusted: {})", id, peer, trusted);
      conn.close();
      return;
    }
    SocketAddress client = conn.remoteAddress();
    SocketAddress front = conn.localAddress();
    DownstreamInfo info = DownstreamInfo.of(id, client == null ? "" : client.hostAddress(),
        client == null ? 0 : client.port(), front == null ? port : front.port(),
        options.proxyProtocol() ? conn.proxyProtocolV2HeaderTLVs() : null);
    infos.put(conn, info);
    conn.closeHandler(v -> infos.remove(conn));
    if (conn instanceof ConnectionBase cb) {
      Channel ch = cb.channel();
      ChannelPipeline p = ch.pipeline();
      if (p.get("httpDecoder") != null && p.get("httpEncoder") != null) {
        StrictHttpHandler strict = new StrictHttpHandler(metrics, options.maxBodySize(),
            options.headerTimeout().toMillis(), options.requestTimeout().toMillis());
        // With h2c enabled, Vert.x calls this handler from its "h2c" upgrade handler once the first request head is
        // decoded, and then passes that request on from "h2c": placing ours after "h2c" makes it see that request.
        p.addAfter(p.get("h2c") != null ? "h2c" : "httpEncoder", StrictHttpHandler.NAME, strict);
        p.addBefore("httpDecoder", StrictHttpHandler.SNIFFER_NAME, strict.sniffer());
      }
    }
  }

  /** The connection's info, or null if it was rejected or already closed. */
  public DownstreamInfo info(HttpConnection conn) {
    return infos.get(conn);
  }

  public long activeConnections() {
    return infos.size();
  }

  public int port() {
    return port;
  }

  /** Closes the listeners and every connection that is left. */
  public Future<Void> close() {
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
    synchronized (servers) {
      servers.forEach(s -> s.shutdown(java.time.Duration.ofHours(1)));
    }
    return Future.succeededFuture();
  }
}
