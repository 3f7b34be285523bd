package io.sslfarm.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-process hops: when a tier connects to a listener that this same JVM holds (an SSL node of {@code sslfarm up}
 * reached by its edge, a router reached by its SSL nodes), the connection is an {@link InProcessChannel} pair instead
 * of a loopback TCP connection. What travels is unchanged — the same PROXY v2 header first, then the same bytes, the
 * same pipelines on both sides — only the kernel is left out (per request, a loopback hop costs a send and a receive
 * system call each way plus the TCP stack: about a third of the whole farm's CPU when all tiers share a process).
 *
 * <h2>Which connects go in-process</h2>
 * A listener {@linkplain #bind binds} the address it bound its server socket to. A connect to {@code host:port} goes
 * in-process when a listener of this process is bound to that port on that host, or on the wildcard address with
 * {@code host} one of this machine's addresses: the kernel would have delivered that connection to the same listener
 * (this process holds the port), so no other process can be bypassed. Everything else, and everything when
 * {@code node.in-process-hops} is false, uses TCP.
 *
 * <h2>Hand-off instead of a hop</h2>
 * A listener may also {@linkplain Adopter adopt} a connection: the edge, having admitted a client (ACL, per-source
 * limits) and picked an SSL node of this process, gives that node the client's own socket instead of relaying it over
 * an in-process pair. The node installs on it the pipeline it gives an accepted connection, with the client address
 * the PROXY header would have carried; from then on the edge is out of the data path (no relay, no PROXY header, no
 * second channel: per request, the edge's read, write and flush of every TLS record). Used for the first hop only: a
 * router is reached by a connection of its own (its HTTP server pipeline is built by Vert.x at accept).
 *
 * <p>The registry is process-wide, like the shared event loops: several farm nodes in one JVM find each other.
 */
public final class InProcess {

  private static final Logger LOG = LoggerFactory.getLogger(InProcess.class);

  /**
   * Takes an accepted {@link InProcessChannel}, still unregistered: register it (on {@code connectorLoop} keeps both
   * ends on one thread) and give it the pipeline an accepted socket gets. Runs on the connecting channel's loop; may
   * throw to refuse the connection.
   */
  @FunctionalInterface
  public interface Acceptor {
    void accept(InProcessChannel child, EventLoop connectorLoop);
  }

  /**
   * Takes over a connected downstream channel of this process (a client socket another tier admitted) as if it had
   * arrived on this listener with a PROXY v2 header carrying {@code info}. Runs on the channel's event loop, before any
   * of the client's bytes were read past the caller's handler; the caller removes its own handlers afterwards.
   */
  @FunctionalInterface
  public interface Adopter {
    /** False when the listener takes no more connections (the caller then connects as usual, or refuses). */
    boolean adopt(Channel downstream, ProxyInfo info);
  }

  /**
   * A bound listener; {@code tcpType} is the socket class of its TCP connections (or null): what an accepted
   * in-process channel uses for connections of its own to other hosts ({@link Relay#upstreamBootstrap}).
   */
  record Endpoint(InetSocketAddress address, Class<? extends Channel> tcpType, Acceptor acceptor, Adopter adopter) {
  }

  /** Unbinds on close; idempotent. */
  public interface Binding extends AutoCloseable {
    @Override
    void close();
  }

  private static final Map<Integer, List<Endpoint>> BY_PORT = new ConcurrentHashMap<>();
  private static final Map<InetAddress, Boolean> LOCAL_ADDRESSES = new ConcurrentHashMap<>();
  private static final LongAdder CONNECTS = new LongAdder();
  private static final LongAdder HANDOFFS = new LongAdder();
  private static volatile boolean enabled = true;

  private InProcess() {
  }

  /** {@code node.in-process-hops}: false sends every hop over TCP, also between tiers of this process. */
  public static void setEnabled(boolean on) {
    enabled = on;
  }

  /** In-process connections made since start (all tiers of this process). */
  public static long connects() {
    return CONNECTS.sum();
  }

  /** Connections handed to a listener of this process since start ({@link Adopter}). */
  public static long handoffs() {
    return HANDOFFS.sum();
  }

  /** Registers a listener bound to {@code bound} (a wildcard address serves all of this machine's addresses). */
  public static Binding bind(InetSocketAddress bound, Acceptor acceptor) {
    return bind(bound, null, acceptor);
  }

  /**
   * {@link #bind(InetSocketAddress, Acceptor)} for a listener whose connections open connections of their own with
   * {@link Relay#upstreamBootstrap}: {@code tcpType} is the class of its accepted TCP sockets (e.g.
   * {@code EpollSocketChannel}), which an accepted in-process channel's upstream then uses too.
   */
  public static Binding bind(InetSocketAddress bound, Class<? extends Channel> tcpType, Acceptor acceptor) {
    return bind(bound, tcpType, acceptor, null);
  }

  /**
   * {@link #bind(InetSocketAddress, Class, Acceptor)} for a listener that can also {@linkplain Adopter adopt} a
   * connection accepted by another tier of this process (null: it cannot).
   */
  public static Binding bind(InetSocketAddress bound, Class<? extends Channel> tcpType, Acceptor acceptor,
      Adopter adopter) {
    Endpoint e = new Endpoint(bound, tcpType, acceptor, adopter);
    BY_PORT.computeIfAbsent(bound.getPort(), p -> new CopyOnWriteArrayList<>()).add(e);
    LOG.debug("in-process listener on {}", bound);
    return new Binding() {
      private volatile boolean closed;

      @Override
      public void close() {
        if (!closed) {
          closed = true;
          List<Endpoint> l = BY_PORT.get(bound.getPort());
          if (l != null) {
            l.remove(e);
          }
        }
      }
    };
  }

  /** The listener of this process that a TCP connect to {@code target} would reach, or null. */
  static Endpoint endpoint(SocketAddress target) {
    if (!enabled || !(target instanceof InetSocketAddress t) || t.getAddress() == null) {
      return null;
    }
    List<Endpoint> l = BY_PORT.get(t.getPort());
    if (l == null || l.isEmpty()) {
      return null;
    }
    for (Endpoint e : l) {
      if (e.address().getAddress().equals(t.getAddress())) {
        return e;
      }
    }
    for (Endpoint e : l) {
      if (e.address().getAddress().isAnyLocalAddress() && isLocal(t.getAddress())) {
        return e;
      }
    }
    return null;
  }

  /**
   * Hands {@code downstream} to the listener of this process that a connect to {@code target} would reach, if it
   * adopts connections; true when it took it (counted in {@link #handoffs}). False: no such listener, it does not
   * adopt, in-process hops are off, or it takes no more connections; nothing was changed on {@code downstream}.
   */
  public static boolean handOff(Channel downstream, SocketAddress target, ProxyInfo info) {
    Endpoint e = endpoint(target);
    if (e == null || e.adopter() == null || !e.adopter().adopt(downstream, info)) {
      return false;
    }
    HANDOFFS.increment();
    return true;
  }

  /** True when a connect to {@code target} goes in-process. */
  public static boolean reaches(SocketAddress target) {
    return endpoint(target) != null;
  }

  /**
   * {@code b} itself, or, when {@code target} is a listener of this process, a bootstrap like it (loop, handler,
   * options, attributes) that opens an {@link InProcessChannel} (socket options have no effect in-process).
   */
  @SuppressWarnings("unchecked")
  public static Bootstrap route(Bootstrap b, SocketAddress target) {
    if (endpoint(target) == null) {
      return b;
    }
    io.netty.bootstrap.BootstrapConfig c = b.config();
    Bootstrap in = new Bootstrap().group(c.group()).channelFactory(InProcessChannel::new).handler(c.handler());
    c.options().forEach((k, v) -> in.option((io.netty.channel.ChannelOption<Object>) k, v));
    c.attrs().forEach((k, v) -> in.attr((io.netty.util.AttributeKey<Object>) k, v));
    return in;
  }

  /** {@code host:port} as a resolved address when {@code host} is an IP literal (no DNS lookup), else null. */
  public static InetSocketAddress literal(String host, int port) {
    byte[] ip = io.netty.util.NetUtil.createByteArrayFromIpAddressString(host);
    if (ip == null) {
      return null;
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(ip), port);
    } catch (java.net.UnknownHostException e) {
      return null; // not reached: the length is 4 or 16
    }
  }

  static void connected() {
    CONNECTS.increment();
  }

  private static boolean isLocal(InetAddress a) {
    if (a.isLoopbackAddress() || a.isAnyLocalAddress()) {
      return true;
    }
    Boolean known = LOCAL_ADDRESSES.get(a);
    if (known != null) {
      return known;
    }
    boolean local;
    try {
      local = NetworkInterface.getByInetAddress(a) != null;
    } catch (SocketException e) {
      local = false;
    }
    if (LOCAL_ADDRESSES.size() < 1024) { // connect targets are node addresses: few; never grow without bound
      LOCAL_ADDRESSES.put(a, local);
    }
    return local;
  }
}
