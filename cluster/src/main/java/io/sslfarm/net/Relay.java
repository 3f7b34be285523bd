package io.sslfarm.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.channel.ReflectiveChannelFactory;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bidirectional byte pipe between a downstream channel (the client's) and an upstream channel, with back-pressure,
 * TCP half-close, close/error propagation, byte counts and an idle timeout. The piping every L4 tier uses.
 *
 * <pre>
 *   client ──▶ [downstream channel … Relay handler] ──write──▶ [upstream channel … Relay handler] ──▶ upstream
 *          ◀──                                     ◀──write──                                  ◀──
 *   a side's reads pause (autoRead off) while the other side's channel is not writable, and resume on
 *   channelWritabilityChanged; ByteBufs are passed through as read, never copied.
 * </pre>
 *
 * <h2>Use</h2>
 * <pre>{@code
 * // in the downstream pipeline, once the connection is accepted (or on ProxyHeaderReceived):
 * Relay relay = Relay.prepare(downstream, options, listener);   // buffers client bytes (bounded) from now on
 * Relay.upstreamBootstrap(downstream).connect(address).addListener((ChannelFuture f) -> {
 *   if (f.isSuccess()) {
 *     relay.start(f.channel(), ProxyHeaderEncoder.encode(info, f.channel().alloc())); // header, buffered bytes, relay
 *   } else if (!relay.isClosed()) {
 *     // try another upstream: the buffered bytes are kept until start(); or give up with relay.close()
 *   }
 * });
 * }</pre>
 * {@link #start(Channel, Channel, RelayOptions, RelayListener)} does both steps when the upstream is already connected.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Both channels must be on the same event loop (connect the upstream with
 *       {@code Bootstrap.group(downstream.eventLoop())}, as {@link #upstreamBootstrap} does): the relay's state is then
 *       touched by one thread only. The relay handler is added last in each pipeline; bytes it reads are written with
 *       its own context (so an {@code SslHandler} before it encrypts them).</li>
 *   <li>Half-close needs {@code ChannelOption.ALLOW_HALF_CLOSURE=true} on both channels (child option of the server,
 *       option of the upstream bootstrap). EOF on one side then becomes, once every earlier byte was flushed, a
 *       half-close of the other side's output; when both directions are done both channels are closed
 *       ({@link CloseReason#COMPLETED}). Without it, EOF closes that channel, and the other one is closed after its
 *       pending writes were flushed.</li>
 *   <li>An exception on either channel (e.g. connection reset) closes both at once.</li>
 *   <li>The upstream channel should not read before {@link #start} ({@code AUTO_READ=false}); the relay turns
 *       auto-read on for both channels when it starts and manages it from then on.</li>
 * </ul>
 */
public final class Relay {

  /** The relay handler's name in each pipeline. */
  public static final String HANDLER_NAME = "sslfarm-relay";

  private static final Logger LOG = LoggerFactory.getLogger(Relay.class);

  /** Which way bytes go. */
  public enum Direction {
    /** Read from the downstream (client) channel, written to the upstream. */
    TO_UPSTREAM,
    /** Read from the upstream channel, written to the downstream (client). */
    TO_DOWNSTREAM
  }

  /** Why a relay ended; {@link #tag()} is the metric tag value. */
  public enum CloseReason {
    /** Both sides half-closed (EOF both ways), everything delivered. */
    COMPLETED,
    /** The downstream channel closed (without half-close, or before the upstream was attached). */
    DOWNSTREAM_CLOSED,
    /** The upstream channel closed. */
    UPSTREAM_CLOSED,
    /** An exception on the downstream channel (reset, TLS error, ...). */
    DOWNSTREAM_ERROR,
    /** An exception on the upstream channel. */
    UPSTREAM_ERROR,
    /** No byte moved either way for the idle timeout. */
    IDLE,
    /** {@link Relay#close()} was called (e.g. no upstream could be connected). */
    ABORTED;

    public String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Channel downstreamChannel;
  private final EventLoop loop;
  private final RelayListener listener;
  private final long idleTimeoutNanos;
  private final int maxPendingBytes;
  private final Function<Channel, ChannelFuture> downstreamOutputShutdown;
  private final Function<Channel, ChannelFuture> upstreamOutputShutdown;
  private final long startNanos = System.nanoTime();
  private final Promise<RelayStats> closePromise;

  private final Side down;
  private Side up;
  private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
  private int pendingBytes;
  private boolean started;
  private CloseReason closeReason;
  private Throwable closeCause;
  private int openChannels;
  private boolean reported;

  private volatile long bytesToUpstream;
  private volatile long bytesToDownstream;

  private long lastActivityNanos = System.nanoTime();
  private long lastPendingWriteSample;
  private ScheduledFuture<?> idleTask;

  private Relay(Channel downstream, RelayOptions options, RelayListener listener) {
    this.downstreamChannel = downstream;
    this.loop = downstream.eventLoop();
    this.listener = listener == null ? RelayListener.NOOP : listener;
    this.idleTimeoutNanos = options.getIdleTimeout().toNanos();
    this.maxPendingBytes = options.getMaxPendingBytes();
    this.downstreamOutputShutdown = options.getDownstreamOutputShutdown();
    this.upstreamOutputShutdown = options.getUpstreamOutputShutdown();
    this.closePromise = loop.newPromise();
    this.down = new Side(downstream, true);
  }

  /**
   * Attaches a relay to the downstream channel (handler added last in its pipeline). From now on bytes from the client
   * are buffered, up to {@link RelayOptions#getMaxPendingBytes()} (then the client is not read until {@link #start}).
   * Call it before the downstream's first bytes are read past the end of the pipeline.
   */
  public static Relay prepare(Channel downstream, RelayOptions options, RelayListener listener) {
    Objects.requireNonNull(downstream, "downstream");
    Relay relay = new Relay(downstream, options == null ? new RelayOptions() : options, listener);
    relay.openChannels = 1;
    downstream.closeFuture().addListener(f -> relay.channelClosed());
    downstream.pipeline().addLast(HANDLER_NAME, relay.down);
    if (relay.idleTimeoutNanos > 0) {
      relay.loop.execute(() -> relay.scheduleIdle(relay.idleTimeoutNanos));
    }
    relay.loop.execute(() -> {
      keepRegistered(downstream);
      relay.updateAutoRead(relay.down);
    });
    return relay;
  }

  /** Relays between two connected channels right away: {@link #prepare} then {@link #start(Channel)}. */
  public static Relay start(Channel downstream, Channel upstream, RelayOptions options, RelayListener listener) {
    return writeThenRelay(downstream, upstream, null, options, listener);
  }

  /**
   * Writes {@code preamble} (e.g. a PROXY v2 header) upstream first, then relays: {@link #prepare} then
   * {@link #start(Channel, ByteBuf)}. Ownership of {@code preamble} passes to the relay.
   */
  public static Relay writeThenRelay(Channel downstream, Channel upstream, ByteBuf preamble, RelayOptions options,
      RelayListener listener) {
    Relay relay = prepare(downstream, options, listener);
    relay.start(upstream, preamble);
    return relay;
  }

  /** {@link #start(Channel, ByteBuf)} without a preamble. */
  public void start(Channel upstream) {
    start(upstream, null);
  }

  /**
   * Attaches the connected upstream channel: writes {@code preamble} (if not null), then the buffered downstream bytes,
   * then relays both ways. If the relay is already closed (the client went away meanwhile), {@code upstream} is closed
   * and {@code preamble} released. Ownership of {@code preamble} passes to the relay. May be called from any thread.
   *
   * @throws IllegalArgumentException if {@code upstream} is not on the downstream channel's event loop
   * @throws IllegalStateException    if already started
   */
  public void start(Channel upstream, ByteBuf preamble) {
    Objects.requireNonNull(upstream, "upstream");
    if (upstream.eventLoop() != loop) {
      ReferenceCountUtil.safeRelease(preamble);
      throw new IllegalArgumentException("the upstream channel must be on the downstream channel's event loop: "
          + "connect it with Bootstrap.group(downstream.eventLoop()) (see Relay.upstreamBootstrap)");
    }
    if (loop.inEventLoop()) {
      start0(upstream, preamble);
    } else {
      loop.execute(() -> start0(upstream, preamble));
    }
  }

  private void start0(Channel upstream, ByteBuf preamble) {
    if (started) {
      ReferenceCountUtil.safeRelease(preamble);
      throw new IllegalStateException("relay already started");
    }
    if (closeReason != null) {
      ReferenceCountUtil.safeRelease(preamble);
      upstream.close();
      return;
    }
    started = true;
    up = new Side(upstream, false);
    down.peer = up;
    up.peer = down;
    openChannels++;
    upstream.closeFuture().addListener(f -> channelClosed());
    keepRegistered(upstream);
    upstream.pipeline().addLast(HANDLER_NAME, up);
    if (!upstream.isActive()) {
      ReferenceCountUtil.safeRelease(preamble);
      closeAll(CloseReason.UPSTREAM_CLOSED, null, false);
      return;
    }
    if (preamble != null) {
      up.ctx.write(preamble, up.ctx.voidPromise());
    }
    ByteBuf b;
    while ((b = pending.poll()) != null) {
      up.ctx.write(b, up.ctx.voidPromise());
    }
    pendingBytes = 0;
    up.ctx.flush();
    if (down.inputShutdown) {
      propagateShutdown(up);
    }
    updateAutoRead(down);
    updateAutoRead(up);
  }

  /** Closes both channels now (reason {@link CloseReason#ABORTED}, unless already closing). Any thread. */
  public void close() {
    if (loop.inEventLoop()) {
      closeAll(CloseReason.ABORTED, null, false);
    } else {
      loop.execute(() -> closeAll(CloseReason.ABORTED, null, false));
    }
  }

  /** True once the relay started closing (it will not relay any more bytes). */
  public boolean isClosed() {
    return closeReason != null;
  }

  public boolean isStarted() {
    return started;
  }

  /** Completes with the final stats once both channels are closed (never fails). */
  public Future<RelayStats> closeFuture() {
    return closePromise;
  }

  /** Bytes read from the downstream so far; readable from any thread. */
  public long bytesToUpstream() {
    return bytesToUpstream;
  }

  /** Bytes read from the upstream so far; readable from any thread. */
  public long bytesToDownstream() {
    return bytesToDownstream;
  }

  public Channel downstream() {
    return downstreamChannel;
  }

  /** The upstream channel, or null before {@link #start}. */
  public Channel upstream() {
    Side u = up;
    return u == null ? null : u.ch;
  }

  /**
   * A bootstrap for the upstream connection that fits the relay: the downstream's event loop and channel class,
   * {@code ALLOW_HALF_CLOSURE=true}, {@code AUTO_READ=false}, the downstream's write-buffer water marks, and a no-op
   * handler (replace it to add e.g. an {@code SslHandler}; the relay handler is added last by {@link #start}).
   */
  public static Bootstrap upstreamBootstrap(Channel downstream) {
    return new Bootstrap()
        .group(downstream.eventLoop())
        .channelFactory(UPSTREAM_CHANNELS.get(tcpType(downstream)))
        .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, downstream.config().getWriteBufferWaterMark())
        .handler(NoopHandler.INSTANCE);
  }

  /**
   * The class of the downstream's transport: its own, or for an in-process accepted channel the listener's TCP socket
   * class (the upstream may be on another host; an in-process upstream is chosen by {@link InProcess#route}).
   */
  private static Class<? extends Channel> tcpType(Channel downstream) {
    if (downstream instanceof InProcessChannel ip) {
      if (ip.tcpType() == null) {
        throw new IllegalStateException("in-process channel " + ip + " has no TCP socket class to connect upstream with:"
            + " bind its listener with InProcess.bind(address, tcpType, acceptor)");
      }
      return ip.tcpType();
    }
    return downstream.getClass();
  }

  /**
   * Upstream channel factories by downstream channel class, made once per class (a {@link ReflectiveChannelFactory}
   * looks its constructor up when created): epoll sockets with the {@link EpollTransport} fix, else the same class.
   */
  private static final ClassValue<io.netty.channel.ChannelFactory<? extends Channel>> UPSTREAM_CHANNELS =
      new ClassValue<>() {
        @Override
        @SuppressWarnings("unchecked")
        protected io.netty.channel.ChannelFactory<? extends Channel> computeValue(Class<?> type) {
          return type == io.netty.channel.epoll.EpollSocketChannel.class && EpollTransport.usable()
              ? EpollTransport.channelFactory()
              : new ReflectiveChannelFactory<>((Class<? extends Channel>) type);
        }
      };

  /** The epoll half-close fix of {@link EpollTransport} (a no-op on other transports); on the channel's loop. */
  private static void keepRegistered(Channel ch) {
    try {
      EpollTransport.keepRegistered(ch);
    } catch (io.netty.channel.ChannelException e) {
      LOG.debug("relay: {}", e.toString());
    }
  }

  /**
   * The default output half-close: {@code shutdownOutput()} (TCP FIN) on a {@link DuplexChannel} with half-closure
   * allowed, a full close otherwise.
   */
  public static ChannelFuture shutdownOutput(Channel ch) {
    if (ch instanceof DuplexChannel d && Boolean.TRUE.equals(ch.config().getOption(ChannelOption.ALLOW_HALF_CLOSURE))) {
      return d.shutdownOutput();
    }
    return ch.close();
  }

  // ---- event-loop-only machinery below ----

  private void onRead(Side from, ByteBuf buf) {
    int n = buf.readableBytes();
    if (closeReason != null || n == 0) {
      buf.release();
      return;
    }
    lastActivityNanos = System.nanoTime();
    Direction dir;
    if (from.isDownstream) {
      bytesToUpstream += n;
      dir = Direction.TO_UPSTREAM;
    } else {
      bytesToDownstream += n;
      dir = Direction.TO_DOWNSTREAM;
    }
    try {
      listener.onBytes(dir, n);
    } catch (RuntimeException e) {
      LOG.warn("relay listener failed in onBytes", e);
    }
    if (!started) {
      pending.add(buf);
      pendingBytes += n;
      if (pendingBytes >= maxPendingBytes) {
        updateAutoRead(down);
      }
      return;
    }
    Side to = from.peer;
    if (to.outputShutdown || !to.ch.isActive()) {
      buf.release();
      return;
    }
    to.ctx.write(buf, to.ctx.voidPromise());
    to.needsFlush = true;
    if (!to.ch.isWritable()) {
      // stop this read loop now: the other side's queue is above its high water mark
      to.flush();
      updateAutoRead(from);
    }
  }

  private boolean wantsRead(Side s) {
    if (closeReason != null || s.inputShutdown) {
      return false;
    }
    if (!started) {
      return s.isDownstream && pendingBytes < maxPendingBytes;
    }
    return s.peer.ch.isWritable();
  }

  private void updateAutoRead(Side s) {
    if (s == null) {
      return;
    }
    boolean want = wantsRead(s);
    if (s.ch.config().isAutoRead() != want) {
      s.ch.config().setAutoRead(want);
    }
  }

  private void propagateShutdown(Side to) {
    if (to.outputShutdownRequested || !to.ch.isActive()) {
      return;
    }
    to.outputShutdownRequested = true;
    to.needsFlush = false;
    Function<Channel, ChannelFuture> shutdown = to.isDownstream ? downstreamOutputShutdown : upstreamOutputShutdown;
    // the empty write completes once every earlier write was flushed: only then send FIN
    to.ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
      if (!f.isSuccess()) {
        closeAll(to.isDownstream ? CloseReason.DOWNSTREAM_ERROR : CloseReason.UPSTREAM_ERROR, f.cause(), false);
        return;
      }
      shutdown.apply(to.ch).addListener((ChannelFutureListener) sf -> {
        if (sf.isSuccess()) {
          to.outputShutdown = true;
          checkCompleted();
        } else if (closeReason == null) {
          closeAll(to.isDownstream ? CloseReason.DOWNSTREAM_ERROR : CloseReason.UPSTREAM_ERROR, sf.cause(), false);
        }
      });
    });
  }

  private void checkCompleted() {
    if (up != null && down.inputShutdown && up.inputShutdown && down.outputShutdown && up.outputShutdown) {
      closeAll(CloseReason.COMPLETED, null, false);
    }
  }

  /**
   * Starts closing. {@code graceful}: flush what is queued on the surviving side(s) before closing them.
   */
  private void closeAll(CloseReason reason, Throwable cause, boolean graceful) {
    if (closeReason != null) {
      return;
    }
    closeReason = reason;
    closeCause = cause;
    if (idleTask != null) {
      idleTask.cancel(false);
    }
    ByteBuf b;
    while ((b = pending.poll()) != null) {
      b.release();
    }
    pendingBytes = 0;
    closeSide(down, graceful);
    closeSide(up, graceful);
  }

  private static void closeSide(Side s, boolean graceful) {
    if (s == null || !s.ch.isOpen()) {
      return;
    }
    if (graceful && s.ctx != null && s.ch.isActive()) {
      s.ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    } else {
      s.ch.close();
    }
  }

  private void channelClosed() {
    if (!loop.inEventLoop()) {
      loop.execute(this::channelClosed);
      return;
    }
    openChannels--;
    if (closeReason == null) {
      // the close future completes before channelInactive runs: whichever comes first decides
      sideGone(!down.ch.isOpen() ? down : up);
    }
    if (openChannels == 0 && !reported) {
      reported = true;
      RelayStats stats = new RelayStats(bytesToUpstream, bytesToDownstream, closeReason, closeCause,
          Duration.ofNanos(System.nanoTime() - startNanos));
      try {
        listener.onClosed(stats);
      } catch (RuntimeException e) {
        LOG.warn("relay listener failed in onClosed", e);
      }
      closePromise.trySuccess(stats);
    }
  }

  /**
   * A channel closed while the relay was running: flush what is queued towards the other side, then close it. If this
   * side had already finished both ways (EOF read, FIN sent), that is the normal end.
   */
  private void sideGone(Side s) {
    if (s.peer != null && s.peer.needsFlush) {
      s.peer.flush();
    }
    CloseReason reason;
    if (started && s.inputShutdown && s.outputShutdownRequested) {
      reason = CloseReason.COMPLETED;
    } else {
      reason = s.isDownstream ? CloseReason.DOWNSTREAM_CLOSED : CloseReason.UPSTREAM_CLOSED;
    }
    closeAll(reason, null, true);
  }

  private void scheduleIdle(long delayNanos) {
    if (closeReason != null) {
      return;
    }
    idleTask = loop.schedule(this::checkIdle, Math.max(delayNanos, TimeUnit.MILLISECONDS.toNanos(1)),
        TimeUnit.NANOSECONDS);
  }

  private void checkIdle() {
    if (closeReason != null) {
      return;
    }
    long now = System.nanoTime();
    long queued = queuedWriteBytes(down) + queuedWriteBytes(up);
    if (queued != lastPendingWriteSample) {
      // a write queue drained (or grew) since the last check: bytes are moving to a slow reader
      lastPendingWriteSample = queued;
      lastActivityNanos = now;
    }
    long idle = now - lastActivityNanos;
    if (idle >= idleTimeoutNanos) {
      LOG.debug("relay {} idle for {} ms: closing", downstreamChannel, TimeUnit.NANOSECONDS.toMillis(idle));
      closeAll(CloseReason.IDLE, null, false);
    } else {
      scheduleIdle(idleTimeoutNanos - idle);
    }
  }

  private static long queuedWriteBytes(Side s) {
    if (s == null) {
      return 0;
    }
    ChannelOutboundBuffer ob = s.ch.unsafe().outboundBuffer();
    return ob == null ? 0 : ob.totalPendingWriteBytes();
  }

  /** The relay handler of one channel. */
  private final class Side extends ChannelInboundHandlerAdapter {
    final Channel ch;
    final boolean isDownstream;
    ChannelHandlerContext ctx;
    Side peer;
    boolean needsFlush;
    boolean inputShutdown;
    boolean outputShutdownRequested;
    boolean outputShutdown;

    Side(Channel ch, boolean isDownstream) {
      this.ch = ch;
      this.isDownstream = isDownstream;
    }

    void flush() {
      needsFlush = false;
      ctx.flush();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf buf) {
        onRead(this, buf);
      } else {
        LOG.debug("relay on {} dropped a non-buffer message: {}", ch, msg.getClass().getName());
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (peer != null && peer.needsFlush) {
        peer.flush();
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (started) {
        updateAutoRead(peer);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        inputShutdown = true;
        lastActivityNanos = System.nanoTime();
        if (started && closeReason == null) {
          if (peer.needsFlush) {
            peer.flush();
          }
          propagateShutdown(peer);
          checkCompleted();
        }
      } else if (!(evt instanceof ChannelInputShutdownReadComplete)) {
        ctx.fireUserEventTriggered(evt);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (closeReason == null) {
        sideGone(this);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (closeReason == null) {
        LOG.debug("relay {} side error on {}: {}", isDownstream ? "downstream" : "upstream", ch, cause.toString());
        closeAll(isDownstream ? CloseReason.DOWNSTREAM_ERROR : CloseReason.UPSTREAM_ERROR, cause, false);
      }
    }
  }

  /** The placeholder handler of {@link #upstreamBootstrap}. */
  @ChannelHandler.Sharable
  private static final class NoopHandler extends ChannelInboundHandlerAdapter {
    static final NoopHandler INSTANCE = new NoopHandler();
  }
}
