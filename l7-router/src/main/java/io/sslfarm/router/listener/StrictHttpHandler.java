package io.sslfarm.router.listener;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
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
import io.sslfarm.net.ProxyInfo;
import io.sslfarm.net.ProxyProtocolGate;
import io.sslfarm.router.RouterMetrics;
import java.nio.charset.StandardCharsets;
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
 * obs-fold (RFC 9112 §5.2, which Netty unfolds silently), Transfer-Encoding other than exactly {@code chunked} (RFC 9112
 * §6.3 rule 4 for requests), more than one Host or none
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

  /** RFC 9113 §3.4: the client connection preface. */
  private static final byte[] H2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final RouterMetrics metrics;
  private final java.util.function.BiConsumer<ChannelHandlerContext, StrictHttpHandler> http1;
  /** The connection's first bytes while they may still be the HTTP/2 preface (the own HTTP/1.x path only). */
  private ByteBuf undecided;
  private boolean decided;
  /** Accepted beyond router.max-connections: answered 503 (HTTP/1.x) or closed once the protocol is known. */
  private boolean overCapacity;
  private final long maxBody;
  private final long headerTimeoutMs;
  private final long requestTimeoutMs;
  private final boolean proxyRequired;
  private State state = State.IDLE;
  private long bodyBytes;
  private int responsesInProgress;
  private boolean responseHeadSent;
  /** System.nanoTime() deadlines of the request in progress; Long.MAX_VALUE = none. */
  private long headerDeadline = Long.MAX_VALUE;
  private long requestDeadline = Long.MAX_VALUE;
  /**
   * One timer per connection, armed for the earliest deadline and re-armed lazily when it fires (as Netty's
   * IdleStateHandler does): a keep-alive request costs two field writes instead of scheduling and cancelling two tasks.
   */
  private ScheduledFuture<?> timer;
  private long timerAt;
  private ChannelHandlerContext ctx;
  private ChannelHandlerContext snifferCtx;
  /** Bytes of the H2 preface matched so far; -1 once the first bytes are known not to be the preface. */
  private int prefaceMatched;
  private boolean http2;
  /** Buffer index of the first byte that is not the preface's, in the read where it came; -1 before. */
  private int firstMismatch = -1;
  /** The previous read ended with the LF of a non-empty line (an obs-fold may start the next read). */
  private boolean pendingLf;
  /** The last two bytes of the previous read (tail1 the very last), for the obs-fold check at a read's start. */
  private byte tail1;
  private byte tail2;

  /**
   * @param proxyRequired true if a PROXY header precedes the HTTP bytes: then its ALPN TLV decides the protocol
   *                      ({@code h2} = HTTP/2 prior knowledge only, anything else = HTTP/1.x only); false (direct mode):
   *                      both, told apart by the preface
   */
  public StrictHttpHandler(RouterMetrics metrics, long maxBody, long headerTimeoutMs, long requestTimeoutMs,
      boolean proxyRequired) {
    this(metrics, maxBody, headerTimeoutMs, requestTimeoutMs, proxyRequired, null);
  }

  /**
   * @param http1 if not null, an HTTP/1.x connection is not left to Vert.x: once its first bytes tell it is not the
   *              HTTP/2 preface, {@code http1} replaces everything after the sniffer with the router's own HTTP/1.x
   *              pipeline (codec, this handler, …); bytes that cannot tell yet are held until they can
   */
  public StrictHttpHandler(RouterMetrics metrics, long maxBody, long headerTimeoutMs, long requestTimeoutMs,
      boolean proxyRequired, java.util.function.BiConsumer<ChannelHandlerContext, StrictHttpHandler> http1) {
    this.http1 = http1;
    this.metrics = metrics;
    this.maxBody = maxBody;
    this.headerTimeoutMs = headerTimeoutMs;
    this.requestTimeoutMs = requestTimeoutMs;
    this.proxyRequired = proxyRequired;
  }

  /**
   * The part that watches raw bytes from the start of the connection (placed right after the PROXY gate): the first
   * byte of a request starts its timers, and the first bytes of the connection are checked against the ALPN TLV.
   */
  public ChannelInboundHandlerAdapter sniffer() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void handlerAdded(ChannelHandlerContext c) {
        snifferCtx = c;
      }

      @Override
      public void channelRead(ChannelHandlerContext c, Object msg) {
        if (state == State.REJECTED) {
          ReferenceCountUtil.release(msg); // nothing after a rejected request is parsed
          return;
        }
        if (msg instanceof ByteBuf b && b.isReadable()) {
          if (http1 != null && !decided) {
            decide(c, b);
            return;
          }
          if (prefaceMatched >= 0 && prefaceMatched < H2_PREFACE.length) {
            int before = b.readerIndex();
            if (!checkPreface(c, b)) {
              ReferenceCountUtil.release(msg);
              return;
            }
            if (state == State.IDLE && !http2) {
              startTimers();
              state = State.HEAD;
            }
            if (prefaceMatched < 0 && firstMismatch >= 0) {
              // Vert.x tells HTTP/1.x from h2c by these first bytes: let them through alone so that it builds its
              // HTTP/1.x pipeline, then take our place right after the codec (before its "h2c" upgrade handler)
              // before the first request head can be decoded
              int decisive = firstMismatch - before + 1;
              c.fireChannelRead(b.readRetainedSlice(decisive));
              installAfterCodec(c);
              if (!b.isReadable() || state == State.REJECTED) {
                b.release();
                return;
              }
            }
          } else if (state == State.IDLE && !http2) {
            startTimers();
            state = State.HEAD;
          }
          forwardRejectingObsFold(c, b);
          return;
        }
        c.fireChannelRead(msg);
      }

      @Override
      public void handlerRemoved(ChannelHandlerContext c) {
        releaseUndecided();
      }

      @Override
      public void channelInactive(ChannelHandlerContext c) {
        releaseUndecided();
        c.fireChannelInactive();
      }
    };
  }

  /**
   * The own HTTP/1.x path: the first bytes decide between HTTP/1.x (the router's pipeline is installed and gets every
   * byte) and the HTTP/2 preface (Vert.x's pipeline stays and gets every byte); until they can, they are held.
   */
  private void decide(ChannelHandlerContext c, ByteBuf b) {
    if (!checkPreface(c, b)) {
      b.release();
      releaseUndecided();
      return;
    }
    if (state == State.IDLE && !http2) {
      startTimers();
      state = State.HEAD;
    }
    ByteBuf all = undecided == null ? b : Unpooled.wrappedBuffer(undecided, b);
    if (prefaceMatched >= 0 && prefaceMatched < H2_PREFACE.length) {
      undecided = all; // "P", "PR", …: could still be either
      return;
    }
    undecided = null;
    decided = true;
    firstMismatch = -1;
    if (overCapacity) {
      all.release();
      http2 = prefaceMatched >= 0;
      reject(Reason.TOO_MANY_CONNECTIONS); // HTTP/1.x: 503 written below the codec; HTTP/2: closed
      return;
    }
    if (prefaceMatched < 0) {
      http1.accept(c, this); // installs the codec and this handler after the sniffer (sets ctx)
      forwardRejectingObsFold(c, all);
    } else {
      c.fireChannelRead(all); // HTTP/2 prior knowledge: Vert.x's
    }
  }

  private void releaseUndecided() {
    ByteBuf u = undecided;
    if (u != null) {
      undecided = null;
      u.release();
    }
  }

  /**
   * Passes {@code b} on to the decoder, rejecting obs-fold (RFC 9112 §5.2: a header line continued on the next line by
   * SP or HTAB). Netty's decoder unfolds such lines silently, so the check is on the raw bytes: a byte sequence LF
   * followed by SP/HTAB, where the LF ends a non-empty line. Whether that LF is inside a request head or a body only the
   * decoder knows, so the bytes up to that LF are handed to it first; if no request head was completed by them (our
   * state, updated synchronously by {@link #check}, is not BODY), the continuation line belongs to a head. Reads
   * without such a sequence (nearly all) go on in one piece.
   */
  private void forwardRejectingObsFold(ChannelHandlerContext c, ByteBuf b) {
    if (http2 || ctx == null) {
      c.fireChannelRead(b); // HTTP/2 frames, or no HTTP/1.x codec to follow: nothing to check
      return;
    }
    int start = b.readerIndex();
    int end = b.writerIndex();
    if (pendingLf) {
      // the previous read ended with a header line's LF: its continuation may start this one
      pendingLf = false;
      if (isSpOrHtab(b.getByte(start)) && state != State.BODY) {
        b.release();
        reject(Reason.OBS_FOLD);
        return;
      }
    }
    int from = start;
    int i = start;
    while (i < end) {
      int lf = b.indexOf(i, end, (byte) '\n');
      if (lf < 0) {
        break;
      }
      if (lf == end - 1) {
        pendingLf = endsNonEmptyLine(b, start, lf);
        break;
      }
      if (isSpOrHtab(b.getByte(lf + 1)) && endsNonEmptyLine(b, start, lf)) {
        c.fireChannelRead(b.retainedSlice(from, lf + 1 - from));
        from = lf + 1;
        if (state != State.BODY) {
          // REJECTED: the decoder's part failed already; HEAD or IDLE: the LF ended a line of a request head
          b.release();
          reject(Reason.OBS_FOLD); // no-op if already rejected
          return;
        }
      }
      i = lf + 1;
    }
    if (end - start >= 2) {
      tail2 = b.getByte(end - 2);
      tail1 = b.getByte(end - 1);
    } else if (end > start) {
      tail2 = tail1;
      tail1 = b.getByte(start);
    }
    if (from == start) {
      c.fireChannelRead(b);
    } else {
      if (from < end) {
        c.fireChannelRead(b.retainedSlice(from, end - from));
      }
      b.release();
    }
  }

  private static boolean isSpOrHtab(byte x) {
    return x == ' ' || x == '\t';
  }

  /** False if the LF at {@code lf} ends an empty line (LF LF or LF CR LF: the end of a head). */
  private boolean endsNonEmptyLine(ByteBuf b, int start, int lf) {
    byte p1 = lf - 1 >= start ? b.getByte(lf - 1) : tail1;
    byte p2 = lf - 2 >= start ? b.getByte(lf - 2) : (lf - 1 >= start ? tail1 : tail2);
    return !(p1 == '\n' || (p1 == '\r' && p2 == '\n'));
  }

  /** Matches the connection's first bytes against the H2 preface; false if the connection was rejected. */
  private boolean checkPreface(ChannelHandlerContext c, ByteBuf b) {
    for (int i = b.readerIndex(); i < b.writerIndex() && prefaceMatched < H2_PREFACE.length; i++) {
      if (b.getByte(i) != H2_PREFACE[prefaceMatched]) {
        prefaceMatched = -1;
        firstMismatch = i;
        break;
      }
      prefaceMatched++;
    }
    String alpn = proxyRequired ? alpn(c) : null;
    boolean wantH2 = "h2".equals(alpn);
    if (prefaceMatched == H2_PREFACE.length) {
      http2 = true;
      if (proxyRequired && !wantH2) {
        reject(Reason.ALPN_MISMATCH);
        return false;
      }
      if (state == State.IDLE) {
        startTimers(); // the first request's head must follow within the header timeout
        cancelRequestTimer();
        state = State.HEAD;
      }
    } else if (prefaceMatched < 0 && proxyRequired && wantH2) {
      reject(Reason.ALPN_MISMATCH);
      return false;
    }
    return true;
  }

  private static String alpn(ChannelHandlerContext c) {
    ProxyInfo info = c.channel().attr(ProxyProtocolGate.PROXY_INFO).get();
    return info == null ? null : info.alpn();
  }

  /** Puts this handler right after Vert.x's HTTP/1.x response encoder, if Vert.x built that pipeline. */
  private void installAfterCodec(ChannelHandlerContext c) {
    firstMismatch = -1;
    ChannelPipeline p = c.pipeline();
    if (ctx == null && p.get(NAME) == null && p.get("httpDecoder") != null && p.get("httpEncoder") != null) {
      p.addAfter("httpEncoder", NAME, this);
    }
  }

  /** The router holds too many connections: this one is refused as soon as its protocol is known. */
  public void refuseOverCapacity() {
    overCapacity = true;
  }

  /** True if this handler is already after the HTTP/1.x codec. */
  public boolean installed() {
    return ctx != null;
  }

  /** True if the connection started with the HTTP/2 prior-knowledge preface. */
  public boolean sawH2Preface() {
    return prefaceMatched == H2_PREFACE.length;
  }

  /** Vert.x made the connection HTTP/2: the header timer stays until the first request arrives. */
  void http2Started() {
    http2 = true;
  }

  /** An HTTP/2 request was handed to the router: the first one ends the header timer. */
  void http2RequestReceived() {
    if (state == State.HEAD) {
      cancelTimers();
      state = State.IDLE;
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  private void startTimers() {
    long now = System.nanoTime();
    headerDeadline = headerTimeoutMs > 0 ? now + TimeUnit.MILLISECONDS.toNanos(headerTimeoutMs) : Long.MAX_VALUE;
    requestDeadline = requestTimeoutMs > 0 ? now + TimeUnit.MILLISECONDS.toNanos(requestTimeoutMs) : Long.MAX_VALUE;
    arm();
  }

  private void cancelHeaderTimer() {
    headerDeadline = Long.MAX_VALUE;
  }

  private void cancelRequestTimer() {
    requestDeadline = Long.MAX_VALUE;
  }

  private void cancelTimers() {
    headerDeadline = Long.MAX_VALUE;
    requestDeadline = Long.MAX_VALUE;
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  /** Makes sure a timer fires no later than the earliest deadline (an earlier one re-arms itself when it fires). */
  private void arm() {
    long next = Math.min(headerDeadline, requestDeadline);
    if (next == Long.MAX_VALUE || (timer != null && timerAt <= next)) {
      return;
    }
    ChannelHandlerContext c = ctx != null ? ctx : snifferCtx;
    if (c == null) {
      return;
    }
    if (timer != null) {
      timer.cancel(false);
    }
    timerAt = next;
    timer = c.executor().schedule(this::onTimer, Math.max(0, next - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  private void onTimer() {
    timer = null;
    long now = System.nanoTime();
    if (state == State.HEAD && now - headerDeadline >= 0) {
      reject(Reason.HEADER_TIMEOUT);
    } else if ((state == State.HEAD || state == State.BODY) && now - requestDeadline >= 0) {
      reject(Reason.REQUEST_TIMEOUT);
    } else if (state == State.HEAD || state == State.BODY) {
      arm();
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
      if (state == State.IDLE) {
        startTimers(); // a pipelined request whose bytes came with the previous one
      }
      cancelHeaderTimer();
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
        cancelRequestTimer();
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
    if (h.contains(HttpHeaderNames.UPGRADE) && h.containsValue(HttpHeaderNames.UPGRADE, "h2c", true)) {
      // RFC 7540 §3.2 cleartext upgrade: not offered (like HAProxy), the request goes on as HTTP/1.1
      h.remove(HttpHeaderNames.UPGRADE).remove("http2-settings");
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
    cancelTimers();
    if (ctx != null) {
      RouterErrors.sendAndClose(ctx, r, metrics, responseHeadSent);
    } else if (http2 || snifferCtx == null) {
      // no HTTP/1.x encoder to answer through (HTTP/2, or the ALPN check): count and close
      metrics.rejected(r);
      if (snifferCtx != null) {
        snifferCtx.close();
      }
    } else {
      // the first request of the connection, before Vert.x built its HTTP/1.x pipeline
      RouterErrors.sendRawAndClose(snifferCtx, r, metrics);
    }
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
    cancelTimers();
    super.channelInactive(ctx);
  }
}
