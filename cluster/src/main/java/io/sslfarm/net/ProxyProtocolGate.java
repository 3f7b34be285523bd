package io.sslfarm.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of a server pipeline that accepts a PROXY protocol v2 header only from trusted peers.
 *
 * <pre>
 *   connect ─▶ peer in trusted CIDRs? ──no──▶ close, untrusted_source (nothing read, nothing relayed)
 *                 │yes
 *                 ▼
 *   [gate] ─▶ [HAProxyMessageDecoder] ─▶ [gate tail] ─▶ tier handlers …
 *     │ checks the first 16 bytes as they come: v2 signature, version 2, declared length ≤ max
 *     ▼
 *   HAProxyMessage ─▶ channel attribute PROXY_INFO, then channelActive, then ProxyHeaderReceived(info),
 *                     then the bytes that followed the header; gate, decoder and tail are gone from the pipeline.
 * </pre>
 *
 * Anything else closes the connection without a byte reaching the later handlers, and reports a
 * {@link ProxyGateRejection} to the {@link ProxyGateListener}: a non-PROXY first byte (TLS ClientHello, HTTP, a v1
 * header) or a bad field is {@code malformed_header}; a declared length above the maximum, {@code header_too_long}; no
 * complete header within the timeout, {@code header_timeout}; the peer closing first, {@code closed_before_header}
 * (no byte) or {@code malformed_header} (a truncated header). Netty's {@link HAProxyMessageDecoder} does the parsing.
 *
 * <p>Later handlers see {@code channelActive} only once the header was accepted, so they never start work (an upstream
 * connect, a TLS handshake timer) for a connection that is then refused; for a refused connection they see no event
 * but the pipeline's teardown. With {@code AUTO_READ=false} the gate requests the reads it needs itself.
 *
 * <p>In direct mode ({@link ProxyProtocolGateOptions#setRequired required=false}) no header is read: the gate stores
 * {@link ProxyInfo#fromChannel} as {@link #PROXY_INFO}, passes {@code channelActive}, fires
 * {@link ProxyHeaderReceived} and removes itself.
 *
 * <p>One instance per channel (not sharable).
 */
public final class ProxyProtocolGate extends ChannelInboundHandlerAdapter {

  /** The accepted header (or, in direct mode, the connection's own addresses). */
  public static final AttributeKey<ProxyInfo> PROXY_INFO = AttributeKey.valueOf("sslfarm.proxyInfo");

  /** Suggested handler name. */
  public static final String HANDLER_NAME = "sslfarm-proxy-gate";

  private static final Logger LOG = LoggerFactory.getLogger(ProxyProtocolGate.class);

  /** §2.2: signature, then 0x2? (version 2). */
  private static final byte[] SIGNATURE = ProxyHeaderEncoder.signature();
  /** Netty: header limit = 216 (largest address block) + 16 + maxTlvSize; ours is checked first, so keep Netty's above. */
  private static final int NETTY_ADDRESS_ALLOWANCE = 216;

  private enum State { INIT, AWAITING_HEADER, DONE, REJECTED }

  private final ProxyProtocolGateOptions options;
  private final ProxyGateListener listener;
  private final byte[] fixed = new byte[ProxyHeaderEncoder.FIXED_HEADER_BYTES];
  private int fixedSeen;
  private State state = State.INIT;
  private boolean activeFired;
  private ScheduledFuture<?> timeout;
  private ChannelHandlerContext ctx;
  private Tail tail;

  public ProxyProtocolGate(ProxyProtocolGateOptions options, ProxyGateListener listener) {
    this.options = Objects.requireNonNull(options, "options");
    this.listener = listener == null ? ProxyGateListener.NOOP : listener;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
      initialize(ctx);
    }
  }

  @Override
  public void channelRegistered(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      initialize(ctx);
    }
    ctx.fireChannelRegistered();
  }

  private void initialize(ChannelHandlerContext ctx) {
    if (state != State.INIT) {
      return;
    }
    Channel ch = ctx.channel();
    if (!options.isRequired()) {
      state = State.DONE;
      ch.attr(PROXY_INFO).set(ProxyInfo.fromChannel(ch));
      return;
    }
    // a peer in this process is one of our own tiers (InProcess): as trusted as the listener itself
    if (!InProcessAddress.isInProcess(ch.remoteAddress()) && !options.getTrustedSources().contains(ch.remoteAddress())) {
      reject(ProxyGateRejection.UNTRUSTED_SOURCE, null);
      return;
    }
    state = State.AWAITING_HEADER;
    String decoderName = ctx.name() + "-decoder";
    String tailName = ctx.name() + "-tail";
    tail = new Tail();
    ctx.pipeline().addAfter(ctx.name(), decoderName,
        new HAProxyMessageDecoder(Math.max(1, options.getMaxHeaderBytes() - NETTY_ADDRESS_ALLOWANCE)));
    ctx.pipeline().addAfter(decoderName, tailName, tail);
    long nanos = options.getHeaderTimeout().toNanos();
    if (nanos > 0) {
      timeout = ctx.executor().schedule(() -> reject(ProxyGateRejection.HEADER_TIMEOUT, null), nanos,
          TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    initialize(ctx);
    switch (state) {
      case DONE -> {
        // direct mode
        ProxyInfo info = ctx.channel().attr(PROXY_INFO).get();
        activeFired = true;
        ctx.fireChannelActive();
        notifyAccepted(ctx.channel(), info);
        ctx.fireUserEventTriggered(new ProxyHeaderReceived(info));
        if (ctx.pipeline().context(this) != null) {
          ctx.pipeline().remove(this);
        }
      }
      case AWAITING_HEADER -> {
        // channelActive is held back; later handlers that would read() in it cannot yet
        if (!ctx.channel().config().isAutoRead()) {
          ctx.read();
        }
      }
      default -> {
        // rejected: closing
      }
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    switch (state) {
      case AWAITING_HEADER -> {
        if (msg instanceof ByteBuf buf && !checkFixedPart(buf)) {
          buf.release();
          return;
        }
        ctx.fireChannelRead(msg);
      }
      case DONE -> ctx.fireChannelRead(msg);
      default -> ReferenceCountUtil.release(msg);
    }
  }

  /**
   * Checks the bytes of the 16-byte fixed part as they arrive, so that a client that speaks first (TLS, HTTP) is refused
   * at its first byte and an oversized header at its 16th. Returns false if it rejected the connection.
   */
  private boolean checkFixedPart(ByteBuf buf) {
    int i = buf.readerIndex();
    while (fixedSeen < fixed.length && i < buf.writerIndex()) {
      byte b = buf.getByte(i++);
      fixed[fixedSeen] = b;
      if (fixedSeen < SIGNATURE.length && b != SIGNATURE[fixedSeen]) {
        reject(ProxyGateRejection.MALFORMED_HEADER, new HAProxyProtocolException(
            fixedSeen == 0 && b == 0x16 ? "a TLS record instead of a PROXY v2 header"
                : "not a PROXY v2 signature (byte " + fixedSeen + " is 0x" + Integer.toHexString(b & 0xff) + ")"));
        return false;
      }
      if (fixedSeen == 12 && (b & 0xf0) != 0x20) {
        // §2.2: the high nibble of byte 13 is the version, which must be 2
        reject(ProxyGateRejection.MALFORMED_HEADER,
            new HAProxyProtocolException("PROXY version " + ((b & 0xf0) >> 4) + ", expected 2"));
        return false;
      }
      fixedSeen++;
      if (fixedSeen == fixed.length) {
        int length = ((fixed[14] & 0xff) << 8) | (fixed[15] & 0xff);
        if (ProxyHeaderEncoder.FIXED_HEADER_BYTES + length > options.getMaxHeaderBytes()) {
          reject(ProxyGateRejection.HEADER_TOO_LONG, new HAProxyProtocolException("header of "
              + (ProxyHeaderEncoder.FIXED_HEADER_BYTES + length) + " bytes exceeds the maximum of "
              + options.getMaxHeaderBytes()));
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (state == State.AWAITING_HEADER && evt instanceof ChannelInputShutdownEvent) {
      peerGone(null);
      return;
    }
    if (state == State.REJECTED) {
      ReferenceCountUtil.release(evt);
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (state == State.AWAITING_HEADER) {
      peerGone(null);
    }
    cancelTimeout();
    if (activeFired) {
      ctx.fireChannelInactive();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (state == State.AWAITING_HEADER) {
      peerGone(cause);
    } else if (state == State.DONE) {
      ctx.fireExceptionCaught(cause);
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancelTimeout();
  }

  private void peerGone(Throwable cause) {
    reject(fixedSeen == 0 ? ProxyGateRejection.CLOSED_BEFORE_HEADER : ProxyGateRejection.MALFORMED_HEADER,
        cause != null ? cause : fixedSeen == 0 ? null
            : new HAProxyProtocolException("connection ended inside the PROXY header"));
  }

  private void reject(ProxyGateRejection reason, Throwable cause) {
    if (state == State.REJECTED || state == State.DONE) {
      return;
    }
    state = State.REJECTED;
    cancelTimeout();
    Channel ch = ctx.channel();
    dropDecoder();
    LOG.debug("PROXY gate closes {}: {}{}", ch, reason.tag(), cause == null ? "" : " (" + cause.getMessage() + ")");
    try {
      listener.onRejected(ch, reason, cause);
    } catch (RuntimeException e) {
      LOG.warn("proxy gate listener failed in onRejected", e);
    }
    ch.close();
  }

  private void accept(ChannelHandlerContext tailCtx, ProxyInfo info) {
    if (state != State.AWAITING_HEADER) {
      return;
    }
    state = State.DONE;
    cancelTimeout();
    Channel ch = tailCtx.channel();
    ch.attr(PROXY_INFO).set(info);
    activeFired = true;
    notifyAccepted(ch, info);
    tailCtx.fireChannelActive();
    tailCtx.fireUserEventTriggered(new ProxyHeaderReceived(info));
    // the decoder removes itself when this read returns and passes on the bytes that followed the header
    tailCtx.pipeline().remove(tail);
    ctx.pipeline().remove(this);
  }

  /**
   * Removes the decoder, then the tail: the decoder hands the partial header it holds to the tail on removal, which
   * releases it (on a plain teardown the tail goes first and those bytes would reach the pipeline's end).
   */
  private void dropDecoder() {
    if (tail == null) {
      return;
    }
    try {
      if (ctx.pipeline().get(HAProxyMessageDecoder.class) != null) {
        ctx.pipeline().remove(HAProxyMessageDecoder.class);
      }
      if (ctx.pipeline().context(tail) != null) {
        ctx.pipeline().remove(tail);
      }
    } catch (java.util.NoSuchElementException e) {
      // already torn down
    }
  }

  private void notifyAccepted(Channel ch, ProxyInfo info) {
    try {
      listener.onAccepted(ch, info);
    } catch (RuntimeException e) {
      LOG.warn("proxy gate listener failed in onAccepted", e);
    }
  }

  private void cancelTimeout() {
    if (timeout != null) {
      timeout.cancel(false);
      timeout = null;
    }
  }

  /** Sits after the decoder: takes the decoded header and the decoder's failures; drops everything after a rejection. */
  private final class Tail extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext tailCtx, Object msg) {
      if (msg instanceof HAProxyMessage m && state == State.AWAITING_HEADER) {
        ProxyInfo info;
        try {
          info = ProxyInfo.fromNetty(m);
        } catch (IllegalArgumentException e) {
          reject(ProxyGateRejection.MALFORMED_HEADER, e);
          return;
        } finally {
          m.release();
        }
        accept(tailCtx, info);
      } else if (state == State.DONE) {
        tailCtx.fireChannelRead(msg);
      } else {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext tailCtx) {
      if (state == State.DONE) {
        tailCtx.fireChannelReadComplete();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext tailCtx, Throwable cause) {
      if (state == State.AWAITING_HEADER) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        reject(ProxyGateRejection.MALFORMED_HEADER, c);
      } else if (state == State.DONE) {
        tailCtx.fireExceptionCaught(cause);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext tailCtx) {
      if (state == State.DONE) {
        tailCtx.fireChannelInactive();
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext tailCtx, Object evt) {
      if (state == State.DONE) {
        tailCtx.fireUserEventTriggered(evt);
      } else {
        ReferenceCountUtil.release(evt);
      }
    }
  }
}
