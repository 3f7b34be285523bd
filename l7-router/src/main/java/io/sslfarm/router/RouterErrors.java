package io.sslfarm.router;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The one place where the router answers by itself. Every status the router emits (never the backends') is a
 * {@link Reason}: its status, a short plain-text body, whether the connection is closed afterwards, and a metric
 * ({@code sslfarm.router.rejected{reason}}).
 *
 * <p>Two ways out, same reasons: {@link #send(HttpServerRequest, Reason, RouterMetrics)} for requests Vert.x handed
 * to the proxy handler, and {@link #sendAndClose(ChannelHandlerContext, Reason, RouterMetrics, boolean)} for
 * framing errors caught in the Netty pipeline before Vert.x ever saw the request.
 */
public final class RouterErrors {

  /** Why the router answered by itself. */
  public enum Reason {
    /** Unparseable request line or header line (including bare CR / LF inside a header, NUL). */
    BAD_REQUEST(400, "bad request", true),
    /**
     * A header line continued on the next line by SP or HTAB (obs-fold, RFC 9112 §5.2), or whitespace between the
     * request line and the first header: rejected, never unfolded and forwarded (as nginx does), since a proxy and a
     * backend that unfold differently disagree on the headers.
     */
    OBS_FOLD(400, "obs-fold in request header", true),
    /**
     * A request header name containing {@code _}, with {@code router.headers-with-underscores: reject}: CGI-style
     * backends read {@code X_Forwarded_For} as {@code X-Forwarded-For}, so such names could pass the strip list.
     */
    UNDERSCORE_IN_HEADER(400, "underscore in request header name", true),
    /** Content-Length together with Transfer-Encoding (RFC 9112 §6.1: a smuggling vector). */
    CONTENT_LENGTH_WITH_TRANSFER_ENCODING(400, "content-length with transfer-encoding", true),
    /** Duplicate, conflicting, negative or non-numeric Content-Length. */
    BAD_CONTENT_LENGTH(400, "invalid content-length", true),
    /** A Transfer-Encoding other than chunked, or chunked not last. */
    BAD_TRANSFER_ENCODING(400, "invalid transfer-encoding", true),
    /** A chunk size line that is not hex, or a chunk not followed by CRLF. */
    BAD_CHUNK(400, "invalid chunked body", true),
    /**
     * The request target has no single meaning: not origin-form, absolute-form with a scheme other than http/https,
     * asterisk-form, a path with a malformed percent escape, {@code %00}, or a {@code ..} above the root
     * (see {@link io.sslfarm.router.route.RequestTarget}).
     */
    BAD_REQUEST_TARGET(400, "invalid request target", true),
    /**
     * An absolute-form request target whose authority differs from the Host header (case-insensitive, default port
     * normalised): the router would route on one host and the backend (RFC 9112 §3.2.2) act on the other.
     */
    AUTHORITY_MISMATCH(400, "request target authority differs from host", true),
    /** Request line longer than router.max-initial-line. */
    URI_TOO_LONG(414, "request line too long", true),
    /** Header block larger than router.max-header-size. */
    HEADERS_TOO_LARGE(431, "request headers too large", true),
    /** Body (declared or streamed) larger than router.max-body-size. */
    BODY_TOO_LARGE(413, "request body too large", true),
    /**
     * An HTTP/2 GET, HEAD, DELETE, OPTIONS or TRACE without Content-Length whose body (read into memory before
     * forwarding) exceeds router.h2-buffered-body-max: only that stream is answered, the connection stays open.
     */
    H2_BUFFERED_BODY_TOO_LARGE(413, "request body too large", false),
    /** The request head did not arrive within router.header-timeout of its first byte. */
    HEADER_TIMEOUT(408, "request header timeout", true),
    /** The whole request did not arrive within router.request-timeout of its first byte. */
    REQUEST_TIMEOUT(408, "request timeout", true),
    /**
     * No body bytes for router.body-timeout while the router was reading the body. HTTP/1.x: the connection is closed;
     * HTTP/2: only that stream is answered.
     */
    BODY_TIMEOUT(408, "request body timeout", true),
    /** No route matches the host/path and there is no default pool (or it names an unknown pool). */
    NO_ROUTE(503, "no route", false),
    /** The pool has no backend that is up, not ejected and weighted above 0. */
    NO_BACKEND(503, "no backend available", false),
    /** Strict stickiness: the session's backend is down or gone. */
    STICKY_BACKEND_DOWN(503, "sticky backend unavailable", false),
    /**
     * All of the backend's router.upstream-max-connections are busy and router.upstream-queue-size requests already
     * wait: saturation, not failure, so the backend is not ejected and the request is not retried elsewhere (Envoy's
     * circuit-breaker overflow).
     */
    UPSTREAM_QUEUE_FULL(503, "service unavailable: upstream queue full", false),
    /** No connection to the backend came free within router.upstream-queue-timeout; the backend is not ejected. */
    UPSTREAM_QUEUE_TIMEOUT(503, "service unavailable: upstream queue timeout", false),
    /**
     * Connecting to the backend failed (refused, unreachable, TCP connect timeout); the backend is ejected for a while
     * and the request tried once on another.
     */
    UPSTREAM_CONNECT(502, "bad gateway: upstream connect failed", false),
    /** The backend closed or reset the connection, or sent an invalid response, before a full response head. */
    UPSTREAM_ERROR(502, "bad gateway: upstream error", false),
    /** No response head from the backend within router.upstream-response-timeout. */
    UPSTREAM_TIMEOUT(504, "gateway timeout", false),
    /** The TCP peer is not in router.trusted-proxies: closed on connect, before a byte is read, without a response. */
    UNTRUSTED_PROXY(0, "", true),
    /**
     * No valid PROXY v2 header (not v2, malformed, too long, truncated) or none within router.header-timeout: closed
     * without a response, nothing relayed.
     */
    BAD_PROXY_HEADER(0, "", true),
    /**
     * The protocol spoken does not match the PROXY ALPN TLV: the HTTP/2 preface on a connection whose ALPN is not
     * {@code h2}, or HTTP/1.x bytes on one whose ALPN is {@code h2}. Closed without a response.
     */
    ALPN_MISMATCH(0, "", true),
    /**
     * An HTTP/1.1 request with {@code Upgrade: h2c} (RFC 7540 §3.2; removed from RFC 9113). The router does not
     * upgrade cleartext connections, like HAProxy: the upgrade is refused, the connection closed, the request not
     * forwarded. HTTP/2 comes only with the ALPN TLV {@code h2} (or, in direct mode, with the prior-knowledge preface).
     */
    H2C_UPGRADE(0, "", true),
    /**
     * The router already holds router.max-connections downstream connections: this one is answered (HTTP/1.x: its
     * first request) and closed, never served. HTTP/2 connections are closed without a response.
     */
    TOO_MANY_CONNECTIONS(503, "service unavailable: too many connections", true);

    private final int status;
    private final String body;
    private final boolean close;
    private final String tag;

    Reason(int status, String body, boolean close) {
      this.status = status;
      this.body = body + "\n";
      this.close = close;
      this.tag = name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public int status() {
      return status;
    }

    public String body() {
      return body;
    }

    /** True if the connection is closed after the answer (framing can no longer be trusted). */
    public boolean closesConnection() {
      return close;
    }

    /** The metric tag, e.g. {@code content-length-with-transfer-encoding}. */
    public String tag() {
      return tag;
    }
  }

  private RouterErrors() {
  }

  /**
   * Answers a request Vert.x has parsed. Does nothing but count if the response head was already sent (the
   * connection is then reset instead, so the client sees a truncated response rather than a wrong one).
   */
  public static void send(HttpServerRequest request, Reason reason, RouterMetrics metrics) {
    metrics.rejected(reason);
    HttpServerResponse resp = request.response();
    if (resp.headWritten() || resp.closed()) {
      if (!resp.closed()) {
        resp.reset();
      }
      return;
    }
    resp.headers().clear();
    resp.setStatusCode(reason.status())
        .putHeader(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .putHeader(HttpHeaderNames.CACHE_CONTROL, "no-store");
    if (request.version() == io.vertx.core.http.HttpVersion.HTTP_2) {
      // no connection-specific header in HTTP/2 (RFC 9113 §8.2.2: the stream would be reset with PROTOCOL_ERROR), and
      // a refused request ends its own stream only: the other streams' framing is intact
      resp.end(reason.body());
    } else if (reason.closesConnection()) {
      resp.putHeader(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      resp.end(reason.body()).onComplete(v -> request.connection().close());
    } else {
      resp.end(reason.body());
    }
  }

  /**
   * Answers a request the router's own HTTP/1.x path has parsed ({@code ctx}'s outbound path passes through the
   * response encoder). The connection stays open if the reason allows it and {@code keepAlive}; the returned future
   * completes when the answer is written (and the connection closed, if it is).
   */
  public static ChannelFuture send(ChannelHandlerContext ctx, Reason reason, RouterMetrics metrics,
      HttpVersion version, boolean keepAlive) {
    metrics.rejected(reason);
    boolean close = reason.closesConnection() || !keepAlive;
    byte[] body = reason.body().getBytes(StandardCharsets.UTF_8);
    FullHttpResponse r = new DefaultFullHttpResponse(version == HttpVersion.HTTP_1_0 ? HttpVersion.HTTP_1_0
        : HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reason.status()), Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    if (close) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (version == HttpVersion.HTTP_1_0) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    ChannelFuture f = ctx.writeAndFlush(r);
    if (close) {
      f.addListener(ChannelFutureListener.CLOSE);
    }
    return f;
  }

  /**
   * Answers from the Netty pipeline (HTTP/1.x framing errors, timeouts) and closes the connection.
   *
   * @param ctx             a context whose outbound path passes through the HTTP response encoder
   * @param responseStarted true if a response is already partly written on this connection: then it just closes
   */
  public static void sendAndClose(ChannelHandlerContext ctx, Reason reason, RouterMetrics metrics,
      boolean responseStarted) {
    metrics.rejected(reason);
    if (responseStarted || reason.status() == 0 || !ctx.channel().isActive()) {
      ctx.close();
      return;
    }
    byte[] body = reason.body().getBytes(StandardCharsets.UTF_8);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.valueOf(reason.status()), Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * Answers with HTTP/1.1 bytes written below the HTTP codec (a request whose head never completed, before Vert.x built
   * its HTTP/1.x pipeline) and closes the connection. Status 0 reasons just close.
   */
  public static void sendRawAndClose(ChannelHandlerContext ctx, Reason reason, RouterMetrics metrics) {
    metrics.rejected(reason);
    if (reason.status() == 0 || !ctx.channel().isActive()) {
      ctx.close();
      return;
    }
    HttpResponseStatus st = HttpResponseStatus.valueOf(reason.status());
    byte[] body = reason.body().getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.1 " + st.code() + " " + st.reasonPhrase() + "\r\n"
        + "content-type: text/plain; charset=utf-8\r\n"
        + "content-length: " + body.length + "\r\n"
        + "cache-control: no-store\r\n"
        + "connection: close\r\n\r\n";
    ctx.writeAndFlush(Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), body))
        .addListener(ChannelFutureListener.CLOSE);
  }
}
