package io.sslfarm.router.listener;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.ContentLengthNotAllowedException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.TransferEncodingNotAllowedException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.sslfarm.router.RouterErrors;
import io.sslfarm.router.RouterErrors.Reason;
import io.sslfarm.router.RouterMetrics;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Strict HTTP/1.x framing in front of Vert.x, for one connection. Vert.x's own handling of a decoder failure is a
 * generic 400/431/414 produced outside {@link RouterErrors}; this handler sits between Netty's request decoder and
 * Vert.x's connection handler and turns every framing problem into a documented {@link Reason} — the request never
 * reaches Vert.x, the connection is closed:
 *
 * <pre>
 *   bytes ─▶ [Sniffer] ─▶ httpDecoder ─▶ httpEncoder ─▶ [StrictHttpHandler] ─▶ Vert.x handler
 *            starts the                                    checks each HttpRequest / HttpContent,
 *            header/request timers                         tracks the response in progress
 * </pre>
 *
 * Netty 4.2's decoder already fails: Content-Length with Transfer-Encoding (RFC 9112 §6.3, {@code
 * ContentLengthNotAllowedException}), duplicate/invalid Content-Length, bad chunk sizes and terminators, header and
 * line limits, control characters in header names and values. This handler maps those failures to reasons, and adds:
 * Transfer-Encoding other than exactly {@code chunked} (RFC 9112 §6.3 rule 4 for requests), more than one Host or none
 * on HTTP/1.1 (RFC 9112 §3.2), Content-Length over the body limit, streamed bodies over the limit, and the header and
 * request timeouts (slowloris).
 *
 * <p>Threading: all methods run on the channel's event loop.
 */
public final class StrictHttpHandler extends ChannelDuplexHandler {

  /** Pipeline name of the part placed before the decoder. */
  public static final String SNIFFER_NAME = "sslfarmSniffer";
  public static final String NAME = "sslfarmStrict";

  private enum State { IDLE, HEAD, BODY, REJECTED }

  private final RouterMetrics metrics;
  private final long maxBody;
  private final long headerTimeoutMs;
  private final long requestTimeoutMs;
  private State state = State.IDLE;
  private long bodyBytes;
  private int responsesInProgress;
  private boolean responseHeadSent;
  private ScheduledFuture<?> headerTimer;
  private ScheduledFuture<?> requestTimer;
  private ChannelHandlerContext ctx;

  public StrictHttpHandler(RouterMetrics metrics, long maxBody, long headerTimeoutMs, long requestTimeoutMs) {
    this.metrics = metrics;
    this.maxBody = maxBody;
    this.headerTimeoutMs = headerTimeoutMs;
    this.requestTimeoutMs = requestTimeoutMs;
  }

