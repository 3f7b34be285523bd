package io.sslfarm.node;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.util.concurrent.AbstractEventExecutorGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Promise;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.TcpConfig;
import io.vertx.core.transport.Transport;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * One set of event loops for every farm node of this process: a Vert.x {@link Transport} that hands each node's
 * Vert.x instance a lease on process-wide event-loop and acceptor groups instead of groups of its own.
 *
 * <h2>Why</h2>
 * {@code sslfarm up} runs edge, SSL nodes, router and demo backends in one JVM. With a group per node (Vert.x's
 * default: 2 × CPUs loops each) a request crosses three or four threads (edge → SSL → router), and on a busy core most
 * of its CPU went to waking and switching threads (about a quarter of the farm's CPU in a profile). With one group the
 * tiers' channels share the process's loops, as HAProxy's threads serve every stage of a connection; a standalone
 * node (one per process) is unchanged but for the loop count.
 *
 * <h2>Contract</h2>
 * The first Vert.x instance built creates the groups (with its thread factory, so the threads are Vert.x threads);
 * later ones reuse them. A lease's {@code shutdownGracefully} releases it: the groups shut down when the last lease is
 * released, and a later node creates them anew. Thread-safe.
 */
public final class SharedEventLoops implements Transport {

  private static final Object LOCK = new Object();
  private static final SharedGroup IO = new SharedGroup();
  private static final SharedGroup ACCEPTOR = new SharedGroup();

  private final Transport base;
  private final Spi spi;

  private SharedEventLoops(Transport base) {
    this.base = base;
    this.spi = new Spi(base.implementation());
  }

  /**
   * The native transport (epoll) with the process's shared event loops, or null when native transport is not wanted
   * or not available (then each node keeps Vert.x's own NIO groups: Vert.x tells NIO from native by its own class).
   */
  public static SharedEventLoops nativeTransport(boolean preferNative) {
    Transport t = preferNative ? Transport.nativeTransport() : null;
    return t != null && t.available() ? new SharedEventLoops(t) : null;
  }

  /** How many nodes of this process hold a lease on the shared event loops (tests). */
  public static int leases() {
    synchronized (LOCK) {
      return IO.leases;
    }
  }

  @Override
  public String name() {
    return base.name();
  }

  @Override
  public boolean available() {
    return base.available();
  }

  @Override
  public Throwable unavailabilityCause() {
    return base.unavailabilityCause();
  }

  @Override
  public io.vertx.core.spi.transport.Transport implementation() {
    return spi;
  }

  /** A process-wide group and its lease count. */
  private static final class SharedGroup {
    EventLoopGroup group;
    int leases;

    EventLoopGroup lease(io.vertx.core.spi.transport.Transport impl, int type, int threads, ThreadFactory factory,
        int ioRatio) {
      synchronized (LOCK) {
        if (group == null || group.isShuttingDown()) {
          group = impl.eventLoopGroup(type, threads, factory, ioRatio);
        }
        leases++;
        return new Lease(this, group);
      }
    }

    Future<?> release(EventLoopGroup leased, long quiet, long timeout, TimeUnit unit) {
      synchronized (LOCK) {
        leases--;
        if (leases == 0 && group == leased) {
          group = null;
          return leased.shutdownGracefully(quiet, timeout, unit);
        }
        return GlobalEventExecutor.INSTANCE.newSucceededFuture(null);
      }
    }
  }

  /** One node's view of a shared group: everything but shutting down goes to the group. */
  private static final class Lease extends AbstractEventExecutorGroup implements EventLoopGroup {
    private final SharedGroup owner;
    private final EventLoopGroup group;
    private final Promise<Void> terminated = GlobalEventExecutor.INSTANCE.newPromise();
    private volatile boolean released;

    Lease(SharedGroup owner, EventLoopGroup group) {
      this.owner = owner;
      this.group = group;
    }

    @Override
    public EventLoop next() {
      return group.next();
    }

    @Override
    public Iterator<EventExecutor> iterator() {
      return group.iterator();
    }

    @Override
    public ChannelFuture register(Channel channel) {
      return group.register(channel);
    }

    @Override
    public ChannelFuture register(ChannelPromise promise) {
      return group.register(promise);
    }

    @Override
    @Deprecated
    public ChannelFuture register(Channel channel, ChannelPromise promise) {
      return group.register(channel, promise);
    }

    @Override
    public boolean isShuttingDown() {
      return released || group.isShuttingDown();
    }

    @Override
    public Future<?> shutdownGracefully() {
      return shutdownGracefully(2, 15, TimeUnit.SECONDS);
    }

    @Override
    public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
      synchronized (this) {
        if (!released) {
          released = true;
          owner.release(group, quietPeriod, timeout, unit).addListener(f -> terminated.trySuccess(null));
        }
      }
      return terminated;
    }

    @Override
    public Future<?> terminationFuture() {
      return terminated;
    }

    @Override
    @Deprecated
    public void shutdown() {
      shutdownGracefully();
    }

    @Override
    @Deprecated
    public List<Runnable> shutdownNow() {
      shutdownGracefully();
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return released;
    }

    @Override
    public boolean isTerminated() {
      return terminated.isDone();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
      return terminated.await(timeout, unit);
    }
  }

  /** Vert.x's transport SPI, delegated, with shared groups. */
  private static final class Spi implements io.vertx.core.spi.transport.Transport {
    private final io.vertx.core.spi.transport.Transport d;

    Spi(io.vertx.core.spi.transport.Transport d) {
      this.d = d;
    }

    @Override
    public EventLoopGroup eventLoopGroup(int type, int threads, ThreadFactory factory, int ioRatio) {
      SharedGroup shared = type == ACCEPTOR_EVENT_LOOP_GROUP ? ACCEPTOR : IO;
      return shared.lease(d, type, threads, factory, ioRatio);
    }

    @Override
    public boolean supportsDomainSockets() {
      return d.supportsDomainSockets();
    }

    @Override
    public boolean supportFileRegion() {
      return d.supportFileRegion();
    }

    @Override
    public boolean isAvailable() {
      return d.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
      return d.unavailabilityCause();
    }

    @Override
    public java.net.SocketAddress convert(io.vertx.core.net.SocketAddress address) {
      return d.convert(address);
    }

    @Override
    public io.vertx.core.net.SocketAddress convert(java.net.SocketAddress address) {
      return d.convert(address);
    }

    @Override
    public IoHandlerFactory ioHandlerFactory() {
      return d.ioHandlerFactory();
    }

    @Override
    public DatagramChannel datagramChannel(InternetProtocolFamily family) {
      return d.datagramChannel(family);
    }

    @Override
    public ChannelFactory<? extends DatagramChannel> datagramChannelFactory() {
      return d.datagramChannelFactory();
    }

    @Override
    public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) {
      return d.channelFactory(domainSocket);
    }

    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
      return d.serverChannelFactory(domainSocket);
    }

    @Override
    public void configure(DatagramChannel channel, DatagramSocketOptions options) {
      d.configure(channel, options);
    }

    @Override
    public void configure(TcpConfig options, boolean domainSocket, io.netty.bootstrap.Bootstrap bootstrap) {
      d.configure(options, domainSocket, bootstrap);
    }

    @Override
    public void configure(TcpConfig options, boolean domainSocket, io.netty.bootstrap.ServerBootstrap bootstrap) {
      d.configure(options, domainSocket, bootstrap);
    }
  }
}
