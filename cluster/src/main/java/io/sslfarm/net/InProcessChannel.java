package io.sslfarm.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.internal.PlatformDependent;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One end of an in-process byte stream between two tiers of the same JVM: what a loopback TCP connection is, without
 * the kernel. {@link InProcess} connects one to a listener of this process that {@linkplain InProcess#bind bound} the
 * target address; the other end (the "child") is handed to that listener's acceptor, which registers it and builds
 * its pipeline as for an accepted socket.
 *
 * <p>Netty's {@code LocalChannel} does not run on 4.2's epoll event loops (it registers an {@code IoHandle} that
 * {@code EpollIoHandler} refuses); this channel needs no I/O handle at all, so both ends live on the tiers' own
 * epoll loops: on the same loop a flushed buffer reaches the peer's pipeline in the same call stack (bounded depth,
 * then a task), across loops in one task per batch.
 *
 * <h2>Like a socket, on purpose</h2>
 * <ul>
 *   <li><b>Flow control</b>: a write moves buffers (by reference, no copy) into the peer's receive queue only while
 *       that queue holds less than {@link #RECEIVE_BUFFER} bytes; the rest stays in this channel's outbound buffer,
 *       which makes the channel unwritable past its write-buffer high water mark exactly as a full socket does (the
 *       relay and Vert.x pause their source). When the peer has read the queue down to half, it flushes the writer.
 *       A peer that stops reading ({@code AUTO_READ=false}) therefore holds at most one receive buffer.</li>
 *   <li><b>Half-close</b>: a {@link DuplexChannel}; {@code shutdownOutput()} reaches the peer after the data written
 *       before it, as {@link ChannelInputShutdownEvent} when the peer allows half-closure, else as a close.</li>
 *   <li><b>Close</b>: the peer delivers what it had received, then closes.</li>
 *   <li><b>Options</b>: socket options ({@code TCP_NODELAY}, {@code SO_KEEPALIVE}, …) are accepted and ignored, so the
 *       tiers' bootstraps apply unchanged and nothing logs "unknown channel option" per connection.</li>
 *   <li><b>Addresses</b>: {@link InProcessAddress}, an {@code InetSocketAddress} (Vert.x and the metrics see the
 *       listener's address) that the PROXY gates recognise as a peer inside this process.</li>
 * </ul>
 * Only {@link ByteBuf}s are carried.
 */
public final class InProcessChannel extends AbstractChannel implements DuplexChannel {

  /** Bytes a receiver queues before its writer holds back (a loopback socket's receive buffer, in spirit). */
  static final int RECEIVE_BUFFER = 256 * 1024;
  /** Synchronous deliveries nested in one call stack before the next one becomes a task. */
  private static final int MAX_SYNC_DEPTH = 8;
  private static final FastThreadLocal<int[]> DEPTH = new FastThreadLocal<>() {
    @Override
    protected int[] initialValue() {
      return new int[1];
    }
  };
  private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);

  private enum State { OPEN, CONNECTED, CLOSED }

  private final Config config = new Config(this);
  private final boolean acceptedEnd;
  private final Class<? extends Channel> tcpType;
  /**
   * Received, not yet read: filled by the peer (any thread), polled only on this channel's loop (one consumer: an
   * MPSC queue, chunked, no node allocated per buffer).
   */
  private final Queue<ByteBuf> received = PlatformDependent.newMpscQueue();
  private final AtomicLong receivedBytes = new AtomicLong();
  private final AtomicBoolean deliveryScheduled = new AtomicBoolean();
  private final Runnable deliverTask = () -> {
    deliveryScheduled.set(false);
    deliver();
  };
  private volatile State state = State.OPEN;
  private volatile InProcessChannel peer;
  private volatile InProcessAddress localAddress;
  private volatile InProcessAddress remoteAddress;
  /** The peer gave up its output (closed or shut it down): after {@link #received} is drained, react. */
  private volatile boolean peerOutputDone;
  private volatile boolean peerClosed;
  /** The peer holds back writes because {@link #received} was full: flush it once we read it down. */
  private volatile boolean writerWaiting;
  private volatile boolean inputShutdown;
  private volatile boolean outputShutdown;
  // event loop only
  private boolean readRequested;
  private boolean inputShutdownFired;
  private ChannelPromise connectPromise;
  private ScheduledFuture<?> connectTimeout;

  /** A connecting end, as a {@code Bootstrap} makes it ({@link InProcess#bootstrap}). */
  public InProcessChannel() {
    super(null);
    this.acceptedEnd = false;
    this.tcpType = null;
  }

  /** The accepted end of {@code client}'s connection. */
  private InProcessChannel(InProcessChannel client, InProcessAddress local, InProcessAddress remote,
                           Class<? extends Channel> tcpType) {
    super(null);
    this.acceptedEnd = true;
    this.tcpType = tcpType;
    this.peer = client;
    this.localAddress = local;
    this.remoteAddress = remote;
  }

  /**
   * The socket class of the listener's TCP connections when this is an accepted end (see
   * {@link InProcess#bind(java.net.InetSocketAddress, Class, InProcess.Acceptor)}), else null.
   */
  public Class<? extends Channel> tcpType() {
    return tcpType;
  }

  // ---- Channel ----------------------------------------------------------------------------------------------------

  @Override
  public ChannelConfig config() {
    return config;
  }

  @Override
  public boolean isOpen() {
    return state != State.CLOSED;
  }

  @Override
  public boolean isActive() {
    return state == State.CONNECTED;
  }

  @Override
  public ChannelMetadata metadata() {
    return METADATA;
  }

  @Override
  public InProcessAddress localAddress() {
    return (InProcessAddress) super.localAddress();
  }

  @Override
  public InProcessAddress remoteAddress() {
    return (InProcessAddress) super.remoteAddress();
  }

  @Override
  protected SocketAddress localAddress0() {
    return localAddress;
  }

  @Override
  protected SocketAddress remoteAddress0() {
    return remoteAddress;
  }

  @Override
  protected boolean isCompatible(EventLoop loop) {
    return true; // no I/O handle: any loop runs it
  }

  @Override
  protected AbstractUnsafe newUnsafe() {
    return new Unsafe();
  }

  @Override
  protected void doRegister(ChannelPromise promise) {
    InProcessChannel client = peer;
    if (acceptedEnd && state == State.OPEN) {
      // the accepted end: connected from its first registration on
      state = State.CONNECTED;
      promise.setSuccess();
      // a task, also on the same loop: the client may write only once this registration has built our pipeline
      client.eventLoop().execute(() -> client.accepted(this));
      return;
    }
    promise.setSuccess();
  }

  @Override
  protected void doBind(SocketAddress localAddress) {
    throw new UnsupportedOperationException("an in-process channel is not bound: InProcess.bind registers listeners");
  }

  @Override
  protected void doDisconnect() {
    doClose();
  }

  @Override
  protected void doClose() {
    State before = state;
    state = State.CLOSED;
    ChannelPromise cp = connectPromise;
    if (cp != null) {
      connectPromise = null;
      cancelConnectTimeout();
      cp.tryFailure(new ClosedChannelException());
    }
    releaseReceived();
    InProcessChannel p = peer;
    if (p != null && before != State.CLOSED) {
      p.peerClosed = true;
      p.peerOutputDone = true;
      p.deliverSoon();
    }
  }

  @Override
  protected void doShutdownOutput() {
    outputShutdown = true;
    InProcessChannel p = peer;
    if (p != null) {
      p.peerOutputDone = true;
      p.deliverSoon();
    }
  }

  @Override
  protected void doBeginRead() {
    readRequested = true;
    deliver();
  }

  @Override
  protected Object filterOutboundMessage(Object msg) {
    if (msg instanceof ByteBuf) {
      return msg;
    }
    throw new UnsupportedOperationException("in-process channels carry ByteBuf only, not "
        + msg.getClass().getName());
  }

  @Override
  protected void doWrite(ChannelOutboundBuffer in) throws Exception {
    InProcessChannel p = peer;
    if (state != State.CONNECTED || p == null) {
      throw new ClosedChannelException();
    }
    boolean moved = false;
    for (;;) {
      Object msg = in.current();
      if (msg == null) {
        break;
      }
      if (p.state == State.CLOSED || p.inputShutdown) {
        in.remove(new ClosedChannelException());
        continue;
      }
      if (p.receivedBytes.get() >= RECEIVE_BUFFER) {
        p.writerWaiting = true;
        if (p.receivedBytes.get() >= RECEIVE_BUFFER) {
          break; // p flushes us when it has read its queue down (see deliver)
        }
      }
      ByteBuf buf = (ByteBuf) msg;
      p.receivedBytes.addAndGet(buf.readableBytes());
      p.received.add(buf.retain());
      in.remove();
      moved = true;
    }
    if (moved) {
      if (p.state == State.CLOSED) {
        p.releaseReceivedOnLoop(); // it closed while we queued: nobody else will
      } else {
        p.deliverSoon();
      }
    }
  }

  // ---- DuplexChannel ----------------------------------------------------------------------------------------------

  @Override
  public boolean isInputShutdown() {
    return inputShutdown || !isOpen();
  }

  @Override
  public ChannelFuture shutdownInput() {
    return shutdownInput(newPromise());
  }

  @Override
  public ChannelFuture shutdownInput(ChannelPromise promise) {
    runOnLoop(() -> {
      inputShutdown = true;
      releaseReceived();
      promise.trySuccess();
    });
    return promise;
  }

  @Override
  public boolean isOutputShutdown() {
    return outputShutdown || !isOpen();
  }

  @Override
  public ChannelFuture shutdownOutput() {
    return shutdownOutput(newPromise());
  }

  @Override
  public ChannelFuture shutdownOutput(ChannelPromise promise) {
    runOnLoop(() -> ((AbstractUnsafe) unsafe()).shutdownOutput(promise));
    return promise;
  }

  @Override
  public boolean isShutdown() {
    return isInputShutdown() && isOutputShutdown();
  }

  @Override
  public ChannelFuture shutdown() {
    return shutdown(newPromise());
  }

  @Override
  public ChannelFuture shutdown(ChannelPromise promise) {
    ChannelFuture out = shutdownOutput();
    out.addListener(f -> shutdownInput().addListener(g -> {
      if (f.isSuccess() && g.isSuccess()) {
        promise.trySuccess();
      } else {
        promise.tryFailure(f.cause() != null ? f.cause() : g.cause());
      }
    }));
    return promise;
  }

  // ---- the machinery ----------------------------------------------------------------------------------------------

  private void runOnLoop(Runnable r) {
    if (!isRegistered() || eventLoop().inEventLoop()) {
      r.run();
    } else {
      eventLoop().execute(r);
    }
  }

  /** Called by the writer (any thread): read what arrived now if we are on our loop and not too deep, else soon. */
  private void deliverSoon() {
    if (!isRegistered()) {
      return; // the first registration of the accepted end starts its reading
    }
    if (eventLoop().inEventLoop()) {
      int[] depth = DEPTH.get();
      if (depth[0] < MAX_SYNC_DEPTH) {
        depth[0]++;
        try {
          deliver();
        } finally {
          depth[0]--;
        }
        return;
      }
    }
    if (deliveryScheduled.compareAndSet(false, true)) {
      eventLoop().execute(deliverTask);
    }
  }

  /** On the loop: hands what was received to the pipeline if reading is on (or was asked for), then reacts to EOF. */
  private void deliver() {
    if (state == State.CLOSED) {
      releaseReceived();
      return;
    }
    if (!isActive()) {
      ChannelPromise cp = connectPromise;
      if (peerClosed && cp != null) {
        connectPromise = null;
        cancelConnectTimeout();
        cp.tryFailure(new ConnectException("in-process listener closed the connection before accepting it"));
        unsafe().close(unsafe().voidPromise());
      }
      return;
    }
    boolean asked = readRequested;
    ChannelPipeline pipeline = pipeline();
    if (asked || config.isAutoRead()) {
      readRequested = false;
      boolean any = false;
      ByteBuf buf;
      while ((buf = received.poll()) != null) {
        receivedBytes.addAndGet(-buf.readableBytes());
        any = true;
        if (inputShutdown) {
          buf.release();
          continue;
        }
        pipeline.fireChannelRead(buf);
        if (state == State.CLOSED) {
          releaseReceived();
          return;
        }
        if (!asked && !config.isAutoRead()) {
          break; // reading was turned off by a handler: the rest waits for read()
        }
      }
      if (any) {
        pipeline.fireChannelReadComplete();
      }
      wakeWriter();
    }
    if (peerOutputDone && received.isEmpty() && state == State.CONNECTED) {
      endOfInput();
    }
  }

  private void wakeWriter() {
    if (writerWaiting && receivedBytes.get() < RECEIVE_BUFFER / 2) {
      writerWaiting = false;
      InProcessChannel w = peer;
      if (w != null && w.isOpen() && w.isRegistered()) {
        w.eventLoop().execute(() -> ((Unsafe) w.unsafe()).flushNow());
      }
    }
  }

  /** The peer's data is all read and it will send no more: a close, or a half-close where that is allowed. */
  private void endOfInput() {
    if (peerClosed || !config.allowHalfClosure) {
      unsafe().close(unsafe().voidPromise());
      return;
    }
    if (!inputShutdownFired) {
      inputShutdownFired = true;
      inputShutdown = true;
      pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
      pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
      if (outputShutdown) {
        unsafe().close(unsafe().voidPromise());
      }
    }
  }

  /** {@link #releaseReceived} from another thread: on this channel's loop, the queue's only consumer. */
  private void releaseReceivedOnLoop() {
    try {
      runOnLoop(this::releaseReceived);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      releaseReceived(); // the loop is shutting down: nothing polls any more
    }
  }

  private void releaseReceived() {
    ByteBuf buf;
    while ((buf = received.poll()) != null) {
      receivedBytes.addAndGet(-buf.readableBytes());
      ReferenceCountUtil.safeRelease(buf);
    }
  }

  /** On the client's loop: the accepted end is registered (active); or it closed before. */
  private void accepted(InProcessChannel child) {
    ChannelPromise cp = connectPromise;
    if (cp == null || state != State.OPEN) {
      child.close(); // timed out or closed meanwhile
      return;
    }
    connectPromise = null;
    cancelConnectTimeout();
    boolean wasActive = isActive();
    state = State.CONNECTED;
    if (!cp.trySuccess()) {
      close();
      return;
    }
    InProcess.connected();
    if (!wasActive) {
      pipeline().fireChannelActive();
    }
    deliver(); // the child may have written already
  }

  private void cancelConnectTimeout() {
    ScheduledFuture<?> t = connectTimeout;
    if (t != null) {
      connectTimeout = null;
      t.cancel(false);
    }
  }

  /** Bytes received and not yet read (tests). */
  long queuedBytesForTest() {
    return receivedBytes.get();
  }

  private final class Unsafe extends AbstractUnsafe {
    @Override
    public void connect(SocketAddress remote, SocketAddress local, ChannelPromise promise) {
      if (!promise.setUncancellable() || !ensureOpen(promise)) {
        return;
      }
      if (state == State.CONNECTED) {
        promise.setFailure(new AlreadyConnectedException());
        return;
      }
      if (connectPromise != null) {
        promise.setFailure(new ConnectionPendingException());
        return;
      }
      InProcess.Endpoint endpoint = InProcess.endpoint(remote);
      if (endpoint == null) {
        promise.setFailure(new ConnectException("no listener of this process on " + remote));
        close(voidPromise());
        return;
      }
      InProcessAddress mine = InProcessAddress.ephemeral();
      InProcessAddress theirs = InProcessAddress.of(endpoint.address());
      localAddress = mine;
      remoteAddress = theirs;
      connectPromise = promise;
      InProcessChannel child = new InProcessChannel(InProcessChannel.this, theirs, mine, endpoint.tcpType());
      peer = child;
      int millis = config.getConnectTimeoutMillis();
      if (millis > 0) {
        connectTimeout = eventLoop().schedule(() -> {
          ChannelPromise cp = connectPromise;
          if (cp != null && cp.tryFailure(new ConnectException("in-process connect to " + remote + " timed out after "
              + millis + " ms"))) {
            connectPromise = null;
            close(voidPromise());
          }
        }, millis, TimeUnit.MILLISECONDS);
      }
      try {
        endpoint.acceptor().accept(child, eventLoop());
      } catch (RuntimeException e) {
        connectPromise = null;
        cancelConnectTimeout();
        child.unsafe().closeForcibly();
        promise.tryFailure(new ConnectException("in-process listener on " + remote + " refused: " + e));
        close(voidPromise());
      }
    }

    void flushNow() {
      flush0();
    }
  }

  /** Default options plus half-closure; socket options are accepted and have no effect. */
  private static final class Config extends DefaultChannelConfig {
    private volatile boolean allowHalfClosure;

    Config(Channel ch) {
      super(ch);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(ChannelOption<T> option) {
      if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
        return (T) Boolean.valueOf(allowHalfClosure);
      }
      return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
      if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
        allowHalfClosure = Boolean.TRUE.equals(value);
        return true;
      }
      super.setOption(option, value);
      return true; // TCP_NODELAY, SO_KEEPALIVE, buffer sizes, …: nothing to set in-process
    }
  }
}