  /** The part that watches raw bytes: the first byte of a request starts its timers. Add it before the decoder. */
  public ChannelInboundHandlerAdapter sniffer() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext c, Object msg) {
        if (state == State.REJECTED) {
          ReferenceCountUtil.release(msg); // nothing after a rejected request is parsed
          return;
        }
        if (state == State.IDLE && msg instanceof ByteBuf b && b.isReadable()) {
          startTimers();
          state = State.HEAD;
        }
        c.fireChannelRead(msg);
      }
    };
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  private void startTimers() {
    if (headerTimeoutMs > 0 && ctx != null) {
      headerTimer = ctx.executor().schedule(() -> timeout(Reason.HEADER_TIMEOUT), headerTimeoutMs,
          TimeUnit.MILLISECONDS);
    }
    if (requestTimeoutMs > 0 && ctx != null) {
      requestTimer = ctx.executor().schedule(() -> timeout(Reason.REQUEST_TIMEOUT), requestTimeoutMs,
          TimeUnit.MILLISECONDS);
    }
  }

  private void timeout(Reason r) {
    if (state == State.HEAD || (state == State.BODY && r == Reason.REQUEST_TIMEOUT)) {
      reject(r);
    }
  }

  private static void cancel(ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (state == State.REJECTED) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpObject o) {
      Reason bad = check(o);
      if (bad != null) {
        ReferenceCountUtil.release(msg);
        reject(bad);
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  private Reason check(HttpObject o) {
    if (o instanceof HttpRequest req) {
      cancel(headerTimer);
      if (state == State.IDLE) {
        startTimers(); // a pipelined request whose bytes came with the previous one
        cancel(headerTimer);
      }
      state = State.BODY;
      bodyBytes = 0;
      DecoderResult dr = req.decoderResult();
      if (dr.isFailure()) {
        return classify(dr.cause(), false);
      }
      Reason r = checkHead(req);
      if (r != null) {
        return r;
      }
    }
    if (o instanceof HttpContent c) {
      if (c.decoderResult().isFailure()) {
        return classify(c.decoderResult().cause(), true);
      }
      bodyBytes += c.content().readableBytes();
      if (maxBody > 0 && bodyBytes > maxBody) {
        return Reason.BODY_TOO_LARGE;
      }
      if (c instanceof LastHttpContent) {
        cancel(requestTimer);
        state = State.IDLE;
      }
    }
    return null;
  }

  private Reason checkHead(HttpRequest req) {
    HttpHeaders h = req.headers();
    List<String> te = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
    List<String> cl = h.getAll(HttpHeaderNames.CONTENT_LENGTH);
    if (!te.isEmpty() && !cl.isEmpty()) {
      return Reason.CONTENT_LENGTH_WITH_TRANSFER_ENCODING;
    }
    if (!te.isEmpty()) {
      // RFC 9112 §6.3: for a request, chunked must be the final (here: the only) coding, else 400
      if (te.size() != 1 || !"chunked".equals(te.get(0).trim().toLowerCase(Locale.ROOT))
          || req.protocolVersion() == HttpVersion.HTTP_1_0) {
        return Reason.BAD_TRANSFER_ENCODING;
      }
    }
    if (cl.size() > 1) {
      return Reason.BAD_CONTENT_LENGTH;
    }
    if (cl.size() == 1) {
      String v = cl.get(0).trim();
      if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
        return Reason.BAD_CONTENT_LENGTH;
      }
      if (maxBody > 0 && Long.parseLong(v) > maxBody) {
        return Reason.BODY_TOO_LARGE;
      }
    }
    int hosts = h.getAll(HttpHeaderNames.HOST).size();
    if (hosts > 1 || (hosts == 0 && req.protocolVersion() == HttpVersion.HTTP_1_1)) {
      return Reason.BAD_REQUEST;
    }
    return null;
  }

  private static Reason classify(Throwable cause, boolean inBody) {
    if (cause instanceof TooLongHttpLineException) {
      return Reason.URI_TOO_LONG;
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return Reason.HEADERS_TOO_LARGE;
    }
    if (cause instanceof ContentLengthNotAllowedException) {
      return Reason.CONTENT_LENGTH_WITH_TRANSFER_ENCODING;
    }
    if (cause instanceof TransferEncodingNotAllowedException) {
      return Reason.BAD_TRANSFER_ENCODING;
    }
    if (inBody) {
      return Reason.BAD_CHUNK;
    }
    String m = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
    if (m.contains("content-length")) {
      return Reason.BAD_CONTENT_LENGTH;
    }
    if (m.contains("transfer-encoding")) {
      return Reason.BAD_TRANSFER_ENCODING;
    }
    return Reason.BAD_REQUEST;
  }

  private void reject(Reason r) {
    if (state == State.REJECTED) {
      return;
    }
    state = State.REJECTED;
    cancel(headerTimer);
    cancel(requestTimer);
    RouterErrors.sendAndClose(ctx, r, metrics, responseHeadSent);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
    if (state == State.REJECTED && msg instanceof HttpObject) {
      // Vert.x answering a request we already rejected: drop, the connection is closing
      ReferenceCountUtil.release(msg);
      promise.setSuccess();
      return;
    }
    if (msg instanceof HttpResponse) {
      responsesInProgress++;
      responseHeadSent = true;
    }
    if (msg instanceof LastHttpContent) {
      responsesInProgress = Math.max(0, responsesInProgress - 1);
      responseHeadSent = responsesInProgress > 0;
    }
    super.write(ctx, msg, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancel(headerTimer);
    cancel(requestTimer);
    super.channelInactive(ctx);
  }
}
